"""Least privilege: annotators fetch only the images they hold or decided; the job
dashboard is for maintainers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from curation.core import services
from curation.core.models import Identity
from curation.review.models import Lease, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(db):
    services.identities_create_pools(memorisation=1, probe=1, seed=3)
    return services.render_template_form(Identity.objects.first(), "open", 0, "ssn")


def _fetch(client, image):
    return client.get(reverse("curation:image-file", args=[image.pk])).status_code


def _lease(image, annotator, *, minutes=5):
    now = timezone.now()
    return Lease.objects.create(
        image=image,
        annotator=annotator,
        claimed_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )


def test_an_annotator_cannot_fetch_an_image_it_does_not_hold(client_as, annotator, image):
    """Before: any image by id."""
    assert _fetch(client_as(annotator), image) == 404


def test_an_annotator_fetches_the_image_it_holds(client_as, annotator, image):
    _lease(image, annotator)
    assert _fetch(client_as(annotator), image) == 200


def test_an_expired_hold_or_someone_elses_shows_nothing(client_as, annotator, annotator2, image):
    _lease(image, annotator2)
    assert _fetch(client_as(annotator), image) == 404
    Lease.objects.filter(image=image).update(annotator=annotator, expires_at=timezone.now())
    assert _fetch(client_as(annotator), image) == 404


def test_an_annotator_fetches_an_image_it_decided(client_as, annotator, image):
    Review.objects.create(image=image, annotator=annotator, decision="accept")
    assert _fetch(client_as(annotator), image) == 200


def test_a_maintainer_fetches_any_image(client_as, maintainer, image):
    assert _fetch(client_as(maintainer), image) == 200


def test_the_job_dashboard_is_for_maintainers_not_any_staff(client_as, make_user, maintainer):
    """Before: any `is_staff` account saw job arguments and queue actions."""
    staff = make_user("stef", None)
    staff.is_staff = True
    staff.save()
    assert client_as(staff).get("/admin/django-rq/").status_code == 403
    maintainer.is_staff = True
    maintainer.save()
    assert client_as(maintainer).get("/admin/django-rq/").status_code == 200
