from django.apps import AppConfig


class ScenesConfig(AppConfig):
    name = "curation.scenes"
    label = "scenes"
