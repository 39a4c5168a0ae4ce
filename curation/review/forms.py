import re

from django import forms

from curation.core.models import Image
from curation.review.models import MAX_REASONS, Decision, ReviewPolicy

REASON_LINE = re.compile(r"^(?P<code>[a-z0-9][a-z0-9-]{0,39})\s*:\s*(?P<label>\S.{0,119})\Z")


class PolicyForm(forms.ModelForm):
    reasons = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"One per line, `code: label`; 1 to {MAX_REASONS} reasons, in key order. "
        "Keep a code once reviews use it; change its label freely.",
    )

    class Meta:
        model = ReviewPolicy
        fields = ["reviews_needed", "combine", "gold_rate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].initial = "\n".join(
            f"{reason['code']}: {reason['label']}" for reason in self.instance.reject_reasons
        )

    def clean_reasons(self) -> list[dict]:
        lines = [line.strip() for line in self.cleaned_data["reasons"].splitlines() if line.strip()]
        if not 1 <= len(lines) <= MAX_REASONS:
            raise forms.ValidationError(f"Give 1 to {MAX_REASONS} reasons (one per line).")
        reasons = []
        for line in lines:
            match = REASON_LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    f"{line!r} is not `code: label` (code: lowercase letters, digits, dashes)."
                )
            reasons.append({"code": match["code"], "label": match["label"].strip()})
        codes = [reason["code"] for reason in reasons]
        if len(set(codes)) != len(codes):
            raise forms.ValidationError("Each reason code may appear only once.")
        return reasons


class AdjudicationForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reasons = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="For a reject."
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    make_gold = forms.BooleanField(
        required=False, label="Use as a gold image (its answer is this decision)"
    )

    def __init__(self, *args, policy: ReviewPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].choices = [
            (reason["code"], reason["label"]) for reason in policy.reject_reasons
        ]


class GoldForm(forms.Form):
    image = forms.IntegerField(min_value=1, label="Image id")
    expected = forms.ChoiceField(choices=Decision.choices, label="Expected answer")

    def clean_image(self) -> Image:
        image = Image.objects.filter(pk=self.cleaned_data["image"]).first()
        if image is None:
            raise forms.ValidationError("There is no image with this id.")
        return image
