from django import forms

from curation.volunteers.models import CODE_LENGTH, PACKET_SCENARIOS
from curation.volunteers.services import MAX_BATCH


class BatchForm(forms.Form):
    scenario = forms.ChoiceField(choices=PACKET_SCENARIOS)
    count = forms.IntegerField(min_value=1, max_value=MAX_BATCH, initial=10)


class RequestForm(forms.Form):
    scenario = forms.ChoiceField(choices=PACKET_SCENARIOS, label="Kind of form")


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=CODE_LENGTH + 6,
        label="Packet code",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
