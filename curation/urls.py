"""Every app's urlpatterns merged into one `curation` namespace."""

from importlib import import_module

from django.contrib import admin
from django.urls import URLPattern, include, path
from django_rq import urls as rq_urls

from curation.core.roles import role_required

APPS = ["core", "review", "volunteers", "scenes", "releases", "scoring"]

curation_patterns = []
for app in APPS:
    curation_patterns += import_module(f"curation.{app}.urls").urlpatterns


def _for_maintainers(patterns: list[URLPattern]) -> list[URLPattern]:
    """django-rq's pages check only `is_staff`; job arguments and queue actions are for
    maintainers."""
    maintainers_only = role_required()
    return [
        URLPattern(
            pattern.pattern, maintainers_only(pattern.callback), pattern.default_args, pattern.name
        )
        for pattern in patterns
    ]


urlpatterns = [
    path("admin/django-rq/", include((_for_maintainers(rq_urls.urlpatterns), "django_rq"))),
    path("admin/", admin.site.urls),
    path("", include((curation_patterns, "curation"), namespace="curation")),
]

handler500 = "curation.core.views.server_error"
