"""Number filters for every template, over apps.core.formatting: one spelling of a figure.

{% load numbers %}
{{ value|plain }}     1.02          (every digit, no exponent; — when missing)
{{ value|grouped }}   17,059,629.37376154
{{ value|money }}     228.50        (2 to 6 decimals; |money:2 for exactly 2)
{{ value|pct }}       100.04 %      (a ratio as a percentage)
{{ value|signed }}    +1.25
"""

from __future__ import annotations

from decimal import Decimal

from django import template

from apps.core import formatting

register = template.Library()

Number = Decimal | int | str | None


@register.filter
def plain(value: Number) -> str:
    return formatting.plain_text(value)


@register.filter
def grouped(value: Number) -> str:
    return formatting.grouped_text(value)


@register.filter
def money(value: Number, places: int | None = None) -> str:
    return formatting.money_text(value, None if places is None else int(places))


@register.filter
def pct(ratio: Number) -> str:
    return formatting.percent_text(ratio)


@register.filter
def signed(value: Number) -> str:
    return formatting.signed_text(value)
