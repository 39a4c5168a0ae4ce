"""A version with a trailing newline is refused (`$` let it through; the pattern ends in \\Z)."""

import pytest
from django.core.management import CommandError, call_command

from benchmark.release.config import SEMVER
from curation.releases.forms import ReleaseForm
from curation.releases.models import Release


def test_the_library_refuses_a_version_with_a_trailing_newline():
    assert SEMVER.match("1.0.0") and not SEMVER.match("1.0.0\n")


@pytest.mark.django_db
def test_export_release_refuses_a_version_with_a_trailing_newline(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command(
            "export_release",
            "--version",
            "1.0.0\n",
            "--preset",
            "demo",
            "--seed",
            "7",
            "--out",
            str(tmp_path / "r"),
        )

    assert "is not semantic versioning" in str(error.value)
    assert not (tmp_path / "r").exists() and not Release.objects.exists()


def test_the_site_form_refuses_a_version_with_a_newline_inside():
    form = ReleaseForm({"version": "1.0.0\n1", "seed": 7, "preset": "demo"})
    assert "version" in form.errors
