"""The embeddable backing badge: a small shields.io-style SVG drawn here, no font fetched.

The layout is badge-maker 6.0.0's "flat" style (npm `badge-maker`, badges/shields) for a
badge without logo or link; text widths come from anafanafo 2.0.0's Verdana 11px table
(npm `anafanafo`, MIT: `data/verdana-11px-normal.json`, ranges [first, last, width]).
`textLength` makes the text fit whatever font the viewer has.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.core.formatting import percent_text

from .models import ReserveSnapshot
from .selectors import short_age

PAD = 5  # pixels either side of each text
LABEL_COLOR = "#555"
# The site's own status colours (static/css/site.css), dark enough for white text (WCAG AA).
STATUS_COLORS = {
    ReserveSnapshot.Status.BACKED: "#146c2e",
    ReserveSnapshot.Status.UNDER_BACKED: "#a4161a",
    ReserveSnapshot.Status.STALE: "#8a4b00",
    ReserveSnapshot.Status.UNKNOWN: "#4d5b68",
}
NO_DATA_COLOR = "#4d5b68"
MAX_TEXT_CHARS = 64  # longer label or message text is cut (a symbol is at most 24)


class WidthTable:
    """Per-code-point advance widths of Verdana 11px, binary-searched."""

    def __init__(self, ranges: object) -> None:
        if not isinstance(ranges, list) or not ranges or not all(_is_range(r) for r in ranges):
            raise ValueError("width table: expected a list of [first, last, width] ranges")
        self.ranges = sorted(ranges)
        self.starts = [int(r[0]) for r in self.ranges]
        self.em = self.char_width("m") or 10.7

    def char_width(self, char: str) -> float | None:
        code = ord(char)
        if code <= 31 or code == 127:
            return 0.0
        i = bisect.bisect_right(self.starts, code) - 1
        if i >= 0 and self.ranges[i][0] <= code <= self.ranges[i][1]:
            return float(self.ranges[i][2])
        return None

    def text_width(self, text: str) -> int:
        """badge-maker's preferredWidthOf: the sum of the widths (unknown characters as
        wide as "m"), truncated, rounded up to an odd number."""
        total = sum(w if (w := self.char_width(c)) is not None else self.em for c in text)
        width = int(total)
        return width if width % 2 else width + 1


def _is_range(r: object) -> bool:
    return (
        isinstance(r, list)
        and len(r) == 3
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in r)
        and 0 <= r[0] <= r[1]
        and r[2] >= 0
    )


@cache
def width_table(path: str) -> WidthTable:
    """The table in the file at `path` (settings.BADGE_WIDTH_TABLE_PATH), read once per
    process."""
    return WidthTable(json.loads(Path(path).read_text(encoding="utf-8")))


def _xml(text: str) -> str:
    return escape(text, quote=True).replace("&#x27;", "&apos;")


def _brightness(color: str) -> float:
    h = color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return (r * 299 + g * 587 + b * 114) / 255000


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def render_svg(*, label: str, message: str, color: str, title: str, table: WidthTable) -> str:
    """A flat badge: `label` on grey, `message` on `color`; `title` is its accessible text
    (the <title> and aria-label)."""
    label, message = label[:MAX_TEXT_CHARS], message[:MAX_TEXT_CHARS]
    label_w, message_w = table.text_width(label), table.text_width(message)
    left, right = label_w + 2 * PAD, message_w + 2 * PAD
    width = left + right

    def text(margin: int, content: str, text_w: int, background: str) -> str:
        dark = _brightness(background) > 0.69
        fill, shadow = ("#333", "#ccc") if dark else ("#fff", "#010101")
        x = _number(10 * (margin + 0.5 * text_w + PAD))
        length = 10 * text_w
        fill_attr = "" if fill == "#fff" else f' fill="{fill}"'
        body = _xml(content)
        return (
            f'<g transform="scale(.1)"><g aria-hidden="true" fill="{shadow}">'
            f'<text x="{x}" y="150" fill-opacity=".8" filter="url(#blur)" '
            f'textLength="{length}">{body}</text>'
            f'<text x="{x}" y="150" fill-opacity=".3" textLength="{length}">{body}</text></g>'
            f'<text x="{x}" y="140" textLength="{length}"{fill_attr}>{body}</text></g>'
        )

    access = _xml(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{access}"><title>{access}</title>'
        '<filter id="blur"><feGaussianBlur stdDeviation="16"/></filter>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="{LABEL_COLOR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'text-rendering="geometricPrecision" font-size="110">'
        f"{text(1, label, label_w, LABEL_COLOR)}{text(left - 1, message, message_w, color)}"
        "</g></svg>"
    )


@dataclass(frozen=True, slots=True)
class BadgeText:
    label: str
    message: str
    color: str
    title: str


def badge_text(summary: dict[str, Any], *, now: dt.datetime) -> BadgeText:
    """What the badge says, from the same summary the API serializes
    (apps.reserves.payloads.snapshot_summary): ratio, status and the age of the oldest input."""
    symbol = summary["symbol"]
    label = f"{symbol} backing"
    status = summary["status"]
    if status is None:
        return BadgeText(label, "no data yet", NO_DATA_COLOR, f"{label}: no data yet")
    status_word = ReserveSnapshot.Status(status).label.lower()
    ratio = summary["ratio"]
    as_of = summary["as_of"]
    age = short_age(now - as_of) if as_of else None
    parts = ([percent_text(ratio)] if ratio is not None else []) + [status_word]
    if age:
        parts.append(age)
    title = f"{label}: " + ", ".join(
        ([f"ratio {percent_text(ratio)}"] if ratio is not None else [])
        + [f"status {status_word}"]
        + ([f"data {age} old"] if age else [])
    )
    return BadgeText(label, " · ".join(parts), STATUS_COLORS[status], title)


def badge_svg(summary: dict[str, Any], *, now: dt.datetime) -> str:
    text = badge_text(summary, now=now)
    return render_svg(
        label=text.label,
        message=text.message,
        color=text.color,
        title=text.title,
        table=width_table(str(settings.BADGE_WIDTH_TABLE_PATH)),
    )
