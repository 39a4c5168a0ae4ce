"""Bring job runs in line with RQ: dead workers, lost and unqueued jobs (run every minute)."""

from django.core.management.base import BaseCommand, CommandError

from curation.core.job_sweep import sweep


class Command(BaseCommand):
    help = (
        "Record jobs whose worker died (retrying or failed), and queue again the runs that "
        "Redis never got or lost. Idempotent: run it every minute (systemd timer or cron)."
    )

    def handle(self, *args, **options):
        try:
            counts = sweep()
        except Exception as error:  # Redis still down: one line, and the next run tries again.
            raise CommandError(f"Cannot reach the job service (REDIS_URL): {error}") from None
        self.stdout.write(
            f"abandoned jobs: {counts['abandoned']}, runs without a worker: "
            f"{counts['settled']}, runs queued again: {counts['requeued']}, "
            f"due retries queued: {counts['retries_due']}"
        )
