from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "curation.volunteers"
    label = "volunteers"

    def ready(self):
        from curation.volunteers import checks  # noqa: F401  (registers the system checks)
