"""`manage.py check` makes sure the badge can be drawn: its character-width table is there."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from .badge import width_table


@register()
def badge_width_table(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        width_table(str(settings.BADGE_WIDTH_TABLE_PATH))
    except (OSError, ValueError) as exc:
        return [
            Error(
                f"BADGE_WIDTH_TABLE_PATH: cannot read the badge's width table ({exc})"[:300],
                hint="Run `npm ci` (package anafanafo) or point the setting at the file.",
                id="reserves.E001",
            )
        ]
    return []
