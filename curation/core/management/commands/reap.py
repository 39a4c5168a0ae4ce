from django.core.management.base import BaseCommand

from curation.core import reaper


class Command(BaseCommand):
    help = (
        "Settle job runs whose worker died: mark them failed with the reason, and queue "
        "again the kinds that are safe to run twice. Run it from cron every few minutes."
    )

    def handle(self, *args, **options):
        reaped = reaper.reap()
        for item in reaped:
            what = "queued again" if item.requeued else "failed"
            self.stdout.write(f"run {item.run_id}: {item.reason}; {what}")
        self.stdout.write(f"{len(reaped)} runs settled")
