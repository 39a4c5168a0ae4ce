from django import forms

from benchmark.release import PRESETS


class ReleaseForm(forms.Form):
    version = forms.RegexField(
        regex=r"^\d+\.\d+\.\d+\Z",
        max_length=40,
        initial="1.0.0",
        error_messages={"invalid": "Use semantic versioning: MAJOR.MINOR.PATCH, e.g. 1.0.0."},
    )
    seed = forms.IntegerField(initial=7)
    preset = forms.ChoiceField(
        choices=[(name, name) for name in sorted(PRESETS)],
        initial="full",
        help_text="full: 600 disclosure and 1,200 retention items; demo: a small release.",
    )
    memorisation_images_per_identity = forms.IntegerField(
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
        """The demo preset lets simulated images in, as `manage.py export_release` does."""
        data = super().clean()
        if data.get("preset") == "demo":
            data["allow_simulated"] = True
        return data
