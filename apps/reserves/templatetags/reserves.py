from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone

from apps.reserves.services import _s

register = template.Library()


@register.filter
def plain(value: Decimal | str | None) -> str:
    """A decimal in plain notation (no exponent, no trailing zeros); an em dash when missing."""
    if value is None or value == "":
        return "—"
    return _s(Decimal(value)) or "—"


@register.filter
def grouped(value: Decimal | str | None) -> str:
    """Like `plain`, exact to the last digit, with thousands separators: 17,059,629.3737."""
    text = plain(value)
    if text == "—":
        return text
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-')):,}"
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


@register.filter
def pct(ratio: Decimal | None) -> str:
    """A ratio as a percentage with two decimals: 1.0004 -> "100.04 %"."""
    if ratio is None:
        return "—"
    return f"{(Decimal(ratio) * 100).quantize(Decimal('0.01'))} %"


@register.filter
def money(value: Decimal | None) -> str:
    if value is None:
        return "no price"
    return f"{Decimal(value).quantize(Decimal('0.01')):,}"


@register.filter
def isodt(value: str | None) -> dt.datetime | None:
    """An ISO 8601 string from a snapshot's provenance as a datetime (for |date and |timesince)."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value)


@register.filter
def older_than(value: dt.datetime | None, seconds: int) -> bool:
    return value is not None and (timezone.now() - value).total_seconds() > int(seconds)
