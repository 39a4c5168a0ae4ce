"""Every app's urlpatterns merged into one `curation` namespace."""

from importlib import import_module

from django.contrib import admin
from django.urls import include, path

APPS = ["core", "review", "volunteers", "scenes", "releases", "scoring"]

curation_patterns = []
for app in APPS:
    curation_patterns += import_module(f"curation.{app}.urls").urlpatterns

urlpatterns = [
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("", include((curation_patterns, "curation"), namespace="curation")),
]

handler500 = "curation.core.views.server_error"
