"""Runs keep the grid they started with; an older snapshot's `none` setting becomes `open`
(the scenes' new word for the plain context), so a resumed run stores `open` scenes."""

from django.db import migrations


def _rename_setting(apps, old: str, new: str) -> None:
    SceneRun = apps.get_model("scenes", "SceneRun")
    for run in SceneRun.objects.all():
        settings = run.grid.get("settings") or []
        if any(name == old for name, _ in settings):
            run.grid["settings"] = [[new if name == old else name, text] for name, text in settings]
            run.save(update_fields=["grid"])


def none_to_open(apps, schema_editor):
    _rename_setting(apps, "none", "open")


def open_to_none(apps, schema_editor):
    _rename_setting(apps, "open", "none")


class Migration(migrations.Migration):
    dependencies = [("scenes", "0001_initial"), ("core", "0002_scenes_say_open")]

    operations = [migrations.RunPython(none_to_open, open_to_none)]
