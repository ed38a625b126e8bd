"""Back-office forms. Every query parameter and field is bounded; a bad one answers 400
with the reason."""

from __future__ import annotations

from datetime import date

from django import forms

from apps.jurisdictions.models import RuleStatus
from apps.onboarding.forms import COUNTRY_CHOICES
from apps.onboarding.models import CaseState

from .models import Decision, ReasonCode

EARLIEST = date(2000, 1, 1)  # before any audit event or refusal
LATEST = date(2999, 12, 31)  # far enough; keeps date arithmetic away from date.max
MAX_TEXT = 2000  # characters of a reason, legal basis or note


class BoundedDateField(forms.DateField):
    """An ISO date between EARLIEST and LATEST."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                f"Give a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
            )


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
    assignee = forms.ChoiceField(required=False, label="Assigned to")
    sort = forms.ChoiceField(
        choices=[
            ("oldest", "Longest in the queue"),
            ("newest", "Newest in the queue"),
            ("country", "Country"),
            ("risk", "Risk"),
        ],
        required=False,
    )

    def __init__(self, *args, officers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody"),
            *((str(o.pk), o.get_username()) for o in officers),
        ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reason_code = forms.ChoiceField(choices=ReasonCode.choices, label="Reason")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_TEXT,
        label="Note (shown to the investor when rejecting or asking for more)",
    )


class RuleForm(forms.Form):
    country = forms.CharField(max_length=2, label="Country (ISO 3166-1 alpha-2)")
    region = forms.CharField(max_length=6, required=False, label="Region (ISO 3166-2), optional")
    status = forms.ChoiceField(choices=RuleStatus.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT)
    legal_basis = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT)


class EndRuleForm(forms.Form):
    reason = forms.CharField(max_length=MAX_TEXT, required=False)


class AuditExportForm(forms.Form):
    start = BoundedDateField(label="From (UTC date)")
    end = BoundedDateField(label="To (UTC date, inclusive)")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class AccessLogFilterForm(forms.Form):
    country = forms.RegexField(
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        required=False,
        error_messages={"invalid": "Give a two-letter country code, e.g. IR."},
    )
    path = forms.CharField(max_length=200, required=False, label="Path contains")
    start = BoundedDateField(required=False, label="From (UTC date)")
    end = BoundedDateField(required=False, label="To (UTC date)")

    def clean_country(self) -> str:
        return self.cleaned_data["country"].upper()


class OtpForm(forms.Form):
    token = forms.CharField(max_length=8, required=False)
    next = forms.CharField(max_length=2000, required=False)


def error_text(form: forms.Form, *, limit: int = 500) -> str:
    """The form's errors as one short line: "field: message; ...", at most `limit` characters."""
    parts = []
    for field, errors in form.errors.items():
        label = "" if field == "__all__" else f"{field}: "
        parts.append(label + " ".join(str(e) for e in errors))
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_username()


class ReassignForm(forms.Form):
    officer = OfficerChoiceField(queryset=None, label="Give the case to", empty_label=None)
    reason = forms.CharField(
        max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}), label="Reason"
    )

    def __init__(self, *args, officers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Internal note (officers only, never shown to the investor)",
    )


class DocumentExpiryForm(forms.Form):
    expires_on = BoundedDateField(required=False, label="Valid until (empty: does not expire)")
