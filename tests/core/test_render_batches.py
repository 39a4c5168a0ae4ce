import io

import pytest
from django.urls import reverse
from PIL import Image as PILImage

from curation.core import services, storage
from curation.core.models import Identity, Image, ImageStatus, JobRun, RunStatus
from curation.review.models import Review


@pytest.fixture
def identities(db):
    services.identities_create_pools(memorisation=2, probe=2, seed=5)
    return list(Identity.objects.all())


@pytest.mark.django_db
def test_a_render_batch_stores_accepted_forms_with_ground_truth(
    client_as, maintainer, identities, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_as(maintainer).post(
            reverse("curation:render-start"),
            {"pool": "probe", "scenarios": ["hiring", "open"], "variants": "0"},
        )
    run = JobRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED, run.error
    images = Image.objects.all()
    # two probe identities: one hiring form each, and one open table per target type
    assert run.result == {"rendered": 2 * (1 + 3)} and images.count() == 8
    assert set(images.values_list("status", flat=True)) == {ImageStatus.ACCEPTED}
    form = images.filter(scenario="hiring").first()
    data = storage.read_bytes(form.file.name)
    assert storage.sha256_hex(data) == form.sha256 and len(data) == form.size_bytes
    assert PILImage.open(io.BytesIO(data)).size == (form.width, form.height)
    shown = {field["name"]: field["value"] for field in form.fields}
    assert shown["email"] == form.identity.email and shown["ssn"] == form.identity.ssn


@pytest.mark.django_db
def test_rendering_twice_does_not_duplicate(identities):
    first = services.render_template_form(identities[0], "finance", 1)
    again = services.render_template_form(identities[0], "finance", 1)
    assert first.pk == again.pk and Image.objects.count() == 1


@pytest.mark.django_db
def test_a_maintainer_sends_a_template_back_to_review(client_as, maintainer, identities):
    image = services.render_template_form(identities[0], "hiring", 0)
    client_as(maintainer).post(reverse("curation:image-send-back", args=[image.pk]))
    image.refresh_from_db()
    assert image.status == ImageStatus.PENDING


@pytest.mark.django_db
def test_reviewers_see_the_bytes_and_volunteers_do_not(client_as, annotator, volunteer, identities):
    image = services.render_template_form(identities[0], "open", 0, "ssn")
    Review.objects.create(image=image, annotator=annotator, decision="accept")
    response = client_as(annotator).get(reverse("curation:image-file", args=[image.pk]))
    assert b"".join(response.streaming_content) == storage.read_bytes(image.file.name)
    assert (
        client_as(volunteer).get(reverse("curation:image-file", args=[image.pk])).status_code == 403
    )
