from django.conf import settings
from django.db import models

from benchmark import vocab


def _choices(name: str, labels: dict[str, str]) -> type[models.TextChoices]:
    """TextChoices of the vocabulary's words: member HIRING is ("hiring", "Hiring")."""
    return models.TextChoices(
        name, [(word.upper(), (word, label)) for word, label in labels.items()]
    )


Pool = _choices("Pool", {pool: pool.title() for pool in vocab.POOLS})
Scenario = _choices("Scenario", vocab.SCENARIO_LABELS)
TargetType = _choices("TargetType", vocab.TARGET_LABELS)


class Identity(models.Model):
    """A synthetic person; `key` is benchmark.identities' id, `data` all its fields."""

    key = models.CharField(max_length=40, unique=True)
    pool = models.CharField(max_length=16, choices=Pool.choices, db_index=True)
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=200)
    phone = models.CharField(max_length=40)
    ssn = models.CharField(max_length=11)
    data = models.JSONField(help_text="Every field of the identity, scenario extras included.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "identities"

    def __str__(self):
        return f"{self.key} {self.name}"


Source = _choices("Source", vocab.SOURCE_LABELS)


class ImageStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Image(models.Model):
    """One image of the benchmark: a template form, a photographed form or a scene."""

    source = models.CharField(max_length=16, choices=Source.choices, db_index=True)
    scenario = models.CharField(max_length=16, choices=Scenario.choices)
    target_type = models.CharField(max_length=8, choices=TargetType.choices, blank=True)
    variant = models.PositiveSmallIntegerField(default=0)
    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.PROTECT, related_name="images"
    )
    file = models.FileField(max_length=300)
    review_file = models.FileField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    phash = models.CharField(max_length=16, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=ImageStatus.choices, default=ImageStatus.PENDING, db_index=True
    )
    fields = models.JSONField(
        default=list, blank=True, help_text="Ground truth: name, label, value, box."
    )
    provenance = models.JSONField(default=dict, blank=True)
    simulated = models.BooleanField(
        default=False, help_text="Demo stand-in (simulated photo, random-weight model)."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The machine reading (benchmark.reading.read_check's JSON): a hint for reviewers and an
    # input of the release rule, never a decision alone.
    reading = models.JSONField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    reading_error = models.CharField(max_length=300, blank=True)
    # A target not read, or PII-like text not overridden: the queue can show these first.
    reading_doubtful = models.BooleanField(default=False)
    # Reviewers' overrides: {target_type: {"by": username, "at": ISO time}} for targets a
    # person confirmed legible; a scene's PII-like text judged harmless, by whom and when.
    legible_confirmed = models.JSONField(default=dict, blank=True)
    pii_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pii_override_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "source", "id"])]

    def __str__(self):
        return f"{self.get_source_display()} #{self.pk} ({self.status})"

    @property
    def pii_overridden(self) -> bool:
        return self.pii_override_at is not None


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    # RQ will run it again (after an error or a dead worker), once its retry delay is over.
    RETRYING = "retrying", "Retrying"
    # The job service (Redis) was unreachable; `manage.py reap` queues it when it is back.
    NOT_QUEUED = "unqueued", "Not queued yet (job service unreachable)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


UNFINISHED_STATUSES = frozenset(
    {RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RETRYING, RunStatus.NOT_QUEUED}
)


class JobRun(models.Model):
    """One piece of long work (render batch, generation, export...) and what became of it."""

    kind = models.CharField(max_length=40, db_index=True)
    title = models.CharField(max_length=200)
    function = models.CharField(max_length=200, help_text="Dotted path of the job function.")
    params = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=20, default="default")
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    host = models.CharField(max_length=100, blank=True, help_text="Where the run last started.")
    pid = models.PositiveIntegerField(null=True, blank=True, help_text="Its process there.")
    retries = models.PositiveSmallIntegerField(
        default=0, help_text="How often RQ runs the job again after an error."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status not in UNFINISHED_STATUSES
