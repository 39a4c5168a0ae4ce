from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "curation.review"
    label = "review"

    def ready(self):
        from curation.review import signals  # noqa: F401  (connects the sign-out receiver)
