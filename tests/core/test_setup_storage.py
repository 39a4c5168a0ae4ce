import io

from django.core.management import call_command, get_commands


def test_setup_storage_is_cores_command_and_local_disk_needs_nothing(settings):
    settings.S3_BUCKET = ""
    out = io.StringIO()
    call_command("setup_storage", stdout=out)
    assert get_commands()["setup_storage"] == "curation.core", "it configures the whole bucket"
    assert out.getvalue().startswith("Local disk storage under ")
    assert "nothing to set up" in out.getvalue()
