from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "curation.volunteers"
    label = "volunteers"
