"""A release's seed and version are checked against what the database holds before it
sees them: a clear answer from the site and one line from the CLI, never a 500."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from curation.releases.models import Release, ReleaseStatus

LONG_VERSION = "1.0.0-" + "a" * 40
BIG_SEED = 2**53 - 1  # the largest the form offers (JSON-safe in any language)


def _export(tmp_path, *, version="1.0.0", seed=7):
    call_command(
        "export_release",
        "--version",
        version,
        "--preset",
        "demo",
        "--seed",
        str(seed),
        "--out",
        str(tmp_path / "r"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"version": LONG_VERSION}, "at most 40 characters"),
        ({"seed": 2**53}, "seed must be from 0 to"),
        ({"seed": -1}, "seed must be from 0 to"),
        ({"seed": 2**80}, "seed must be from 0 to"),
    ],
)
def test_export_release_refuses_what_the_database_cannot_hold(tmp_path, option, message):
    with pytest.raises(CommandError) as error:
        _export(tmp_path, **option)

    assert message in str(error.value)
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_the_largest_seed_the_form_offers_is_stored(tmp_path):
    from curation.releases import services

    release = services.release_prepare(
        version="1.0.0", seed=BIG_SEED, preset="demo", destination=str(tmp_path / "r")
    )

    release.refresh_from_db()
    assert release.seed == BIG_SEED and release.status == ReleaseStatus.BUILDING


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"), [("version", LONG_VERSION), ("seed", 2**53), ("seed", 2**80)]
)
def test_the_site_form_answers_values_out_of_range_with_a_form_error(
    client_as, maintainer, field, value
):
    data = {"version": "1.0.0", "seed": 7, "preset": "demo", field: value}

    response = client_as(maintainer).post(reverse("curation:release-list"), data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_the_site_accepts_the_largest_seed(
    client_as, maintainer, django_capture_on_commit_callbacks
):
    data = {"version": "1.0.0", "seed": BIG_SEED, "preset": "demo"}

    response = client_as(maintainer).post(reverse("curation:release-list"), data)

    assert response.status_code == 302
    assert Release.objects.get().seed == BIG_SEED
