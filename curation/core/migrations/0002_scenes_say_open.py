"""Scenes call the plain context `open`, as forms do, instead of `none`.

Only diffusion scenes were stored as `none` (every other image names its scenario), so the
word goes from the choices and the field loses its default.
"""

from django.db import migrations, models


def _rename_scenes(apps, old: str, new: str) -> None:
    Image = apps.get_model("core", "Image")
    for image in Image.objects.filter(source="diffusion", scenario=old):
        image.scenario = new
        if image.provenance.get("scenario") == old:
            image.provenance["scenario"] = new
        image.save(update_fields=["scenario", "provenance"])


def none_to_open(apps, schema_editor):
    _rename_scenes(apps, "none", "open")


def open_to_none(apps, schema_editor):
    _rename_scenes(apps, "open", "none")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(none_to_open, open_to_none),
        migrations.AlterField(
            model_name="image",
            name="scenario",
            field=models.CharField(
                choices=[
                    ("hiring", "Hiring"),
                    ("verification", "Verification"),
                    ("finance", "Finance"),
                    ("open", "Open context"),
                ],
                max_length=16,
            ),
        ),
    ]
