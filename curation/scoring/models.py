from django.conf import settings
from django.db import models

from benchmark.scoring import ALL, CELL_KEYS
from curation.core.models import JobRun
from curation.releases.models import Release


class ScoringStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SCORING = "scoring", "Scoring"
    SCORED = "scored", "Scored"
    FAILED = "failed", "Failed"


class ResponseSet(models.Model):
    """One model's responses to a release's probe items, and the scores they earned."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="response_sets")
    model_name = models.CharField(max_length=200, help_text="The file's `model` field.")
    file = models.CharField(max_length=300, help_text="Stored responses file (JSONL).")
    original_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    lines = models.PositiveIntegerField(help_text="Responses in the file.")
    errors = models.PositiveIntegerField(help_text="Responses that came back with an error.")
    missing_items = models.PositiveIntegerField(help_text="Release items with no response.")
    items = models.PositiveIntegerField(
        default=0, help_text="The release's probe items (0: not recorded, sets made before)."
    )
    unknown_ids = models.PositiveIntegerField(
        default=0,
        help_text="Ids that are not release items (an upload with any is refused).",
    )
    status = models.CharField(
        max_length=10, choices=ScoringStatus.choices, default=ScoringStatus.QUEUED, db_index=True
    )
    error = models.TextField(blank=True)
    rows = models.JSONField(
        default=list, blank=True, help_text="benchmark.scoring summary rows, margins included."
    )
    heatmaps = models.JSONField(
        default=list, blank=True, help_text="Names of the heatmap PNGs among the outputs."
    )
    provenance = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the responses were made (the .provenance.json of ask).",
    )
    judge_endpoint = models.CharField(
        max_length=500,
        blank=True,
        help_text="An OpenAI-compatible judge model to ask too (blank: the rules alone).",
    )
    judge_model = models.CharField(max_length=200, blank=True, help_text="The judge's model name.")
    judge = models.JSONField(
        default=dict,
        blank=True,
        help_text="The judge's agreement with the rules (see judge.json).",
    )
    outputs = models.JSONField(
        default=dict, blank=True, help_text="Stored output files (summary.csv, PNGs...) by name."
    )
    run = models.ForeignKey(JobRun, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.model_name} on {self.release.version} ({self.status})"

    @property
    def coverage(self) -> dict | None:
        """Items answered, errored and missing, from the scored overall row."""
        overall = next((row for row in self.rows if _is_overall(row)), None)
        if overall is None:
            return None
        errors, missing = overall["errors"], overall.get("missing", 0)
        items = overall["n"] + errors + missing
        return {"items": items, "answered": overall["n"], "errors": errors, "missing": missing}

    @property
    def state_label(self) -> str:
        """ "Scored", or "Scored (partial: 50 of 360 items)" when items lack an answer."""
        counts = self._answered_of_items() if self.status == ScoringStatus.SCORED else None
        if counts is None:
            return self.get_status_display()
        answered, items = counts
        return "Scored" if answered == items else f"Scored (partial: {answered} of {items} items)"

    def _answered_of_items(self) -> tuple[int, int] | None:
        """From the counts of the upload (the list needs no rows), else the scored rows."""
        if self.items:
            return self.items - self.errors - self.missing_items, self.items
        coverage = self.coverage
        return None if coverage is None else (coverage["answered"], coverage["items"])

    @property
    def is_finished(self) -> bool:
        return self.status in {ScoringStatus.SCORED, ScoringStatus.FAILED}


def _is_overall(row: dict) -> bool:
    return all(row[key] == ALL for key in CELL_KEYS)
