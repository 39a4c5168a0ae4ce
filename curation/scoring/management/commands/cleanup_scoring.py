from django.core.management.base import BaseCommand

from curation.scoring import services


class Command(BaseCommand):
    help = (
        "Delete stored responses files and scoring outputs that no response set records "
        "(left by an upload or a scoring run whose process was killed) once they are older "
        "than SCORING_ORPHAN_HOURS. Run it from cron, hourly."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{services.scoring_orphans_cleanup()} orphaned scoring files deleted")
