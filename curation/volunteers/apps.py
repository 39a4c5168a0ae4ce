from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "curation.volunteers"
    label = "volunteers"

    def ready(self):
        # Imported for their side effects: system checks registered, receivers connected.
        from curation.volunteers import checks, receivers  # noqa: F401
