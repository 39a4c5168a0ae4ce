from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from curation.core import storage


class Command(BaseCommand):
    help = (
        "Create the S3 bucket if missing, block public access, allow browser uploads from "
        "SITE_URL (CORS) and expire abandoned raw uploads. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--origin",
            action="append",
            default=[],
            help="Another origin allowed to upload (repeatable); SITE_URL always is.",
        )

    def handle(self, *args, **options):
        origins = [settings.SITE_URL, *options["origin"]]
        try:
            lines = storage.ensure_bucket(
                cors_origins=origins,
                expire_prefix=storage.RAW_UPLOAD_PREFIX,
                expire_days=storage.raw_upload_expiry_days(),
            )
        except storage.StorageUnavailable as error:
            raise CommandError(
                f"{error}. Check S3_ENDPOINT_URL and that the store is up."
            ) from None
        for line in lines:
            self.stdout.write(line)
