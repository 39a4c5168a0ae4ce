"""Machine reading on arrival: a `reading`-queue job per batch of new images stores each
image's reading; a failed read is recorded on the image, which stays; maintainers read a set
of images again."""

import pytest
from django.urls import reverse

from curation.core import reading, services, storage
from curation.core.models import Identity, Image, JobRun, RunStatus


@pytest.fixture
def probe_identity(db):
    services.identities_create_pools(memorisation=1, probe=1, seed=5)
    return Identity.objects.get(pool="probe")


@pytest.mark.slow  # loads the OCR engine and reads one form
@pytest.mark.django_db
def test_a_rendered_form_is_read_by_a_reading_queue_job(
    settings, client_as, maintainer, probe_identity, django_capture_on_commit_callbacks
):
    settings.READ_ON_ARRIVAL = True
    with django_capture_on_commit_callbacks(execute=True):
        client_as(maintainer).post(
            reverse("curation:render-start"),
            {"pool": "probe", "scenarios": ["hiring"], "variants": "0"},
        )
    read_run = JobRun.objects.get(kind="reading")
    assert read_run.status == RunStatus.SUCCEEDED, read_run.error
    assert read_run.queue == "reading" and read_run.result["read"] == 1
    form = Image.objects.get()
    assert read_run.params == {"image_ids": [form.pk]}
    expected = {entry["type"]: entry for entry in form.reading["expected"]}
    assert set(expected) == {"email", "phone", "ssn"}
    assert expected["email"]["value"] == probe_identity.email
    assert all(entry["legible"] for entry in expected.values()), expected
    assert form.read_at is not None and not form.reading_error
    assert not form.reading_doubtful


@pytest.mark.django_db
def test_a_failed_read_marks_the_reading_failed_and_keeps_the_image(probe_identity):
    image = services.render_template_form(probe_identity, "finance", 0)
    storage.replace_bytes(image.file.name, b"not an image at all")
    run = reading.read_unread_now(say=print)
    image.refresh_from_db()
    assert run == 0
    assert image.reading is None and image.reading_error and image.read_at is not None
    assert image.reading_doubtful  # a failed reading asks for a person's look
    assert Image.objects.filter(pk=image.pk).exists()
    assert JobRun.objects.get(kind="reading").status == RunStatus.SUCCEEDED


@pytest.mark.django_db
def test_new_images_are_batched_not_one_job_each(probe_identity, monkeypatch):
    monkeypatch.setattr(reading, "BATCH_SIZE", 2)
    images = [services.render_template_form(probe_identity, "open", 0, t) for t in ("email",)]
    images += [services.render_template_form(probe_identity, "hiring", 0)]
    images += [services.render_template_form(probe_identity, "finance", 0)]
    runs = reading.reading_start([image.pk for image in images])
    assert [run.params["image_ids"] for run in runs] == [
        sorted(image.pk for image in images)[:2],
        sorted(image.pk for image in images)[2:],
    ]


@pytest.mark.django_db
def test_a_maintainer_reads_the_filtered_images_again(client_as, maintainer, probe_identity):
    hiring = services.render_template_form(probe_identity, "hiring", 0)
    services.render_template_form(probe_identity, "finance", 0)
    response = client_as(maintainer).post(
        reverse("curation:image-read-again"), {"scenario": "hiring"}
    )
    assert response.status_code == 302
    run = JobRun.objects.get(kind="reading")
    assert run.params == {"image_ids": [hiring.pk]} and run.created_by == maintainer


@pytest.mark.django_db
def test_only_a_maintainer_may_read_again(client_as, annotator, probe_identity):
    services.render_template_form(probe_identity, "hiring", 0)
    response = client_as(annotator).post(reverse("curation:image-read-again"), {})
    assert response.status_code == 403
    assert not JobRun.objects.filter(kind="reading").exists()


@pytest.mark.django_db
def test_the_demo_reads_what_releases_need_and_leaves_memorisation_forms(probe_identity):
    """Memorisation-pool forms only inform reviewers: the demo leaves them to "Read again"
    instead of doubling its wait (the files are made unreadable: no OCR is needed here)."""
    memorised = Identity.objects.get(pool="memorisation")
    probe_form = services.render_template_form(probe_identity, "finance", 0)
    memorised_form = services.render_template_form(memorised, "finance", 0)
    for image in (probe_form, memorised_form):
        storage.replace_bytes(image.file.name, b"not an image")
    said = []
    reading.read_unread_now(say=said.append)
    probe_form.refresh_from_db()
    memorised_form.refresh_from_db()
    assert probe_form.read_at is not None and memorised_form.read_at is None
    assert any("1 memorisation-pool form(s) left unread" in line for line in said)
