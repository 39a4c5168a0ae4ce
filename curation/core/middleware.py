"""An outside system that stops answering mid-request gets a page that says so; the
Content-Security-Policy names the storage the browser talks to."""

import dataclasses

from csp.middleware import CSPMiddleware
from django.http import JsonResponse
from django.shortcuts import render

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
