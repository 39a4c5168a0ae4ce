from importlib import import_module

from django.core.management.base import BaseCommand

DEMO_AREAS = ["core", "volunteers", "scenes", "review"]


class Command(BaseCommand):
    help = "Create demo users, identities, template forms, photos and scenes (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--accept-all",
            action="store_true",
            help="Accept every pending demo image as the demo annotator (for a demo release).",
        )

    def handle(self, *args, **options):
        for area in DEMO_AREAS:
            try:
                module = import_module(f"curation.{area}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"curation.{area}.demo":
                    raise
                continue
            module.seed(self.stdout.write, options)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
