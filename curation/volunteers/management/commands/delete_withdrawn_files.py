from django.core.management.base import BaseCommand, CommandError

from curation.core import storage
from curation.volunteers import conf, consent


class Command(BaseCommand):
    help = (
        "Delete the stored files of photos withdrawn more than WITHDRAWAL_GRACE_DAYS ago "
        "(only their sha256 stays). Run it daily; safe to run again."
    )

    def handle(self, *args, **options):
        try:
            deleted = consent.withdrawn_files_delete()
        except storage.StorageUnavailable as error:
            raise CommandError(f"{error}; nothing more was deleted, run it again later") from None
        self.stdout.write(
            f"Deleted the files of {deleted} withdrawn photos "
            f"(grace period {conf.withdrawal_grace_days()} days)."
        )
