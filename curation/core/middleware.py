"""An outside system that stops answering mid-request gets a page that says so; the
Content-Security-Policy names the storage the browser talks to."""

import dataclasses

from csp.middleware import CSPMiddleware
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from curation.core import storage

RETRY_AFTER_S = 60


class StorageOutageMiddleware:
    """Storage (S3) unreachable: a 503 that names it and says what to do, not a bare 500.
    Views that can do better (refuse an upload and keep nothing) catch it themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not storage.is_unavailable(exception):
            return None
        message = (
            "File storage (S3) is not answering, so this page cannot be shown. Nothing was "
            "changed; try again in a minute. If it lasts, check S3_ENDPOINT_URL and the "
            "bucket's health."
        )
        if "application/json" in request.headers.get("Accept", "") or request.content_type == (
            "application/json"
        ):
            response = JsonResponse({"error": message}, status=503)
        else:
            response = render(request, "curation/core/unavailable.html", {"message": message})
            response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) plus the bucket the browser
    loads images from and posts phone uploads to, read from the settings per request."""

    STORAGE_DIRECTIVES = ("img-src", "connect-src", "form-action")

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        origins = storage.browser_origins()
        if not origins:
            return parts
        update = dict(parts.update or {})
        for directive in self.STORAGE_DIRECTIVES:
            update[directive] = [*update.get(directive, []), *origins]
        return dataclasses.replace(parts, update=update)


class RQAdminRefusalMiddleware:
    """django-rq's admin pages let a job be requeued that RQ refuses to requeue (one still
    held as started, say, because its worker died moments ago) or that expired meanwhile;
    RQ raises and the page would answer 500. Say why on the page the request came from."""

    PREFIX = "/admin/django-rq/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from rq.exceptions import InvalidJobOperation, NoSuchJobError

        if not request.path.startswith(self.PREFIX):
            return None
        if isinstance(exception, NoSuchJobError):
            reason = "This job is no longer in Redis (finished long ago or removed)."
        elif isinstance(exception, InvalidJobOperation):
            reason = (
                "RQ refused: only a failed job can be requeued. A job whose worker died is "
                "failed (or retried) once its claim expires, within two minutes; "
                "`manage.py sweep_jobs` settles it at once."
            )
        else:
            return None
        messages.error(request, reason)
        back = request.META.get("HTTP_REFERER", "")
        return redirect(
            back if url_has_allowed_host_and_scheme(back, {request.get_host()}) else self.PREFIX
        )
