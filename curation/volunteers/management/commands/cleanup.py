from django.core.management.base import BaseCommand

from curation.volunteers import services


class Command(BaseCommand):
    help = (
        "Local disk: delete raw photo uploads that are finished or orphaned, and any older "
        "than RAW_UPLOAD_EXPIRY_DAYS (on S3 the bucket's lifecycle rule does it). Run it "
        "from cron, hourly."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{services.raw_uploads_cleanup()} raw uploads deleted")
