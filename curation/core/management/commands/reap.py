"""`manage.py reap`: one pass; `--every 60`: the long-lived process production runs."""

import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from curation.core import reaper

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Keep job runs truthful and moving: settle runs whose worker died (failed with the "
        "reason, or queued again for the kinds safe to run twice), queue again the runs "
        "Redis never got or lost, and move due retries when no scheduler does. Idempotent. "
        "With --every N it runs a pass every N seconds until stopped (how production runs it)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="run a pass every SECONDS until stopped; a failed pass (Redis or the "
            "database away) is logged and the next one tries again",
        )

    def handle(self, *args, every=None, **options):
        if every is None:
            reaped = self._pass()
            self.stdout.write(f"{len(reaped)} runs settled")
            return
        if every <= 0:
            raise CommandError("--every takes a number of seconds above 0")
        while True:
            try:
                self._pass()
            except Exception as error:  # Redis or the database away: the next pass retries.
                log.warning("reap pass failed: %s: %s", type(error).__name__, error)
                self.stderr.write(f"reap pass failed ({type(error).__name__}: {error})")
            finally:
                close_old_connections()
            time.sleep(every)

    def _pass(self) -> list[reaper.Reaped]:
        reaped = reaper.reap()
        for item in reaped:
            what = "queued again" if item.requeued else "failed"
            self.stdout.write(f"run {item.run_id}: {item.reason}; {what}")
        self.stdout.flush()
        return reaped
