"""Decisions, the policy that combines them, undo, adjudication and reopening."""

from datetime import timedelta

import pytest
from django.utils import timezone

from curation.core.models import ImageStatus
from curation.review import services
from curation.review.models import Adjudication, Combine, Decision, Lease, Review, ReviewPolicy
from curation.review.services import ReviewRefused


class NeverGold:
    def random(self) -> float:
        return 0.999


def claim(user, **options):
    return services.review_claim(annotator=user, rng=NeverGold(), **options)


def decide(user, image, decision=Decision.ACCEPT, reasons=(), **options):
    return services.review_record(
        annotator=user, image_id=image.pk, decision=decision, reasons=reasons, **options
    )


def status_of(image) -> str:
    image.refresh_from_db()
    return image.status


def test_one_accept_accepts_a_photo(annotator, make_image):
    photo = make_image()
    claim(annotator)
    decide(annotator, photo)
    assert status_of(photo) == ImageStatus.ACCEPTED


def test_one_reject_with_reasons_rejects_a_photo(annotator, make_image):
    photo = make_image()
    claim(annotator)
    review = decide(annotator, photo, Decision.REJECT, ["blurred", "illegible"])
    assert status_of(photo) == ImageStatus.REJECTED
    assert review.reasons == ["illegible", "blurred"], "kept in the policy's order"


@pytest.mark.parametrize(
    ("decision", "reasons", "message"),
    [
        (Decision.REJECT, [], "at least one reject reason"),
        (Decision.REJECT, ["no-such-reason"], "Unknown reject reason"),
        (Decision.ACCEPT, ["blurred"], "takes no reject reasons"),
        ("maybe", [], "accept or reject"),
    ],
)
def test_it_refuses_a_malformed_decision(annotator, make_image, decision, reasons, message):
    photo = make_image()
    claim(annotator)
    with pytest.raises(ReviewRefused, match=message):
        decide(annotator, photo, decision, reasons)
    assert status_of(photo) == ImageStatus.PENDING
    assert not Review.objects.exists()


def test_a_scene_needs_two_agreeing_reviews(annotator, annotator2, make_image):
    scene = make_image("diffusion")
    claim(annotator)
    decide(annotator, scene, undoable=False)
    assert status_of(scene) == ImageStatus.PENDING
    claim(annotator2)
    decide(annotator2, scene)
    assert status_of(scene) == ImageStatus.ACCEPTED


def test_disagreeing_reviews_go_to_adjudication(annotator, annotator2, make_image):
    scene = make_image("diffusion")
    claim(annotator)
    decide(annotator, scene, undoable=False)
    claim(annotator2)
    decide(annotator2, scene, Decision.REJECT, ["off-topic"])
    assert status_of(scene) == ImageStatus.PENDING
    assert Adjudication.objects.filter(image=scene, resolved_at__isnull=True).count() == 1


def test_with_accept_unanimous_even_agreeing_rejects_go_to_adjudication(annotator, make_image):
    ReviewPolicy.objects.filter(source="photo").update(combine=Combine.ACCEPT_UNANIMOUS)
    photo = make_image()
    claim(annotator)
    decide(annotator, photo, Decision.REJECT, ["wrong-form"])
    assert status_of(photo) == ImageStatus.PENDING
    assert Adjudication.objects.filter(image=photo).exists()


def test_a_decision_without_the_lease_is_refused(annotator, annotator2, make_image):
    photo = make_image()
    claim(annotator)
    Lease.objects.filter(image=photo).update(expires_at=timezone.now() - timedelta(seconds=1))
    claim(annotator2)
    with pytest.raises(ReviewRefused) as refused:
        decide(annotator, photo)
    assert refused.value.code == "lease-lost"
    assert not Review.objects.filter(annotator=annotator).exists()


def test_a_repeated_decision_is_refused(annotator, make_image):
    scene = make_image("diffusion")
    claim(annotator)
    decide(annotator, scene)
    with pytest.raises(ReviewRefused) as refused:
        decide(annotator, scene)
    assert refused.value.code == "already-decided"
    assert Review.objects.filter(image=scene).count() == 1


def test_undo_takes_back_the_last_decision(annotator, make_image):
    photo = make_image()
    claim(annotator)
    decide(annotator, photo)
    assert status_of(photo) == ImageStatus.ACCEPTED
    undone = services.review_undo(annotator=annotator)
    assert undone.pk == photo.pk and status_of(photo) == ImageStatus.PENDING
    assert not Review.objects.exists()
    decide(annotator, photo, Decision.REJECT, ["blurred"])
    assert status_of(photo) == ImageStatus.REJECTED


def test_undo_withdraws_the_adjudication_the_decision_opened(annotator, annotator2, make_image):
    scene = make_image("diffusion")
    claim(annotator)
    decide(annotator, scene, undoable=False)
    claim(annotator2)
    decide(annotator2, scene, Decision.REJECT, ["artifacts"])
    services.review_undo(annotator=annotator2)
    assert not Adjudication.objects.exists()
    assert list(Review.objects.values_list("annotator", flat=True)) == [annotator.pk]


def test_undo_is_refused_once_the_lease_has_run_out(annotator, make_image):
    photo = make_image()
    claim(annotator)
    decide(annotator, photo)
    Lease.objects.filter(image=photo).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ReviewRefused) as refused:
        services.review_undo(annotator=annotator)
    assert refused.value.code == "undo-expired"
    assert status_of(photo) == ImageStatus.ACCEPTED


