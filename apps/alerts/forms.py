from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Token


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    token = forms.ModelChoiceField(
        label=_("Alerts of"),
        queryset=Token.objects.order_by("symbol"),
        to_field_name="symbol",
        required=False,
        empty_label=_("every token"),
    )
