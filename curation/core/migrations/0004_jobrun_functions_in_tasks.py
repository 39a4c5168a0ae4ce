"""Job functions moved into their apps' tasks.py; RQ runs a JobRun by its stored dotted name,
so runs recorded before the move (and retries of them) must name the new place."""

from django.db import migrations

MOVED = {
    "curation.releases.services.export_release_job": "curation.releases.tasks.export_release_job",
    "curation.scoring.services.score_response_set_job": (
        "curation.scoring.tasks.score_response_set_job"
    ),
}


def _rename(apps, renames: dict[str, str]) -> None:
    JobRun = apps.get_model("core", "JobRun")
    for old, new in renames.items():
        JobRun.objects.filter(function=old).update(function=new)


def forwards(apps, schema_editor):
    _rename(apps, MOVED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [("core", "0003_remove_image_retention_only")]

    operations = [migrations.RunPython(forwards, backwards)]
