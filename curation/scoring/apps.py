from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "curation.scoring"
    label = "scoring"
