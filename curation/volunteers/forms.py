from django import forms

from curation.core.models import Scenario
from curation.volunteers.models import CODE_LENGTH
from curation.volunteers.services import MAX_BATCH


class BatchForm(forms.Form):
    scenario = forms.ChoiceField(choices=Scenario.choices)
    count = forms.IntegerField(min_value=1, max_value=MAX_BATCH, initial=10)


class RequestForm(forms.Form):
    scenario = forms.ChoiceField(choices=Scenario.choices, label="Kind of form")


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=CODE_LENGTH + 6,
        label="Packet code",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
