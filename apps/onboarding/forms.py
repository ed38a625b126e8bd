from __future__ import annotations

import pycountry
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from apps.compliance.models import JurisdictionRule

from . import services
from .geo import client_ip
from .models import DocumentKind, WalletKind

COUNTRY_CHOICES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
YES_NO = [("no", "No"), ("yes", "Yes")]


class SignUpForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Full legal name")
    email = forms.EmailField(label="E-mail")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if get_user_model().objects.filter(username__iexact=email).exists():
            raise ValidationError("An account with this e-mail address already exists.")
        return email

    def clean(self) -> dict:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            user = get_user_model()(username=data.get("email", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class RateLimitedLoginForm(AuthenticationForm):
    """Refuses further attempts once LOGIN_MAX_ATTEMPTS failures for this name and IP."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": "Too many failed log-ins. Try again in %(minutes)s minutes.",
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.locked = False

    def clean(self) -> dict:
        username = (self.cleaned_data.get("username") or "").lower()
        self.cleaned_data["username"] = username
        ip = client_ip(self.request) if self.request else None
        if services.login_locked(username=username, ip=ip):
            self.locked = True
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
            )
        try:
            data = super().clean()
        except ValidationError:
            services.record_login_failure(username=username, ip=ip)
            raise
        services.clear_login_failures(username=username, ip=ip)
        return data


def country_has_region_rules(country: str) -> bool:
    return JurisdictionRule.objects.in_force().filter(country=country).exclude(region="").exists()


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda v: v == "yes", widget=forms.RadioSelect
    )


class EligibilityForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Full legal name")
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    residence_country = forms.ChoiceField(label="Country of residence", choices=COUNTRY_CHOICES)
    residence_region = forms.CharField(
        label="Region of residence (ISO 3166-2, e.g. UA-43), if any",
        max_length=6,
        required=False,
    )
    citizenships = forms.MultipleChoiceField(
        label="Citizenships (all of them)", choices=COUNTRY_CHOICES
    )
    tax_residences = forms.MultipleChoiceField(
        label="Tax residences (all of them)", choices=COUNTRY_CHOICES
    )
    us_citizen = _yes_no("Are you a citizen of the United States?")
    us_green_card = _yes_no("Do you hold a US green card (lawful permanent residence)?")
    us_resident = _yes_no("Do you live in the United States, or did you in the past 12 months?")
    us_tax_person = _yes_no("Are you a US person for tax purposes (e.g. you file US returns)?")

    def clean_residence_region(self) -> str:
        region = self.cleaned_data["residence_region"].strip().upper()
        if not region:
            return ""
        if pycountry.subdivisions.get(code=region) is None:
            raise ValidationError(f"{region} is not an ISO 3166-2 region code.")
        return region

    def clean(self) -> dict:
        data = super().clean()
        region, country = data.get("residence_region"), data.get("residence_country")
        if region and country and not region.startswith(country + "-"):
            self.add_error("residence_region", f"{region} is not a region of {country}.")
        elif country and not region and country_has_region_rules(country):
            # IP databases know countries only; where rules differ by region, ask.
            example = next(iter(pycountry.subdivisions.get(country_code=country) or []), None)
            hint = f" (e.g. {example.code} for {example.name})" if example else ""
            self.add_error(
                "residence_region",
                f"Rules differ between regions of {country}: give your region{hint}.",
            )
        return data

    def answers(self) -> services.Answers:
        d = self.cleaned_data
        return services.Answers(
            full_name=d["full_name"].strip(),
            date_of_birth=d["date_of_birth"],
            residence_country=d["residence_country"],
            residence_region=d["residence_region"],
            citizenships=list(d["citizenships"]),
            tax_residences=list(d["tax_residences"]),
            us_citizen=d["us_citizen"],
            us_green_card=d["us_green_card"],
            us_resident=d["us_resident"],
            us_tax_person=d["us_tax_person"],
        )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices, label="Document")
    file = forms.FileField(
        label="File (PDF, JPEG or PNG)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class WalletForm(forms.Form):
    kind = forms.ChoiceField(choices=WalletKind.choices, label="Chain")
    address = forms.CharField(max_length=64, label="Address")


class SignatureForm(forms.Form):
    signature = forms.CharField(
        label="Signature (hex for EVM, base58 or hex for Solana)",
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
