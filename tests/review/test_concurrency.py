"""Sixteen annotators claim and decide at once over a real PostgreSQL until the queue is
empty: no image is held by two at once, no decision is lost, every review is recorded."""

import random
import threading
import time
from collections import defaultdict

import pytest
from django.db import connections

from curation.core.models import Image, ImageStatus
from curation.review import services
from curation.review.models import Adjudication, Decision, Review, ReviewPolicy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLAIMERS = 16
PHOTOS = 60
SCENES = 30
DEADLINE_S = 120


class NeverGold:
    def random(self) -> float:
        return 1.0


REASONS = {"photo": ["blurred"], "diffusion": ["artifacts", "disturbing"]}


def verdict(image: Image, user_id: int) -> tuple[str, list[str]]:
    """A fixed decision per (image, annotator), so some scenes disagree."""
    if (image.pk * 7 + user_id) % 5 == 0:
        return Decision.REJECT, REASONS[image.source]
    return Decision.ACCEPT, []


class Log:
    """What the claimers did, with monotonic times, shared between threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.holds = defaultdict(list)  # image id -> [(claimed, deciding, user id)]
        self.decisions = {}  # (image id, user id) -> decision
        self.errors = []

    def record(self, image_id, user_id, claimed, deciding, decision):
        with self.lock:
            self.holds[image_id].append((claimed, deciding, user_id))
            self.decisions[image_id, user_id] = decision


def queue_is_settled() -> bool:
    waiting = Adjudication.objects.filter(resolved_at__isnull=True).values("image")
    return not Image.objects.filter(status=ImageStatus.PENDING).exclude(pk__in=waiting).exists()


def claimer(user, log: Log, start: threading.Barrier) -> None:
    try:
        start.wait()
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            image = services.review_claim(annotator=user, rng=NeverGold())
            if image is None:
                if queue_is_settled():
                    return
                time.sleep(0.01)
                continue
            claimed = time.monotonic()
            decision, reasons = verdict(image, user.pk)
            deciding = time.monotonic()
            services.review_record(
                annotator=user,
                image_id=image.pk,
                decision=decision,
                reasons=reasons,
                undoable=False,
            )
            log.record(image.pk, user.pk, claimed, deciding, decision)
        log.errors.append(f"{user.username}: queue not settled after {DEADLINE_S}s")
    except Exception as error:  # any failure fails the test below
        log.errors.append(f"{user.username}: {type(error).__name__}: {error}")
    finally:
        connections.close_all()


def test_sixteen_claimers_never_share_an_image_and_lose_nothing(make_user, make_image):
    ReviewPolicy.objects.update(gold_rate=0)
    images = [make_image("photo") for _ in range(PHOTOS)] + [
        make_image("diffusion") for _ in range(SCENES)
    ]
    random.Random(3).shuffle(images)
    users = [make_user(f"claimer{n:02d}", "annotator") for n in range(CLAIMERS)]
    log = Log()
    start = threading.Barrier(CLAIMERS)
    threads = [threading.Thread(target=claimer, args=(user, log, start)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert log.errors == []
    assert_no_image_was_held_twice_at_once(log)
    recorded = {
        (image_id, user_id): decision
        for image_id, user_id, decision in Review.objects.values_list(
            "image", "annotator", "decision"
        )
    }
    assert recorded == log.decisions, "every decision made is stored, and nothing else"
    needed = {"photo": 1, "diffusion": 2}
    for image in Image.objects.all():
        decisions = [
            decision for (image_id, _), decision in recorded.items() if image_id == image.pk
        ]
        assert len(decisions) == needed[image.source], image
        assert_status_follows_the_policy(image, decisions)


def assert_no_image_was_held_twice_at_once(log: Log) -> None:
    for image_id, holds in log.holds.items():
        holds.sort()
        for (_, deciding, first), (claimed, _, second) in zip(holds, holds[1:], strict=False):
            assert deciding < claimed, f"image {image_id} held by {first} and {second} at once"
        assert len({user for _, _, user in holds}) == len(holds), f"image {image_id} reviewed twice"


def assert_status_follows_the_policy(image: Image, decisions: list[str]) -> None:
    open_case = image.adjudications.filter(resolved_at__isnull=True).exists()
    if set(decisions) == {Decision.ACCEPT}:
        assert (image.status, open_case) == (ImageStatus.ACCEPTED, False), image
    elif set(decisions) == {Decision.REJECT}:
        assert (image.status, open_case) == (ImageStatus.REJECTED, False), image
    else:
        assert (image.status, open_case) == (ImageStatus.PENDING, True), image
