"""Pages for consent and withdrawal: the terms, a volunteer's withdrawals, the maintainers'
list of withdrawals."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from curation.core.roles import VOLUNTEER, role_required
from curation.volunteers import conf, consent
from curation.volunteers.models import Withdrawal


def _safe_next(request: HttpRequest) -> str | None:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed else None


@role_required(VOLUNTEER)
def consent_terms(request: HttpRequest) -> HttpResponse:
    """The current terms; agreeing records the consent and goes back where the volunteer was."""
    if request.method == "POST":
        consent.consent_record(user=request.user)
        messages.success(request, "Thank you: you agreed to the terms. You can send photos now.")
        return redirect(_safe_next(request) or "curation:packet-mine")
    version = conf.terms_version()
    return render(
        request,
        "curation/volunteers/consent_terms.html",
        {
            "terms_template": conf.terms_template(version),
            "terms_version": version,
            "agreed": consent.current_consent(request.user),
            "next": _safe_next(request) or "",
        },
    )


@role_required(VOLUNTEER)
@require_POST
def photo_withdraw(request: HttpRequest, upload) -> HttpResponse:
    if consent.photo_withdraw(user=request.user, upload_uuid=upload) is None:
        messages.error(request, "No photo of yours can be withdrawn with this link.")
    else:
        messages.success(request, "The photo is withdrawn: it will not be reviewed or published.")
    return redirect("curation:packet-mine")


@role_required(VOLUNTEER)
def photos_withdraw_all(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        count = consent.photos_withdraw_all(user=request.user)
        messages.success(request, f"Withdrawn: {count} photos. None of them will be published.")
        return redirect("curation:packet-mine")
    return _confirm(request, "all")


@role_required(VOLUNTEER)
def account_withdraw(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        consent.account_withdraw(user=request.user)
        logout(request)
        return render(request, "curation/volunteers/withdraw_done.html")
    return _confirm(request, "account")


def _confirm(request: HttpRequest, scope: str) -> HttpResponse:
    photos = consent.withdrawable_uploads(request.user)
    return render(
        request,
        "curation/volunteers/withdraw_confirm.html",
        {"scope": scope, "count": photos.count(), "grace_days": conf.withdrawal_grace_days()},
    )


@role_required()
def withdrawal_list(request: HttpRequest) -> HttpResponse:
    withdrawals = Withdrawal.objects.select_related("user", "image__upload__packet")
    return render(
        request,
        "curation/volunteers/withdrawal_list.html",
        {
            "page": Paginator(withdrawals, 50).get_page(request.GET.get("page")),
            "grace_days": conf.withdrawal_grace_days(),
            "waiting": withdrawals.filter(files_deleted_at=None).count(),
        },
    )
