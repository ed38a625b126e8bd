from __future__ import annotations

from django import forms

from apps.catalog.models import Token


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    token = forms.ModelChoiceField(
        label="Alerts of",
        queryset=Token.objects.order_by("symbol"),
        to_field_name="symbol",
        required=False,
        empty_label="every token",
    )
