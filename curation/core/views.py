from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.http import require_POST

from curation.core import reading, services, storage
from curation.core.forms import IdentityBatchForm, RenderBatchForm, ThrottledAuthenticationForm
from curation.core.models import Identity, Image, JobRun, Pool
from curation.core.roles import ANNOTATOR, MAINTAINER, VOLUNTEER, public, role_required, user_roles


@public("the sign-in page")
def login(request: HttpRequest) -> HttpResponse:
    return auth_views.LoginView.as_view(
        template_name="curation/core/login.html",
        authentication_form=ThrottledAuthenticationForm,
        redirect_authenticated_user=True,
    )(request)


@public("signing out needs no role")
def logout(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)


@role_required(ANNOTATOR, VOLUNTEER)
def home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    if MAINTAINER in roles:
        return redirect("curation:overview")
    if ANNOTATOR in roles:
        return redirect("curation:review-next")
    return redirect("curation:packet-mine")


@role_required()
def run_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(JobRun.objects.select_related("created_by"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "curation/core/run_list.html", {"page": page})


@role_required()
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(JobRun, pk=pk)
    return render(request, "curation/core/run_detail.html", {"run": run})


@role_required()
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("curation:run-detail", pk=pk)
    get_object_or_404(JobRun, pk=pk)
    try:
        services.run_retry(pk)
    except ValueError as refusal:
        messages.info(request, str(refusal))
    return redirect("curation:run-detail", pk=pk)


@role_required()
def run_status(request: HttpRequest, pk: int) -> JsonResponse:
    run = get_object_or_404(JobRun, pk=pk)
    return JsonResponse(
        {
            "status": run.status,
            "done": run.done,
            "total": run.total,
            "percent": run.percent,
            "message": run.message,
            "error": run.error,
            "finished": run.is_finished,
        }
    )


@role_required()
def identity_list(request: HttpRequest) -> HttpResponse:
    form = IdentityBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = services.identities_generate_start(form.cleaned_data, user=request.user)
        return redirect("curation:run-detail", pk=run.pk)
    pool = request.GET.get("pool", "")
    identities = Identity.objects.filter(pool=pool) if pool in Pool.values else Identity.objects
    page = Paginator(identities.all(), 50).get_page(request.GET.get("page"))
    counts = dict.fromkeys(Pool.values, 0) | dict(
        Identity.objects.order_by().values_list("pool").annotate(n=Count("id"))
    )
    return render(
        request,
        "curation/core/identity_list.html",
        {"form": form, "page": page, "counts": counts, "pool": pool},
    )


@role_required()
def render_start(request: HttpRequest) -> HttpResponse:
    form = RenderBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = services.render_start(form.cleaned_data, user=request.user)
        return redirect("curation:run-detail", pk=run.pk)
    return render(request, "curation/core/render_start.html", {"form": form})


@role_required()
def image_list(request: HttpRequest) -> HttpResponse:
    filters = _image_filters(request.GET)
    page = Paginator(Image.objects.filter(**filters), 48).get_page(request.GET.get("page"))
    return render(request, "curation/core/image_list.html", {"page": page, "filters": filters})


def _image_filters(query) -> dict:
    return {key: query[key] for key in ("source", "status", "scenario") if query.get(key)}


@role_required()
@require_POST
def image_read_again(request: HttpRequest) -> HttpResponse:
    """Queue the machine reading again for one image (`image`) or every image the list's
    filters select."""
    one = _whole_number(request.POST.get("image", ""))
    if one:
        images = Image.objects.filter(pk=one)
    else:
        images = Image.objects.filter(**_image_filters(request.POST))
    runs = reading.reading_rerun(images, user=request.user)
    count = sum(len(run.params["image_ids"]) for run in runs)
    messages.success(request, f"Reading queued again for {count} image(s) in {len(runs)} job(s).")
    if one and count:
        return redirect("curation:image-detail", pk=one)
    return redirect("curation:run-list")


def _whole_number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 19 else 0


@role_required()
def image_detail(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_object_or_404(Image.objects.select_related("identity"), pk=pk)
    return render(request, "curation/core/image_detail.html", {"image": image})


def _images_visible_to(user):
    if MAINTAINER in user_roles(user):
        return Image.objects.all()
    held = Q(lease__annotator=user, lease__expires_at__gt=timezone.now())
    return Image.objects.filter(held | Q(reviews__annotator=user)).distinct()


@role_required(ANNOTATOR)
def image_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The image's bytes for people allowed to review it: a short-lived presigned URL
    on S3, a streamed file on local disk. `?size=review` asks for the derivative.
    An annotator sees only the images it holds or has decided."""
    image = get_object_or_404(_images_visible_to(request.user), pk=pk)
    field = (
        image.review_file
        if request.GET.get("size") == "review" and image.review_file
        else image.file
    )
    if not field.name:
        raise Http404("This image has no stored file.")
    if storage.uses_s3():
        response = redirect(storage.presigned_get_url(field.name))
        # Reuse the signed URL for a while (well inside its lifetime) instead of re-signing
        # on every paint of the queue; private so no shared cache keeps it.
        response["Cache-Control"] = f"private, max-age={settings.S3_URL_LIFETIME_S // 2}"
        return response
    response = FileResponse(storage.open_binary(field.name))
    response["Cache-Control"] = "private, max-age=300"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page with the navigation; Django's plain one if even that cannot be drawn
    (the database being what failed, say)."""
    try:
        return render(request, "500.html", status=500)
    except Exception:
        return defaults.server_error(request)
