import pytest
from django.urls import reverse

from benchmark.vocab import UNIQUE_FIELDS, normalise
from curation.core import services
from curation.core.models import Identity, JobRun, RunStatus


def _values(pool: str) -> set[tuple[str, str]]:
    return {
        (field, normalise(field, data[field]))
        for data in Identity.objects.filter(pool=pool).values_list("data", flat=True)
        for field in UNIQUE_FIELDS
    }


@pytest.mark.django_db
def test_it_stores_disjoint_pools():
    created = services.identities_create_pools(memorisation=30, probe=20, seed=3)
    assert created == {"memorisation": 30, "probe": 20, "skipped": 0}
    assert _values("memorisation").isdisjoint(_values("probe"))


@pytest.mark.django_db
def test_a_second_batch_never_repeats_a_stored_value():
    services.identities_create_pools(memorisation=20, probe=20, seed=3)
    before = _values("memorisation") | _values("probe")
    created = services.identities_create_pools(memorisation=20, probe=20, seed=3)
    assert created["memorisation"] + created["probe"] == 0
    assert created["skipped"] == 40
    services.identities_create_pools(memorisation=20, probe=20, seed=4)
    assert Identity.objects.count() > 40
    assert _values("memorisation").isdisjoint(_values("probe"))
    assert len(before) < len(_values("memorisation") | _values("probe"))


@pytest.mark.django_db
def test_a_maintainer_starts_a_batch_and_watches_the_run(
    client_as, maintainer, django_capture_on_commit_callbacks
):
    client = client_as(maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("curation:identity-list"), {"memorisation": 5, "probe": 4, "seed": 9}
        )
    run = JobRun.objects.get()
    assert response["Location"] == reverse("curation:run-detail", args=[run.pk])
    assert run.status == RunStatus.SUCCEEDED
    assert run.result == {"memorisation": 5, "probe": 4, "skipped": 0}
    page = client.get(reverse("curation:run-detail", args=[run.pk])).content.decode()
    assert "Succeeded" in page
    status = client.get(reverse("curation:run-status", args=[run.pk])).json()
    assert status["finished"] and status["percent"] == 100


@pytest.mark.django_db
def test_a_bad_batch_is_refused_with_a_message(client_as, maintainer):
    response = client_as(maintainer).post(
        reverse("curation:identity-list"), {"memorisation": 0, "probe": 0, "seed": 1}
    )
    assert "Ask for at least one identity." in response.content.decode()
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_the_identity_list_counts_each_pool(client_as, maintainer):
    services.identities_create_pools(memorisation=3, probe=0, seed=5)
    response = client_as(maintainer).get(reverse("curation:identity-list"))
    assert response.context["counts"] == {"memorisation": 3, "probe": 0}
    assert "Probe (0)" in response.content.decode()
