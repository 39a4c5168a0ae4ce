from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "curation.releases"
    label = "releases"
