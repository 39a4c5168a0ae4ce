"""The maintainer's pages: overview, adjudication, policies, statistics and gold."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from curation.core.models import ImageStatus
from curation.review import services
from curation.review.models import Adjudication, Decision, GoldAnswer, Review, ReviewPolicy


class NeverGold:
    def random(self) -> float:
        return 0.999


def review(user, image, decision, reasons=()):
    services.review_claim(annotator=user, rng=NeverGold())
    services.review_record(
        annotator=user, image_id=image.pk, decision=decision, reasons=reasons, undoable=False
    )


@pytest.fixture
def disagreement(annotator, annotator2, make_image):
    scene = make_image("diffusion", provenance={"prompt": "a phone on a cafe table"})
    review(annotator, scene, Decision.ACCEPT)
    review(annotator2, scene, Decision.REJECT, ["off-topic"])
    return Adjudication.objects.get(image=scene)


def cell_text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)<', html, re.S)
    return match.group(1).strip()


def test_overview_counts_images_and_reviews(client_as, maintainer, annotator, make_image):
    accepted = make_image("photo", scenario="finance")
    review(annotator, accepted, Decision.ACCEPT)
    make_image("photo", scenario="finance")
    make_image("photo", scenario="finance", status=ImageStatus.REJECTED)
    response = client_as(maintainer).get(reverse("curation:overview"))
    assert response.status_code == 200
    [row] = response.context["counts"]
    assert (row["source"], row["scenario"]) == ("photo", "finance")
    assert (row["pending"], row["accepted"], row["rejected"], row["total"]) == (1, 1, 1, 3)
    assert response.context["per_day"][-1]["n"] == 1
    assert response.context["queue"]["pending"] == 1
    [throughput] = response.context["annotators"]
    assert (throughput["username"], throughput["today"], throughput["total"]) == ("ann", 1, 1)
    html = response.content.decode()
    assert reverse("curation:run-list") in html and "/admin/django-rq/" in html


def test_the_adjudication_page_lists_disagreements_and_resolves_them(
    client_as, maintainer, disagreement
):
    client = client_as(maintainer)
    html = client.get(reverse("curation:review-adjudication")).content.decode()
    assert "a phone on a cafe table" in html
    assert "ann" in html and "anton" in html and "off-topic" in html
    prefix = f"a{disagreement.pk}"
    response = client.post(
        reverse("curation:adjudication-resolve", args=[disagreement.pk]),
        {f"{prefix}-decision": "reject", f"{prefix}-reasons": ["off-topic"], f"{prefix}-note": "x"},
    )
    assert response.status_code == 302
    disagreement.refresh_from_db()
    assert disagreement.resolved_by == maintainer and disagreement.decision == Decision.REJECT
    assert disagreement.image.status == ImageStatus.REJECTED


def test_a_reject_without_a_reason_is_not_resolved(client_as, maintainer, disagreement):
    prefix = f"a{disagreement.pk}"
    client_as(maintainer).post(
        reverse("curation:adjudication-resolve", args=[disagreement.pk]),
        {f"{prefix}-decision": "reject"},
    )
    disagreement.refresh_from_db()
    assert disagreement.is_open


def test_a_refused_resolution_says_what_to_fix(client_as, maintainer, disagreement):
    prefix = f"a{disagreement.pk}"
    url = reverse("curation:adjudication-resolve", args=[disagreement.pk])
    client = client_as(maintainer)
    html = client.post(url, {f"{prefix}-decision": "reject"}, follow=True).content.decode()
    assert f"Image #{disagreement.image_id}: Pick at least one reject reason" in html
    html = client.post(url, {f"{prefix}-note": "x"}, follow=True).content.decode()
    assert f"Image #{disagreement.image_id}: Decision: This field is required." in html


def test_the_adjudication_page_costs_the_same_queries_for_more_cases(
    client_as, maintainer, annotator, annotator2, make_image
):
    def add_disagreement():
        scene = make_image("diffusion")
        review(annotator, scene, Decision.ACCEPT)
        review(annotator2, scene, Decision.REJECT, ["off-topic"])

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("curation:review-adjudication"))
        return len(queries)

    client = client_as(maintainer)
    add_disagreement()
    one_case = queries_for_page()
    for _ in range(3):
        add_disagreement()
    assert queries_for_page() == one_case


def test_a_maintainer_edits_a_policy(client_as, maintainer):
    response = client_as(maintainer).post(
        reverse("curation:policy-list"),
        {
            "source": "photo",
            "photo-reviews_needed": "3",
            "photo-combine": "accept-unanimous",
            "photo-gold_rate": "0.2",
            "photo-reasons": "smudged: Smudged ink\nwrong-form: Wrong form",
        },
    )
    assert response.status_code == 302
    policy = ReviewPolicy.objects.get(source="photo")
    assert (policy.reviews_needed, policy.combine, policy.gold_rate) == (3, "accept-unanimous", 0.2)
    assert policy.reason_codes == ["smudged", "wrong-form"]


@pytest.mark.parametrize(
    ("reasons", "error"),
    [
        ("no colon here", "is not `code: label`"),
        ("a: One\na: Again", "only once"),
        ("\n".join(f"r{n}: Reason {n}" for n in range(10)), "1 to 9 reasons"),
    ],
)
def test_a_bad_policy_is_refused_with_a_reason(client_as, maintainer, reasons, error):
    response = client_as(maintainer).post(
        reverse("curation:policy-list"),
        {
            "source": "photo",
            "photo-reviews_needed": "1",
            "photo-combine": "unanimous",
            "photo-gold_rate": "0.05",
            "photo-reasons": reasons,
        },
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert ReviewPolicy.objects.get(source="photo").reason_codes[0] == "illegible"


def test_statistics_show_gold_accuracy_kappa_and_alpha(
    client_as, maintainer, annotator, annotator2, make_image
):
    images = [make_image("diffusion", status=ImageStatus.ACCEPTED) for _ in range(4)]
    answers = [("accept", "accept"), ("accept", "reject"), ("reject", "reject")] + [
        ("reject", "reject")
    ]
    for image, (first, second) in zip(images, answers, strict=True):
        Review.objects.create(image=image, annotator=annotator, decision=first)
        Review.objects.create(image=image, annotator=annotator2, decision=second)
    GoldAnswer.objects.create(image=images[0], expected="accept")
    GoldAnswer.objects.create(image=images[1], expected="reject")
    response = client_as(maintainer).get(reverse("curation:review-stats"))
    html = response.content.decode()
    # Hand-computed. Kappa: p_o = 3/4; ann says accept 2/4, anton 1/4, so
    # p_e = (2*1 + 2*3) / 16 = 1/2 and kappa = (3/4 - 1/2) / (1/2) = 0.5.
    [pair] = response.context["agreement"]["pairs"]
    assert (pair["a"], pair["b"], pair["shared"]) == ("ann", "anton", 4)
    assert pair["kappa"] == pytest.approx(0.5)
    assert "0.500" in html
    # Alpha: coincidences o_aa = 2, o_ar = o_ra = 1, o_rr = 4; n_a = 3, n_r = 5, n = 8;
    # alpha = 1 - (n - 1) * 2 / (2 * n_a * n_r) = 1 - 14/30 = 0.5333.
    assert response.context["agreement"]["alpha"] == pytest.approx(1 - 14 / 30)
    assert cell_text(html, "alpha") == "0.533"
    gold = {row["username"]: row["gold"] for row in response.context["annotators"]}
    assert (gold["ann"]["correct"], gold["ann"]["answered"]) == (1, 2)
    assert (gold["anton"]["correct"], gold["anton"]["answered"]) == (2, 2)


def test_statistics_say_when_agreement_is_not_defined(client_as, maintainer):
    response = client_as(maintainer).get(reverse("curation:review-stats"))
    assert response.context["agreement"]["alpha"] is None
    assert cell_text(response.content.decode(), "alpha") == "—"


def test_a_maintainer_adds_and_removes_gold_images(client_as, maintainer, make_image):
    image = make_image(status=ImageStatus.ACCEPTED)
    client = client_as(maintainer)
    response = client.post(reverse("curation:gold-list"), {"image": image.pk, "expected": "accept"})
    assert response.status_code == 302
    gold = GoldAnswer.objects.get(image=image)
    assert gold.expected == "accept" and gold.created_by == maintainer
    response = client.post(reverse("curation:gold-list"), {"image": 999999, "expected": "accept"})
    assert "There is no image with this id." in response.content.decode()
    client.post(reverse("curation:gold-delete", args=[gold.pk]))
    assert not GoldAnswer.objects.exists()
