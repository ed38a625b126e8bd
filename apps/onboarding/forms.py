from __future__ import annotations

import functools
import gettext as gettext_module

import pycountry
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.jurisdictions.selectors import country_has_region_rules

from .models import DocumentKind, WalletKind
from .services.eligibility import Answers

MAX_EXPIRY_YEAR = 2200  # a document's printed expiry, not a typing slip
COUNTRY_CHOICES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
YES_NO = [("no", _("No")), ("yes", _("Yes"))]
MAX_PASSWORD = 128  # characters; longer ones only make hashing slower
# The e-mail address is the username, which holds at most 150 characters.
MAX_EMAIL = get_user_model()._meta.get_field("username").max_length


class SignUpForm(forms.Form):
    full_name = forms.CharField(max_length=200, label=_("Full legal name"))
    email = forms.EmailField(label=_("E-mail"), max_length=MAX_EMAIL)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, strip=False, max_length=MAX_PASSWORD
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput,
        strip=False,
        max_length=MAX_PASSWORD,
    )

    def clean_email(self) -> str:
        # Whether the address has an account is never said here (sign_up e-mails its owner).
        return self.cleaned_data["email"].lower()

    def clean(self) -> dict:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            user = get_user_model()(username=data.get("email", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class LoginForm(AuthenticationForm):
    """Log-in by e-mail address. Failed attempts are counted by django-axes
    (per account and per client network); a locked-out client gets HTTP 429."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=MAX_PASSWORD,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("E-mail")

    def clean_username(self) -> str:
        return (self.cleaned_data.get("username") or "").strip().lower()


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 country, named and sorted in the active language (pycountry's own
    translations: zh_TW for Traditional Chinese); the codes are what is stored."""
    language = translation.get_language() or "en"
    if language == "en" or not language.startswith("zh"):
        return COUNTRY_CHOICES
    names = _country_names("zh_TW")
    return sorted(
        ((code, names.gettext(name)) for code, name in COUNTRY_CHOICES), key=lambda c: c[1]
    )


@functools.cache
def _country_names(locale: str) -> gettext_module.NullTranslations:
    return gettext_module.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True
    )


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda v: v == "yes", widget=forms.RadioSelect
    )


class EligibilityForm(forms.Form):
    full_name = forms.CharField(max_length=200, label=_("Full legal name"))
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    residence_country = forms.ChoiceField(label=_("Country of residence"), choices=country_choices)
    residence_region = forms.CharField(
        label=_("Region of residence (ISO 3166-2, e.g. UA-43), if any"),
        max_length=6,
        required=False,
    )
    citizenships = forms.MultipleChoiceField(
        label=_("Citizenships (all of them)"), choices=country_choices
    )
    tax_residences = forms.MultipleChoiceField(
        label=_("Tax residences (all of them)"), choices=country_choices
    )
    us_citizen = _yes_no(_("Are you a citizen of the United States?"))
    us_green_card = _yes_no(_("Do you hold a US green card (lawful permanent residence)?"))
    us_resident = _yes_no(_("Do you live in the United States, or did you in the past 12 months?"))
    us_tax_person = _yes_no(_("Are you a US person for tax purposes (e.g. you file US returns)?"))

    def clean_residence_region(self) -> str:
        region = self.cleaned_data["residence_region"].strip().upper()
        if not region:
            return ""
        if pycountry.subdivisions.get(code=region) is None:
            raise ValidationError(
                _("%(region)s is not an ISO 3166-2 region code.") % {"region": region}
            )
        return region

    def clean(self) -> dict:
        data = super().clean()
        region, country = data.get("residence_region"), data.get("residence_country")
        if region and country and not region.startswith(country + "-"):
            self.add_error(
                "residence_region",
                _("%(region)s is not a region of %(country)s.")
                % {"region": region, "country": country},
            )
        elif country and not region and country_has_region_rules(country):
            # IP databases know countries only; where rules differ by region, ask.
            example = next(iter(pycountry.subdivisions.get(country_code=country) or []), None)
            if example:
                message = _(
                    "Rules differ between regions of %(country)s: give your region "
                    "(e.g. %(code)s for %(name)s)."
                ) % {"country": country, "code": example.code, "name": example.name}
            else:
                message = _("Rules differ between regions of %(country)s: give your region.") % {
                    "country": country
                }
            self.add_error("residence_region", message)
        return data

    def answers(self) -> Answers:
        d = self.cleaned_data
        return Answers(
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
    kind = forms.ChoiceField(choices=DocumentKind.choices, label=_("Document"))
    file = forms.FileField(
        label=_("File (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    expires_on = forms.DateField(
        label=_("Valid until (passport or ID card: the expiry date printed on it)"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        expires = data.get("expires_on")
        if expires is not None and expires < timezone.localdate():
            self.add_error("expires_on", _("This document has expired: send one that is valid."))
        elif expires is not None and expires.year > MAX_EXPIRY_YEAR:
            self.add_error("expires_on", _("Give the expiry date printed on the document."))
        return data


class WalletForm(forms.Form):
    kind = forms.ChoiceField(choices=WalletKind.choices, label=pgettext_lazy("blockchain", "Chain"))
    address = forms.CharField(max_length=64, label=_("Address"))


class SignatureForm(forms.Form):
    signature = forms.CharField(
        label=_("Signature (hex for EVM, base58 or hex for Solana)"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
