"""Claiming images from the queue: order, leases, expiry, reviewed images, gold."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from curation.core.models import Image, ImageStatus
from curation.review import claims, selectors, services
from curation.review.models import Decision, GoldAnswer, Lease, Review, ReviewPolicy


class FixedRoll:
    """An rng whose every roll is the same number (the claim takes `rng` for this)."""

    def __init__(self, value: float):
        self.value = value

    def random(self) -> float:
        return self.value


NO_GOLD = FixedRoll(0.999)


def claim(user, **options):
    options.setdefault("rng", NO_GOLD)
    return services.review_claim(annotator=user, **options)


def test_it_claims_the_oldest_pending_image(annotator, make_image):
    make_image(status=ImageStatus.ACCEPTED)
    oldest = make_image()
    make_image()
    claimed = claim(annotator)
    assert claimed.pk == oldest.pk
    lease = Lease.objects.get(image=oldest)
    assert lease.annotator == annotator and lease.expires_at > timezone.now()


def test_it_never_hands_a_held_image_to_another_annotator(annotator, annotator2, make_image):
    first, second = make_image(), make_image()
    assert claim(annotator).pk == first.pk
    assert claim(annotator2).pk == second.pk
    assert claim(annotator2, exclude=[second.pk]) is None


def test_it_returns_an_image_whose_lease_ran_out_to_the_queue(annotator, annotator2, make_image):
    image = make_image()
    claim(annotator)
    Lease.objects.filter(image=image).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert claim(annotator2).pk == image.pk
    assert Lease.objects.get(image=image).annotator == annotator2


def test_it_gives_back_what_the_annotator_already_holds(annotator, make_image):
    first, second = make_image(), make_image()
    assert claim(annotator).pk == first.pk
    assert claim(annotator).pk == first.pk, "a reloaded page gets the same image back"
    assert claim(annotator, exclude=[first.pk]).pk == second.pk
    assert claim(annotator, exclude=[first.pk]).pk == second.pk
    assert Lease.objects.filter(annotator=annotator).count() == 2


def test_it_skips_images_the_annotator_has_reviewed(annotator, make_image):
    scene = make_image("diffusion")
    other = make_image("diffusion")
    claim(annotator)
    services.review_record(
        annotator=annotator, image_id=scene.pk, decision=Decision.ACCEPT, undoable=False
    )
    scene.refresh_from_db()
    assert scene.status == ImageStatus.PENDING
    assert claim(annotator).pk == other.pk


def test_a_scene_goes_to_a_second_annotator_then_leaves_the_queue(
    annotator, annotator2, make_user, make_image
):
    scene = make_image("diffusion")
    for user in (annotator, annotator2):
        assert claim(user).pk == scene.pk
        services.review_record(
            annotator=user, image_id=scene.pk, decision=Decision.ACCEPT, undoable=False
        )
    scene.refresh_from_db()
    assert scene.status == ImageStatus.ACCEPTED
    assert claim(make_user("third", "annotator")) is None


def test_an_image_waiting_for_adjudication_is_not_claimed(
    annotator, annotator2, make_user, make_image
):
    scene = make_image("diffusion")
    reasons = {Decision.ACCEPT: [], Decision.REJECT: ["artifacts"]}
    for user, decision in ((annotator, Decision.ACCEPT), (annotator2, Decision.REJECT)):
        claim(user)
        services.review_record(
            annotator=user,
            image_id=scene.pk,
            decision=decision,
            reasons=reasons[decision],
            undoable=False,
        )
    assert scene.adjudications.filter(resolved_at__isnull=True).exists()
    assert claim(make_user("third", "annotator")) is None


def test_the_undo_window_never_keeps_a_second_reviewer_waiting(annotator, annotator2, make_image):
    scene = make_image("diffusion")
    claim(annotator)
    services.review_record(annotator=annotator, image_id=scene.pk, decision=Decision.ACCEPT)
    assert claim(annotator2).pk == scene.pk
    with pytest.raises(services.ReviewRefused) as refused:
        services.review_undo(annotator=annotator)
    assert refused.value.code == "undo-expired"
    assert Lease.objects.get(image=scene).annotator == annotator2


def test_gold_images_are_mixed_in_at_the_policy_rate(annotator, maintainer, make_image):
    pending = make_image()
    gold_image = make_image(status=ImageStatus.ACCEPTED)
    GoldAnswer.objects.create(image=gold_image, expected=Decision.ACCEPT, created_by=maintainer)
    ReviewPolicy.objects.filter(source="photo").update(gold_rate=0.25)
    sources = sorted(ReviewPolicy.objects.values_list("source", flat=True))
    rates = dict(ReviewPolicy.objects.values_list("source", "gold_rate"))
    # One roll walks the sources in name order; a roll inside photo's share serves gold.
    photo_start = sum(rates[source] for source in sources[: sources.index("photo")])
    assert claim(annotator, rng=FixedRoll(photo_start + 0.1)).pk == gold_image.pk
    assert Lease.objects.get(image=gold_image).is_gold
    assert claim(annotator, exclude=[gold_image.pk], rng=FixedRoll(photo_start + 0.3)).pk == (
        pending.pk
    )


def test_a_gold_answer_leaves_the_image_status_alone(annotator, maintainer, make_image):
    gold_image = make_image(status=ImageStatus.ACCEPTED)
    GoldAnswer.objects.create(image=gold_image, expected=Decision.ACCEPT, created_by=maintainer)
    ReviewPolicy.objects.update(gold_rate=0)
    ReviewPolicy.objects.filter(source="photo").update(gold_rate=1.0)
    assert claim(annotator, rng=FixedRoll(0.0)).pk == gold_image.pk
    review = services.review_record(
        annotator=annotator, image_id=gold_image.pk, decision=Decision.REJECT, reasons=["blurred"]
    )
    gold_image.refresh_from_db()
    assert review.is_gold and gold_image.status == ImageStatus.ACCEPTED
    assert claim(annotator, rng=FixedRoll(0.0)) is None, "each gold image is answered once"


@pytest.mark.postgres
def test_on_postgresql_a_claim_is_one_skip_locked_statement(annotator, make_image):
    make_image()
    with CaptureQueriesContext(connection) as queries:
        claim(annotator)
    leasing = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert len(leasing) == 1
    assert "INSERT INTO" in leasing[0] and "ON CONFLICT" in leasing[0]


@pytest.mark.postgres
@pytest.mark.parametrize("doubtful_first", [False, True])
def test_the_postgres_statement_and_the_orm_rule_pick_the_same_images(
    annotator, annotator2, maintainer, make_image, doubtful_first
):
    past = timezone.now() - timedelta(seconds=1)
    make_image(status=ImageStatus.ACCEPTED)
    held_by_other = make_image()
    expired = make_image()
    reviewed_by_me = make_image("diffusion")
    fully_reviewed = make_image("diffusion")
    for image in (held_by_other, expired):
        Lease.objects.create(
            image=image, annotator=annotator2, claimed_at=past, expires_at=timezone.now()
        )
    Lease.objects.filter(image=expired).update(expires_at=past)
    Review.objects.create(image=reviewed_by_me, annotator=annotator, decision=Decision.ACCEPT)
    for user in (annotator2, maintainer):
        Review.objects.create(image=fully_reviewed, annotator=user, decision=Decision.ACCEPT)
    Lease.objects.filter(image=held_by_other).update(expires_at=timezone.now() + timedelta(1))
    in_undo_window = make_image()
    Lease.objects.create(
        image=in_undo_window,
        annotator=annotator2,
        claimed_at=past,
        decided_at=past,
        expires_at=timezone.now() + timedelta(1),
    )
    latest = [make_image(source) for source in ["photo", "diffusion", "template"]]
    doubtful = {latest[1].pk, latest[2].pk}
    Image.objects.filter(pk__in=doubtful).update(reading_doubtful=True)
    sql = claims.QUEUE_CANDIDATE_SQL.format(order=claims.QUEUE_ORDER[doubtful_first])

    picked_by_sql, picked_by_orm = [], []
    while True:
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            params = {"annotator": annotator.pk, "now": now, "skip": []}
            cursor.execute(sql, params)
            row = cursor.fetchone()
        orm = selectors.queue_candidates(
            annotator, selectors.policies(), now, doubtful_first
        ).first()
        picked_by_sql.append(row[0] if row else None)
        picked_by_orm.append(orm.pk if orm else None)
        if row is None or orm is None:
            break
        Lease.objects.update_or_create(
            image_id=row[0],
            defaults={
                "annotator": annotator,
                "claimed_at": now,
                "expires_at": now + timedelta(1),
                "decided_at": None,
            },
        )
    assert picked_by_sql == picked_by_orm and len(picked_by_sql) == 6
    if doubtful_first:
        assert set(picked_by_sql[:2]) == doubtful and picked_by_sql[2] == expired.pk
    else:
        assert picked_by_sql[0] == expired.pk
    assert in_undo_window.pk in picked_by_sql, "a decided lease keeps nobody away"
