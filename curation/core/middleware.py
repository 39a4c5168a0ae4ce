"""An outside system that stops answering mid-request gets a page that says so; the
Content-Security-Policy names the storage the browser talks to."""

import dataclasses

from csp.middleware import CSPMiddleware
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.defaults import page_not_found

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
            response["Retry-After"] = str(RETRY_AFTER_S)
            return response
        return _unavailable(request, "Storage is not answering", message)


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
    """django-rq's admin pages raise where a page should say why: a job RQ refuses to requeue
    (one still held as started, say, because its worker died moments ago) or that expired
    meanwhile goes back to the page with the reason; a queue, worker or scheduler index that
    does not exist is a 404; Redis unreachable is a 503 that names it. Never a 500."""

    PREFIX = "/admin/django-rq/"
    # What django-rq raises for an index or key that names nothing: a list index, a key that
    # is not a worker key, its `assert worker`; its schedulers' pages without rq-scheduler
    # (not used here: RQ's own scheduler runs in the workers).
    NOT_FOUND = (
        IndexError,
        KeyError,
        ValueError,
        AssertionError,
        ImportError,
        ImproperlyConfigured,
    )
    REDIS_DOWN = (
        "The job service (Redis) is not answering, so the queues cannot be shown. Jobs started "
        'meanwhile show "Not queued yet" and are queued by `manage.py reap` when it is back. '
        "Check REDIS_URL and the Redis server; try again in a minute."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith(self.PREFIX):
            return None
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        if isinstance(exception, (RedisConnectionError, RedisTimeoutError)):
            return _unavailable(request, "The job service is not answering", self.REDIS_DOWN)
        if isinstance(exception, self.NOT_FOUND):
            return page_not_found(request, Http404("No such queue, worker or scheduler."))
        reason = _rq_refusal(exception)
        if reason is None:
            return None
        messages.error(request, reason)
        back = request.META.get("HTTP_REFERER", "")
        return redirect(
            back if url_has_allowed_host_and_scheme(back, {request.get_host()}) else self.PREFIX
        )


def _rq_refusal(exception) -> str | None:
    from rq.exceptions import InvalidJobOperation, NoSuchJobError

    if isinstance(exception, NoSuchJobError):
        return "This job is no longer in Redis (finished long ago or removed)."
    if isinstance(exception, InvalidJobOperation):
        return (
            "RQ refused: only a failed job can be requeued. A job whose worker died is "
            "failed (or retried) once its claim expires, within two minutes; "
            "`manage.py reap` settles it at once."
        )
    return None


def _unavailable(request, heading: str, message: str):
    response = render(
        request, "curation/core/unavailable.html", {"heading": heading, "message": message}
    )
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response
