from dataclasses import dataclass, field
from importlib import import_module

from django.core.management.base import BaseCommand

from curation.core.demo import DEMO_MEMORISATION, DEMO_PROBE

DEMO_AREAS = ["core", "volunteers", "scenes", "review", "releases"]


@dataclass(frozen=True)
class Scale:
    """How much demo data each area makes. `release` (ReleaseConfig arguments), when set,
    has the releases area export a release of it and check it."""

    memorisation: int
    probe: int
    form_variants: tuple[int, ...]
    scenes_per_cell: int
    release: dict = field(default_factory=dict)


SCALES = {
    "demo": Scale(
        memorisation=DEMO_MEMORISATION, probe=DEMO_PROBE, form_variants=(0, 1), scenes_per_cell=1
    ),
    # The paper's: 1,000 memorised and 600 probe identities, a full-preset release (600
    # disclosure and 1,200 retention items, 15 scenes per retention block: 180 scenes).
    "paper": Scale(
        memorisation=1000,
        probe=600,
        form_variants=(0,),
        scenes_per_cell=15,
        release={"version": "1.0.0", "seed": 7, "preset": "full"},
    ),
}


class Command(BaseCommand):
    help = "Create demo users, identities, template forms, photos and scenes (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--accept-all",
            action="store_true",
            help="Accept every pending demo image as the demo annotator (for a demo release).",
        )
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="demo",
            help="demo: a small set to click through; paper: 1,000 + 600 identities, their "
            "forms, 180 scenes, all accepted, and a full-preset release exported and checked "
            "(long: see README).",
        )

    def handle(self, *args, **options):
        scale = SCALES[options["scale"]]
        options = {
            **options,
            "scale": scale,
            "accept_all": options["accept_all"] or bool(scale.release),
        }
        for area in DEMO_AREAS:
            try:
                module = import_module(f"curation.{area}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"curation.{area}.demo":
                    raise
                continue
            module.seed(self.stdout.write, options)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
