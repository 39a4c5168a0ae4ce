import json

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from curation.core.roles import MAINTAINER, VOLUNTEER, public, role_required, user_roles
from curation.volunteers import conf, pdf, services, tokens
from curation.volunteers.forms import BatchForm, CodeForm, RequestForm
from curation.volunteers.models import Packet, PacketBatch, PacketStatus, UploadState
from curation.volunteers.selectors import packets_with_status


def _packet_for_user(request: HttpRequest, code: str) -> Packet:
    """The packet with this code if the user may see it (owner or maintainer), else 404."""
    packets = Packet.objects.select_related("identity", "current_upload__image", "volunteer")
    packet = get_object_or_404(packets, code=code)
    if MAINTAINER not in user_roles(request.user) and packet.volunteer_id != request.user.pk:
        raise Http404("No packet with this code is yours.")
    return packet


# --- maintainers -----------------------------------------------------------------------


@role_required()
def packet_list(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.packets_create_batch(**form.cleaned_data, user=request.user)
        except services.PacketUnavailable as error:
            messages.error(request, str(error))
        else:
            _report_batch(request, batch, form.cleaned_data["count"])
            return redirect("curation:packet-list")
    status = request.GET.get("status", "")
    packets = packets_with_status(status).select_related("identity", "volunteer")
    return render(
        request,
        "curation/volunteers/packet_list.html",
        {
            "form": form,
            "page": Paginator(packets, 50).get_page(request.GET.get("page")),
            "batches": PacketBatch.objects.annotate(size=Count("packets"))[:20],
            "status": status,
            "statuses": PacketStatus.choices,
        },
    )


def _report_batch(request: HttpRequest, batch: PacketBatch, asked: int) -> None:
    made = batch.packets.count()
    message = f"Created {made} {batch.scenario} packets (batch #{batch.pk})."
    if made < asked:
        message += f" Only {made} probe identities had no {batch.scenario} packet yet."
    messages.success(request, message)


@role_required()
def packet_batch_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(PacketBatch, pk=pk)
    packets = list(batch.packets.select_related("identity").order_by("id"))
    if not packets:
        raise Http404("This batch has no packets left.")
    paper = pdf.paper_choice(request.GET.get("paper"))
    return _pdf_response(pdf.packets_pdf(packets, paper), f"packets-batch-{batch.pk}-{paper}.pdf")


@role_required()
@require_POST
def packet_reprocess(request: HttpRequest, code: str) -> HttpResponse:
    """Queue the cleaning job again for a photo whose runs gave up on an outage."""
    packet = _packet_for_user(request, code)
    upload = packet.current_upload
    if upload is None or upload.state not in (UploadState.RECEIVED, UploadState.PROCESSING):
        messages.error(request, "This packet has no photo waiting to be processed.")
    else:
        services.upload_process_again(upload, user=request.user)
        messages.success(request, "The photo is queued for processing again.")
    return redirect("curation:packet-detail", code=packet.code)


# --- volunteers ------------------------------------------------------------------------


@role_required(VOLUNTEER)
def packet_mine(request: HttpRequest) -> HttpResponse:
    packets = request.user.packets.select_related("identity", "current_upload__image")
    return render(
        request,
        "curation/volunteers/packet_mine.html",
        {"packets": packets, "request_form": RequestForm(), "code_form": CodeForm()},
    )


@role_required(VOLUNTEER)
@require_POST
def packet_request(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a kind of form.")
        return redirect("curation:packet-mine")
    try:
        packet = services.packet_request(user=request.user, **form.cleaned_data)
    except services.PacketUnavailable as error:
        messages.error(request, str(error))
        return redirect("curation:packet-mine")
    messages.success(request, f"Packet {packet.display_code} is yours: print it below.")
    return redirect("curation:packet-detail", code=packet.code)


def _code_tries_key(user) -> str:
    return f"packet-code-tries:{user.pk}"


@role_required(VOLUNTEER)
@require_POST
def packet_find(request: HttpRequest) -> HttpResponse:
    """Open a packet by its printed code; wrong codes are counted and throttled."""
    key = _code_tries_key(request.user)
    if (cache.get(key) or 0) >= conf.code_tries_per_window():
        messages.error(request, "Too many wrong codes. Please wait a few minutes and try again.")
        return redirect("curation:packet-mine")
    form = CodeForm(request.POST)
    packet = form.is_valid() and services.packet_claim_by_code(
        user=request.user, typed_code=form.cleaned_data["code"]
    )
    if not packet:
        cache.add(key, 0, conf.code_window_s())
        cache.incr(key)
        messages.error(request, "No packet of yours has this code. Check it and try again.")
        return redirect("curation:packet-mine")
    return redirect("curation:packet-detail", code=packet.code)


@role_required(VOLUNTEER)
def packet_detail(request: HttpRequest, code: str) -> HttpResponse:
    packet = _packet_for_user(request, code)
    uploads = packet.uploads.exclude(state=UploadState.AWAITING).select_related("image", "run")
    return render(
        request,
        "curation/volunteers/packet_detail.html",
        {
            "packet": packet,
            "uploads": uploads,
            "upload_url": tokens.upload_url(packet),
            "values": services.packet_values(packet),
            "show_identity": MAINTAINER in user_roles(request.user),
        },
    )


@role_required(VOLUNTEER)
def packet_pdf(request: HttpRequest, code: str) -> HttpResponse:
    packet = _packet_for_user(request, code)
    paper = pdf.paper_choice(request.GET.get("paper"))
    return _pdf_response(pdf.packets_pdf([packet], paper), f"packet-{packet.code}-{paper}.pdf")


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the upload page (public: the signed token is the permission) ------------------------


def _token_refusal(request: HttpRequest, token: str, *, json_reply: bool):
    """The packet for the token, or the response that explains why there is none."""
    try:
        return tokens.packet_for_token(token), None
    except tokens.TokenExpired:
        status, title, text = (
            410,
            "This link has expired",
            (
                "Upload links work for a limited time. Sign in and open My packets for a fresh "
                "link, or ask whoever gave you the packet for a new one."
            ),
        )
    except (tokens.TokenInvalid, Packet.DoesNotExist, ValueError):
        status, title, text = (
            400,
            "This link does not work",
            (
                "The link is incomplete or was changed. Scan the QR code on your packet again, "
                "or sign in and open the packet from My packets."
            ),
        )
    if json_reply:
        return None, JsonResponse({"error": f"{title}. {text}"}, status=status)
    context = {"title": title, "text": text}
    response = render(request, "curation/volunteers/token_refused.html", context, status=status)
    return None, response


@public("the packet's signed, expiring upload link is the permission")
@require_GET
def packet_upload(request: HttpRequest, token: str) -> HttpResponse:
    packet, refusal = _token_refusal(request, token, json_reply=False)
    if refusal:
        return refusal
    return render(
        request,
        "curation/volunteers/packet_upload.html",
        {
            "packet": packet,
            "token": token,
            "status": services.status_payload(packet),
            "max_bytes": conf.photo_max_bytes(),
            "max_megabytes": f"{conf.photo_max_bytes() / 1e6:g}",
        },
    )


@public("the packet's signed, expiring upload link is the permission")
@require_POST
def packet_upload_start(request: HttpRequest, token: str) -> JsonResponse:
    packet, refusal = _token_refusal(request, token, json_reply=True)
    if refusal:
        return refusal
    claims = _json_body(request)
    try:
        target = services.upload_start(
            packet,
            declared_type=str(claims.get("type") or ""),
            declared_size=_int_or_none(claims.get("size")),
            local_url=reverse("curation:packet-upload-file", kwargs={"token": token}),
            user=request.user,
        )
    except services.UploadRefused as error:
        return JsonResponse({"error": str(error)}, status=409)
    return JsonResponse(
        {
            "upload": str(target.upload.uuid),
            "key": target.upload.raw_key,
            "url": target.url,
            "fields": target.fields,
            "direct": target.fields is not None,
        }
    )


@public("the packet's signed, expiring upload link is the permission")
@require_POST
def packet_upload_done(request: HttpRequest, token: str) -> JsonResponse:
    """The browser stored the photo on S3: queue the job. Reads nothing from storage."""
    packet, refusal = _token_refusal(request, token, json_reply=True)
    if refusal:
        return refusal
    try:
        services.upload_received(
            packet, raw_key=str(_json_body(request).get("key") or ""), user=request.user
        )
    except services.UploadRefused as error:
        return JsonResponse({"error": str(error)}, status=409)
    return _status_response(token)


@public("the packet's signed, expiring upload link is the permission")
@require_POST
def packet_upload_file(request: HttpRequest, token: str) -> JsonResponse:
    """Local-disk storage only: the site receives the photo itself."""
    packet, refusal = _token_refusal(request, token, json_reply=True)
    if refusal:
        return refusal
    if services.storage.uses_s3():
        return JsonResponse(
            {"error": "Photos go straight to storage, not to the site."}, status=400
        )
    if int(request.META.get("CONTENT_LENGTH") or 0) > conf.photo_max_bytes() + 64_000:
        limit = f"{conf.photo_max_bytes() / 1e6:g} MB"
        return JsonResponse(
            {
                "error": f"The file is larger than the {limit} limit. Please upload a photo "
                "taken with your phone camera's normal settings."
            },
            status=413,
        )
    content = request.FILES.get("file")
    if content is None:
        return JsonResponse({"error": "No photo was sent. Please choose it again."}, status=400)
    try:
        services.upload_receive_file(
            packet, upload_uuid=request.POST.get("upload", ""), content=content, user=request.user
        )
    except services.UploadRefused as error:
        return JsonResponse({"error": str(error)}, status=409)
    return _status_response(token)


@public("the packet's signed, expiring upload link is the permission")
@require_GET
def packet_upload_status(request: HttpRequest, token: str) -> JsonResponse:
    packet, refusal = _token_refusal(request, token, json_reply=True)
    if refusal:
        return refusal
    return JsonResponse(services.status_payload(packet))


def _status_response(token: str) -> JsonResponse:
    return JsonResponse(services.status_payload(tokens.packet_for_token(token)))


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
