from django import forms
from django.contrib.auth.forms import AuthenticationForm

from benchmark.vocab import SCENARIOS
from curation.core import signin
from curation.core.models import Pool, Scenario


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in whose attempts on one account or from one address run one at a time, so
    that django-axes's lock (checked before the hash) counts every failure."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = signin.client_address(self.request) if self.request else ""
        with signin.one_attempt_at_a_time(username, address):
            try:
                return super().clean()
            except forms.ValidationError as error:
                refusal = error  # raised after the commit, which keeps the failure recorded
        raise refusal


class IdentityBatchForm(forms.Form):
    memorisation = forms.IntegerField(min_value=0, max_value=100_000, initial=100)
    probe = forms.IntegerField(min_value=0, max_value=100_000, initial=100)
    seed = forms.IntegerField(min_value=0, initial=1)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("memorisation", 0) + cleaned.get("probe", 0) == 0:
            raise forms.ValidationError("Ask for at least one identity.")
        return cleaned


class RenderBatchForm(forms.Form):
    pool = forms.ChoiceField(choices=[("all", "Both pools"), *Pool.choices], initial="all")
    scenarios = forms.MultipleChoiceField(
        choices=Scenario.choices, initial=list(SCENARIOS), widget=forms.CheckboxSelectMultiple
    )
    variants = forms.CharField(
        initial="0,1", help_text="Comma-separated variant numbers, e.g. 0,1."
    )
    limit = forms.IntegerField(
        min_value=1, required=False, help_text="At most this many identities (blank: all)."
    )

    def clean_variants(self):
        raw = self.cleaned_data["variants"]
        try:
            variants = sorted({int(part) for part in raw.split(",") if part.strip()})
        except ValueError:
            raise forms.ValidationError("Variants must be whole numbers like 0,1.") from None
        if not variants or min(variants) < 0:
            raise forms.ValidationError("Give at least one variant number, 0 or more.")
        return variants
