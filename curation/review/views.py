import json
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from curation.core.models import Image, Source
from curation.core.roles import ANNOTATOR, role_required
from curation.review import desk, reports, selectors, services
from curation.review.forms import AdjudicationForm, GoldForm, PolicyForm
from curation.review.models import Adjudication, GoldAnswer, Review
from curation.review.services import ReviewRefused

REFUSAL_STATUS = {"bad-input": 400}
# The review page sends only the few images it holds; longer lists are refused.
MAX_IDS = 100
# Images the page holds ready behind the one on screen.
PRELOAD = 2
# Ids are 64-bit: a larger number is no image, and SQLite cannot even compare it.
MAX_ID = 2**63 - 1


class BadRequest(Exception):
    pass


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("The request body is not JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def _ids(body: dict, key: str) -> list[int]:
    values = body.get(key, [])
    if not isinstance(values, list) or not all(_is_id(value) for value in values):
        raise BadRequest(f"`{key}` must be a list of image ids (whole numbers from 1).")
    if len(values) > MAX_IDS:
        raise BadRequest(f"`{key}` lists {len(values)} image ids; send at most {MAX_IDS}.")
    return values


def _desk(body) -> str:
    """The review page's desk token: every request of the page names the page it comes
    from, so that a closing page frees only its own images."""
    token = body.get("desk")
    if not desk.is_token(token):
        raise BadRequest(
            "`desk` is missing or malformed: each request of the review page must name its "
            "page's desk token (8 to 64 letters, digits, - or _). Reload the review page."
        )
    return token


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _refused(error: ReviewRefused | BadRequest) -> JsonResponse:
    code = getattr(error, "code", "bad-input")
    return JsonResponse({"error": str(error), "code": code}, status=REFUSAL_STATUS.get(code, 409))


def _item(image) -> dict | None:
    if image is None:
        return None
    return selectors.review_item(image, selectors.policies()[image.source])


@role_required(ANNOTATOR)
def review_next(request: HttpRequest) -> HttpResponse:
    """The review page. It claims its images itself, by POST: opening the page (or a
    prefetch of it) holds nothing."""
    context = {
        "progress": selectors.progress(request.user),
        "heartbeat_seconds": max(10, services.lease_seconds() // 4),
        "undo_seconds": services.undo_seconds(),
        "preload": PRELOAD,
    }
    return render(request, "curation/review/review.html", context)


@role_required(ANNOTATOR)
@require_POST
def review_claim(request: HttpRequest) -> JsonResponse:
    """Up to `count` more images for the page, which already shows `exclude`."""
    try:
        body = _json_body(request)
        exclude = _ids(body, "exclude")
        count = _count(body)
        token = _desk(body)
    except BadRequest as error:
        return _refused(error)
    if desk.first_claim(request.user, token):
        services.lease_take_over(annotator=request.user, desk=token)
    doubtful_first = body.get("doubtful_first") is True
    items = []
    for _ in range(count):
        image = _claim_one(request.user, exclude, token, doubtful_first)
        if image is None:
            break
        exclude.append(image.pk)
        items.append(_item(image))
    return JsonResponse({"items": items, "progress": selectors.progress(request.user)})


def _count(body: dict) -> int:
    count = body.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= PRELOAD + 1:
        raise BadRequest(f"`count` must be a whole number from 1 to {PRELOAD + 1}.")
    return count


def _claim_one(annotator, exclude: list[int], token: str, doubtful_first: bool = False):
    """The next image, passing over skipped ones; once only skipped ones are left, they
    come back."""
    skipped = desk.skipped(annotator)
    claim = {"annotator": annotator, "desk": token, "doubtful_first": doubtful_first}
    image = services.review_claim(exclude=exclude + skipped, **claim)
    if image is None and skipped:
        desk.skips_clear(annotator)
        image = services.review_claim(exclude=exclude, **claim)
    return image


@role_required(ANNOTATOR)
@require_POST
def review_skip(request: HttpRequest, pk: int) -> JsonResponse:
    """Set an image aside: back to the queue for others now, and for me once the rest is done."""
    try:
        token = _desk(_json_body(request))
    except BadRequest as error:
        return _refused(error)
    services.lease_release(annotator=request.user, image_ids=[pk], desk=token)
    desk.skip(request.user, pk)
    return JsonResponse({"progress": selectors.progress(request.user)})


@role_required(ANNOTATOR)
@require_POST
def review_decide(request: HttpRequest, pk: int) -> JsonResponse:
    try:
        if not _is_id(pk):
            raise BadRequest("There is no image with this id.")
        body = _json_body(request)
        reasons = body.get("reasons", [])
        if not isinstance(reasons, list):
            raise BadRequest("`reasons` must be a list of reason codes.")
        services.review_record(
            annotator=request.user,
            image_id=pk,
            decision=str(body.get("decision", "")),
            reasons=[str(reason) for reason in reasons],
            desk=_desk(body),
        )
    except (ReviewRefused, BadRequest) as error:
        return _refused(error)
    return JsonResponse(
        {"progress": selectors.progress(request.user), "undo_seconds": services.undo_seconds()}
    )


@role_required(ANNOTATOR)
@require_POST
def review_confirm_legible(request: HttpRequest, pk: int) -> JsonResponse:
    """The annotator confirms a target legible that the machine reading did not read."""
    try:
        body = _json_body(request)
        item = services.reading_confirm_legible(
            annotator=request.user,
            image_id=pk,
            target_type=str(body.get("target_type", "")),
            desk=_desk(body),
        )
    except (ReviewRefused, BadRequest) as error:
        return _refused(error)
    return JsonResponse({"reading": selectors.reading_hint(item)})


@role_required(ANNOTATOR)
@require_POST
def review_override_pii(request: HttpRequest, pk: int) -> JsonResponse:
    """The annotator judges a scene's PII-like text not personal data."""
    try:
        item = services.reading_override_pii(
            annotator=request.user, image_id=pk, desk=_desk(_json_body(request))
        )
    except (ReviewRefused, BadRequest) as error:
        return _refused(error)
    return JsonResponse({"reading": selectors.reading_hint(item)})


@role_required(ANNOTATOR)
@require_POST
def review_undo(request: HttpRequest) -> JsonResponse:
    try:
        image = services.review_undo(annotator=request.user, desk=_desk(_json_body(request)))
    except (ReviewRefused, BadRequest) as error:
        return _refused(error)
    return JsonResponse({"item": _item(image), "progress": selectors.progress(request.user)})


@role_required(ANNOTATOR)
@require_POST
def review_heartbeat(request: HttpRequest) -> JsonResponse:
    try:
        body = _json_body(request)
        image_ids = _ids(body, "images")
        token = _desk(body)
    except BadRequest as error:
        return _refused(error)
    held = services.lease_renew(annotator=request.user, image_ids=image_ids, desk=token)
    return JsonResponse({"held": held, "progress": selectors.progress(request.user)})


@role_required(ANNOTATOR)
@require_POST
def review_release(request: HttpRequest) -> JsonResponse:
    """The closing page's beacon (a form post: a beacon cannot set the CSRF header) gives
    back the undecided images held for that page, and only those: images a newer page of
    the same annotator took over (a reload) are no longer under its desk token."""
    try:
        token = _desk(request.POST)
    except BadRequest as error:
        return _refused(error)
    return JsonResponse({"released": services.lease_release(annotator=request.user, desk=token)})


@role_required()
def overview(request: HttpRequest) -> HttpResponse:
    context = {
        "counts": reports.image_counts(),
        "statuses": ["pending", "accepted", "rejected"],
        "per_day": reports.reviews_per_day(),
        "queue": reports.queue_state(),
        "annotators": reports.annotator_rows(),
    }
    return render(request, "curation/review/overview.html", context)


@role_required()
def adjudication_list(request: HttpRequest) -> HttpResponse:
    open_cases = Adjudication.objects.filter(resolved_at__isnull=True).select_related(
        "image", "image__identity"
    )
    page = Paginator(open_cases, 10).get_page(request.GET.get("page"))
    by_source = selectors.policies()
    reviews = _round_reviews([case.image_id for case in page])
    cases = [
        {
            "adjudication": case,
            "item": selectors.review_item(case.image, by_source[case.image.source]),
            "reviews": reviews[case.image_id],
            "form": AdjudicationForm(policy=by_source[case.image.source], prefix=f"a{case.pk}"),
        }
        for case in page
    ]
    resolved = Adjudication.objects.filter(resolved_at__isnull=False).select_related("resolved_by")
    context = {"page": page, "cases": cases, "recent": resolved.order_by("-resolved_at")[:10]}
    return render(request, "curation/review/adjudication_list.html", context)


def _round_reviews(image_ids: list[int]) -> dict[int, list[Review]]:
    """The current round's reviews of these images, in order, by image id."""
    by_image = defaultdict(list)
    current = Review.objects.filter(image_id__in=image_ids, is_current=True, is_gold=False)
    for review in current.select_related("annotator").order_by("id"):
        by_image[review.image_id].append(review)
    return by_image


@role_required()
@require_POST
def adjudication_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Adjudication.objects.select_related("image"), pk=pk)
    policy = selectors.policies()[case.image.source]
    form = AdjudicationForm(request.POST, policy=policy, prefix=f"a{case.pk}")
    if not form.is_valid():
        messages.error(request, f"Image #{case.image_id}: {_error_text(form)}")
        return redirect("curation:review-adjudication")
    try:
        services.adjudication_resolve(
            adjudication_id=case.pk, maintainer=request.user, **form.cleaned_data
        )
    except ReviewRefused as error:
        messages.error(request, f"Image #{case.image_id}: {error}")
    else:
        messages.success(request, f"Image #{case.image_id}: {form.cleaned_data['decision']}ed.")
    return redirect("curation:review-adjudication")


def _error_text(form) -> str:
    """A form's errors on one line, each led by its field's label."""
    return " ".join(
        message if name == NON_FIELD_ERRORS else f"{form[name].label}: {message}"
        for name, errors in form.errors.items()
        for message in errors
    )


@role_required()
def policy_list(request: HttpRequest) -> HttpResponse:
    by_source = selectors.policies()
    source = request.POST.get("source") if request.method == "POST" else None
    forms = {
        name: PolicyForm(
            request.POST if name == source else None, instance=by_source[name], prefix=name
        )
        for name in Source.values
    }
    if source in forms and forms[source].is_valid():
        data = forms[source].cleaned_data
        _, settled = services.policy_update(
            source=source,
            user=request.user,
            reviews_needed=data["reviews_needed"],
            combine=data["combine"],
            gold_rate=data["gold_rate"],
            reject_reasons=data["reasons"],
        )
        messages.success(request, f"Saved the {source} policy; {settled} pending image(s) settled.")
        return redirect("curation:policy-list")
    return render(request, "curation/review/policy_list.html", {"forms": forms.items()})


@role_required()
def review_stats(request: HttpRequest) -> HttpResponse:
    annotators = reports.annotator_rows()
    context = {
        "annotators": annotators,
        "agreement": reports.agreement_figures(Source.values),
        "gold_total": GoldAnswer.objects.count(),
    }
    return render(request, "curation/review/stats.html", context)


@role_required()
def gold_list(request: HttpRequest) -> HttpResponse:
    form = GoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        gold = services.gold_set(
            image=form.cleaned_data["image"],
            expected=form.cleaned_data["expected"],
            user=request.user,
        )
        messages.success(request, f"Image #{gold.image_id} is gold: {gold.expected}.")
        return redirect("curation:gold-list")
    golds = GoldAnswer.objects.select_related("image", "created_by")
    page = Paginator(golds, 50).get_page(request.GET.get("page"))
    return render(request, "curation/review/gold_list.html", {"form": form, "page": page})


@role_required()
@require_POST
def gold_delete(request: HttpRequest, pk: int) -> HttpResponse:
    gold = get_object_or_404(GoldAnswer, pk=pk)
    services.gold_remove(gold_id=gold.pk)
    messages.success(request, f"Image #{gold.image_id} is no longer gold.")
    return redirect("curation:gold-list")


@role_required()
@require_POST
def image_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    image = services.image_send_back_to_review(get_object_or_404(Image, pk=pk))
    messages.success(request, f"Image #{image.pk} is back in the review queue.")
    return redirect("curation:image-detail", pk=image.pk)
