from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def isodt(value: str | None) -> dt.datetime | None:
    """An ISO 8601 string from a snapshot's provenance as a datetime (for |date and |timesince)."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value)
