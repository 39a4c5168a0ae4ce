"""Default per-source policies, and the index that keeps a claim's cost flat.

A claim asks for the lowest-id pending image; core_image's own (status, source, id)
index cannot return pending rows in id order across sources, so without this partial
index a claim would sort every pending row. It lives here because the query is ours.
"""

from django.db import migrations

QUEUE_INDEX = "review_image_pending_id"

POLICIES = {
    "photo": (
        1,
        [
            ("illegible", "Illegible"),
            ("mismatch", "Values do not match the identity"),
            ("real-data", "Real personal data or a face visible"),
            ("wrong-form", "Wrong form"),
            ("blurred", "Blurred"),
        ],
    ),
    "diffusion": (
        2,
        [
            ("off-topic", "Off-topic"),
            ("artifacts", "Artifacts"),
            ("real-looking-text", "Legible text that looks like real personal data"),
            ("disturbing", "Disturbing content"),
        ],
    ),
    "template": (
        1,
        [
            ("values-wrong", "Values do not match the identity"),
            ("layout", "Text cut off or overlapping"),
            ("wrong-form", "Wrong form"),
        ],
    ),
}


def create_policies(apps, schema_editor):
    ReviewPolicy = apps.get_model("review", "ReviewPolicy")
    for source, (needed, reasons) in POLICIES.items():
        ReviewPolicy.objects.get_or_create(
            source=source,
            defaults={
                "reviews_needed": needed,
                "reject_reasons": [{"code": code, "label": label} for code, label in reasons],
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_policies, migrations.RunPython.noop),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {QUEUE_INDEX} ON core_image (id) WHERE status = 'pending'",
            f"DROP INDEX IF EXISTS {QUEUE_INDEX}",
        ),
    ]
