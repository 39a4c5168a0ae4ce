from django import forms

from benchmark.release import PRESETS
from benchmark.release.config import MAX_VERSION_LENGTH, SEED_LIMIT


class ReleaseForm(forms.Form):
    version = forms.RegexField(
        regex=r"^\d+\.\d+\.\d+\Z",
        max_length=MAX_VERSION_LENGTH,
        initial="1.0.0",
        error_messages={"invalid": "Use semantic versioning: MAJOR.MINOR.PATCH, e.g. 1.0.0."},
    )
    # Seeds stay below 2**53 so they survive JSON in any language (as the CLI's).
    seed = forms.IntegerField(initial=7, min_value=0, max_value=SEED_LIMIT - 1)
    preset = forms.ChoiceField(
        choices=[(name, name) for name in sorted(PRESETS)],
        initial="full",
        help_text="full: 600 disclosure and 1,200 retention items; demo: a small release.",
    )
    memorisation_images_per_identity = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1000,
        initial=1,
        help_text="1 as in the paper (one form image per memorised identity); more for a "
        "dose study.",
    )
    allow_simulated = forms.BooleanField(
        required=False,
        help_text="Let simulated photos and random-weight demo scenes in (always on for demo).",
    )

    def clean(self):
        """The same defaults as `manage.py export_release`: the demo preset lets simulated
        images in; one memorisation image per identity."""
        data = super().clean()
        if data.get("preset") == "demo":
            data["allow_simulated"] = True
        if data.get("memorisation_images_per_identity") is None:
            data["memorisation_images_per_identity"] = 1  # the CLI's default, the paper's dose
        return data