def test_undo_is_refused_after_a_maintainer_adjudicated(
    annotator, annotator2, maintainer, make_image
):
    scene = make_image("diffusion")
    claim(annotator)
    decide(annotator, scene, undoable=False)
    claim(annotator2)
    decide(annotator2, scene, Decision.REJECT, ["artifacts"])
    case = Adjudication.objects.get(image=scene)
    services.adjudication_resolve(
        adjudication_id=case.pk, maintainer=maintainer, decision=Decision.ACCEPT
    )
    with pytest.raises(ReviewRefused) as refused:
        services.review_undo(annotator=annotator2)
    assert refused.value.code == "undo-resolved"
    assert status_of(scene) == ImageStatus.ACCEPTED


def test_adjudication_sets_the_status_and_can_make_gold(
    annotator, annotator2, maintainer, make_image
):
    scene = make_image("diffusion")
    claim(annotator)
    decide(annotator, scene, undoable=False)
    claim(annotator2)
    decide(annotator2, scene, Decision.REJECT, ["artifacts"])
    case = Adjudication.objects.get(image=scene)
    services.adjudication_resolve(
        adjudication_id=case.pk,
        maintainer=maintainer,
        decision=Decision.REJECT,
        reasons=["artifacts"],
        make_gold=True,
    )
    assert status_of(scene) == ImageStatus.REJECTED
    assert scene.gold.expected == Decision.REJECT
    with pytest.raises(ReviewRefused):
        services.adjudication_resolve(
            adjudication_id=case.pk, maintainer=maintainer, decision=Decision.ACCEPT
        )


def test_sending_an_image_back_starts_a_new_round(annotator, make_image):
    photo = make_image()
    claim(annotator)
    decide(annotator, photo, undoable=False)
    services.image_send_back_to_review(photo)
    assert status_of(photo) == ImageStatus.PENDING
    assert claim(annotator).pk == photo.pk, "the earlier round's review no longer counts"
    decide(annotator, photo, Decision.REJECT, ["blurred"])
    assert status_of(photo) == ImageStatus.REJECTED
    rounds = list(Review.objects.order_by("id").values_list("is_current", "decision"))
    assert rounds == [(False, Decision.ACCEPT), (True, Decision.REJECT)]


def test_sending_back_a_pending_image_keeps_its_round(annotator, make_image):
    scene = make_image("diffusion")  # needs more reviews than one
    claim(annotator)
    decide(annotator, scene, undoable=False)
    assert status_of(scene) == ImageStatus.PENDING
    services.image_send_back_to_review(scene)
    assert list(Review.objects.values_list("is_current", flat=True)) == [True]


def test_saving_a_pending_image_costs_one_query_and_starts_no_round(
    annotator, make_image, django_assert_num_queries
):
    photo = make_image()
    claim(annotator)
    decide(annotator, photo, undoable=False)
    photo.refresh_from_db()
    photo.status = ImageStatus.PENDING
    with django_assert_num_queries(1):  # the UPDATE, no SELECT of the status before it
        photo.save(update_fields=["status", "updated_at"])
    assert Review.objects.get().is_current, "only the send-back service starts a new round"


def test_needing_fewer_reviews_settles_waiting_images(annotator, maintainer, make_image):
    scene = make_image("diffusion")
    claim(annotator)
    decide(annotator, scene, undoable=False)
    policy, settled = services.policy_update(source="diffusion", user=maintainer, reviews_needed=1)
    assert settled == 1 and policy.reviews_needed == 1
    assert status_of(scene) == ImageStatus.ACCEPTED


def test_renewing_and_releasing_leases(annotator, annotator2, make_image):
    first, second = make_image(), make_image()
    claim(annotator)
    claim(annotator, exclude=[first.pk])
    Lease.objects.filter(image=second).update(expires_at=timezone.now() - timedelta(seconds=1))
    claim(annotator2)
    assert services.lease_renew(annotator=annotator, image_ids=[first.pk, second.pk]) == [first.pk]
    assert Lease.objects.get(image=first).expires_at > timezone.now() + timedelta(seconds=60)
    assert services.lease_release(annotator=annotator, image_ids=[first.pk, second.pk]) == 1
    assert claim(annotator2, exclude=[second.pk]).pk == first.pk


def test_an_image_settled_while_held_is_dropped_from_the_holders_queue(
    annotator, annotator2, maintainer, make_image
):
    scene = make_image("diffusion")
    claim(annotator)
    decide(annotator, scene, undoable=False)
    assert claim(annotator2).pk == scene.pk
    services.policy_update(source="diffusion", user=maintainer, reviews_needed=1)
    assert claim(annotator2) is None
    with pytest.raises(ReviewRefused) as refused:
        decide(annotator2, scene)
    assert refused.value.code == "already-resolved"
    assert status_of(scene) == ImageStatus.ACCEPTED


def test_a_decision_on_a_lease_that_ran_out_is_refused_with_what_to_do(annotator, make_image):
    """Before: accepted hours later if nobody else had claimed the image."""
    photo = make_image()
    claim(annotator)
    Lease.objects.filter(image=photo).update(expires_at=timezone.now() - timedelta(hours=3))

    with pytest.raises(ReviewRefused) as refused:
        decide(annotator, photo)

    assert refused.value.code == "lease-expired"
    assert "not saved" in str(refused.value) and "next image" in str(refused.value)
    assert not Review.objects.exists() and status_of(photo) == ImageStatus.PENDING
