from django.core.management.base import BaseCommand, CommandError

from benchmark.release import PRESETS, ReleaseError
from curation.core.models import RunStatus
from curation.releases import services


class Command(BaseCommand):
    help = "Export the accepted images as a versioned release (built, checked, then published)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the release here, not Django's version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--version", dest="release_version", required=True, help="Semantic version, e.g. 1.0.0"
        )
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument(
            "--preset",
            choices=sorted(PRESETS),
            default=None,
            help="Sizes: full (the paper's) or demo (small). Default full.",
        )
        parser.add_argument(
            "--out", default=None, help="Folder to publish to (default var/releases/VERSION)."
        )
        parser.add_argument(
            "--allow-simulated",
            action="store_true",
            help="Let simulated photos and random-weight demo scenes in.",
        )
        parser.add_argument("--disclosure-per-cell", type=int, default=None)
        parser.add_argument("--retention-per-cell", type=int, default=None)
        parser.add_argument("--retention-scenes-per-block", type=int, default=None)
        parser.add_argument(
            "--memorisation-images-per-identity",
            type=int,
            default=None,
            help="Form images per memorised identity: 1 as in the paper (default), more for "
            "a dose study.",
        )

    def handle(self, *args, **options):
        preset = options["preset"]
        allow_simulated = options["allow_simulated"] or preset == "demo"
        sizes = {
            name: options[name]
            for name in (
                "disclosure_per_cell",
                "retention_per_cell",
                "retention_scenes_per_block",
                "memorisation_images_per_identity",
            )
            if options[name] is not None
        }
        try:
            release = services.release_prepare(
                version=options["release_version"],
                seed=options["seed"],
                preset=preset,
                destination=options["out"],
                allow_simulated=allow_simulated,
                sizes=sizes,
            )
        except ReleaseError as error:
            raise CommandError(str(error)) from None
        run = services.release_export_start(release, inline=True)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(run.error)
        self.stdout.write(f"Published {release.version} at {run.result['destination']}")
        self.stdout.write(f"manifest sha256 {run.result['manifest_sha256']}")
