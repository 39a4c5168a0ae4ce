from django import forms

from curation.releases.models import Release, ReleaseStatus
from curation.scoring.models import ResponseSet, ScoringStatus
from curation.scoring.services import (
    MAX_JUDGE_ENDPOINT_CHARS,
    MAX_JUDGE_MODEL_CHARS,
    MAX_PROVENANCE_BYTES,
    UploadRefused,
    check_judge,
    check_size,
)


class ReleaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, release: Release) -> str:
        return f"{release.version} ({release.destination})"


def published_releases():
    return Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-published_at", "-id")


class ResponsesUploadForm(forms.Form):
    release = ReleaseChoiceField(
        queryset=published_releases(),
        empty_label=None,
        help_text="The published release whose probe/items.jsonl the responses answer.",
    )
    file = forms.FileField(
        label="Responses file",
        help_text="JSONL from `python -m benchmark ask`: one object a line with id, model, "
        "response and error; one model per file.",
    )

    provenance = forms.FileField(
        label="Provenance (optional)",
        required=False,
        help_text="The RESPONSES.provenance.json that `ask` wrote beside the file: endpoint, "
        "decoding settings, seed, release.",
    )

    judge_endpoint = forms.CharField(
        label="Judge endpoint (optional)",
        required=False,
        max_length=MAX_JUDGE_ENDPOINT_CHARS,
        help_text="An OpenAI-compatible server (vLLM and the like), e.g. http://vllm:8000/v1: "
        "it is asked which answers refuse, and its agreement with the rules is reported. "
        "The headline figures keep the rules.",
    )
    judge_model = forms.CharField(
        label="Judge model (optional)",
        required=False,
        max_length=MAX_JUDGE_MODEL_CHARS,
        help_text="The judge's model name on that server (with the endpoint).",
    )

    def clean(self):
        cleaned = super().clean()
        endpoint, model = cleaned.get("judge_endpoint"), cleaned.get("judge_model")
        if endpoint is None or model is None:
            return cleaned  # a field already failed its own check
        try:
            cleaned["judge_endpoint"], cleaned["judge_model"] = check_judge(endpoint, model)
        except UploadRefused as refused:
            self.add_error("judge_endpoint", str(refused))
        return cleaned

    def judge(self) -> dict:
        """The judge to name to the upload service (blank strings: none)."""
        return {
            "judge_endpoint": self.cleaned_data["judge_endpoint"],
            "judge_model": self.cleaned_data["judge_model"],
        }

    def clean_file(self):
        """Refuse an oversized file before reading it; its content is checked on upload."""
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size)
        except UploadRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return upload

    def file_bytes(self) -> bytes:
        upload = self.cleaned_data["file"]
        upload.seek(0)
        return upload.read()

    def provenance_bytes(self) -> bytes | None:
        upload = self.cleaned_data.get("provenance")
        if upload is None:
            return None
        upload.seek(0)
        return upload.read(MAX_PROVENANCE_BYTES + 1)


class ResponseSetChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, response_set: ResponseSet) -> str:
        return f"{response_set.model_name} (#{response_set.pk}, {response_set.lines} responses)"


class CompareForm(forms.Form):
    """GET form: a release, then the scored response sets of it to put side by side."""

    release = ReleaseChoiceField(queryset=published_releases(), empty_label=None)
    sets = ResponseSetChoiceField(
        queryset=ResponseSet.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Response sets",
    )

    def __init__(self, data=None):
        super().__init__(data)
        release = self._chosen_release()
        self.fields["release"].initial = release
        scored = ResponseSet.objects.filter(status=ScoringStatus.SCORED).order_by("model_name")
        self.fields["sets"].queryset = scored.filter(release=release)

    def _chosen_release(self) -> Release | None:
        releases = self.fields["release"].queryset
        chosen = (self.data or {}).get("release")
        if chosen and str(chosen).isdigit():
            return releases.filter(pk=chosen).first()
        scored = releases.filter(response_sets__status=ScoringStatus.SCORED).distinct()
        return scored.first() or releases.first()
