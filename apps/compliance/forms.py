from __future__ import annotations

from django import forms

from apps.onboarding.forms import COUNTRY_CHOICES
from apps.onboarding.models import CaseState

from .models import Decision, ReasonCode, RuleStatus

SORTS = {
    "oldest": ("submitted_at", "id"),
    "newest": ("-submitted_at", "-id"),
    "country": ("declaration__residence_country", "submitted_at"),
    "risk": ("-high_risk", "submitted_at"),
}


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Open cases"), ("all", "All"), *CaseState.choices], required=False
    )
    country = forms.ChoiceField(choices=[("", "Any country"), *COUNTRY_CHOICES], required=False)
    risk = forms.ChoiceField(
        choices=[("", "Any risk"), ("high", "High risk"), ("normal", "Normal")], required=False
    )
    age = forms.ChoiceField(
        choices=[("", "Any age"), ("overdue", "Past the review deadline")], required=False
    )
    sort = forms.ChoiceField(
        choices=[
            ("oldest", "Oldest first"),
            ("newest", "Newest first"),
            ("country", "Country"),
            ("risk", "Risk"),
        ],
        required=False,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reason_code = forms.ChoiceField(choices=ReasonCode.choices, label="Reason")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Note (shown to the investor when rejecting or asking for more)",
    )


class RuleForm(forms.Form):
    country = forms.CharField(max_length=2, label="Country (ISO 3166-1 alpha-2)")
    region = forms.CharField(max_length=6, required=False, label="Region (ISO 3166-2), optional")
    status = forms.ChoiceField(choices=RuleStatus.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class AuditExportForm(forms.Form):
    start = forms.DateField(label="From (UTC date)")
    end = forms.DateField(label="To (UTC date, inclusive)")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class AccessLogFilterForm(forms.Form):
    country = forms.CharField(max_length=2, required=False)
    path = forms.CharField(max_length=200, required=False, label="Path contains")
    start = forms.DateField(required=False, label="From (UTC date)")
    end = forms.DateField(required=False, label="To (UTC date)")
