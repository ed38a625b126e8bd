"""Decimals to text and date-time query parameters from text, once for the whole site.

Every page, API answer, download and template filter formats a decimal through these
functions, so a figure reads the same everywhere and never loses a digit: quantities carry
up to 18 decimals and 60 integer digits, more than the default decimal context (28 digits)
keeps, so normalising happens in a wide context.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from decimal import Decimal
from typing import overload

from django.utils.translation import gettext

# Wide enough for any ExactDecimalField (80 digits): nothing is rounded before text.
WIDE = decimal.Context(prec=120, rounding=decimal.ROUND_HALF_EVEN)
MISSING = "—"  # shown on pages where a figure is not known
# The regular expression a decimal string of the API matches (published in the schema).
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
MAX_PARAMETER_CHARS = 64  # a date-time parameter longer than this is refused unread


def _decimal(value: Decimal | int | str) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


@overload
def decimal_text(value: None) -> None: ...
@overload
def decimal_text(value: Decimal | int | str) -> str: ...
def decimal_text(value: Decimal | int | str | None) -> str | None:
    """Plain notation, every significant digit, no exponent, no trailing zeros:
    Decimal("1.020000000000000000") -> "1.02", Decimal("1E+3") -> "1000"; None stays None."""
    if value is None:
        return None
    text = format(_decimal(value).normalize(WIDE), "f")
    return "0" if text in {"-0", ""} else text


def scaled_text(raw: Decimal | int, decimals: int) -> str:
    """An integer amount in a token's smallest unit as whole tokens, exactly:
    scaled_text(1500000000000000000, 18) -> "1.5"."""
    return decimal_text(Decimal(raw).scaleb(-decimals, context=WIDE))


def plain_text(value: Decimal | int | str | None) -> str:
    """decimal_text for pages: an em dash when the figure is missing."""
    if value is None or value == "":
        return MISSING
    return decimal_text(value)


def grouped_text(value: Decimal | int | str | None) -> str:
    """Like plain_text, exact to the last digit, with thousands separators: 17,059,629.3737."""
    text = plain_text(value)
    if text == MISSING:
        return text
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-')):,}"
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def money_text(value: Decimal | int | str | None, places: int | None = None) -> str:
    """An amount with thousands separators: `places` decimals, or by default as many as the
    value has between 2 and 6 (a price of 0.000123 keeps its digits, 228.5 shows 228.50)."""
    if value is None or value == "":
        return MISSING
    number = _decimal(value)
    if places is None:
        exponent = number.normalize(WIDE).as_tuple().exponent
        places = max(2, min(-int(exponent), 6))
    return f"{number.quantize(Decimal(1).scaleb(-places), context=WIDE):,}"


def percent_text(ratio: Decimal | int | str | None) -> str:
    """A ratio as a percentage with two decimals: 1.0004 -> "100.04 %"."""
    if ratio is None or ratio == "":
        return MISSING
    return f"{(_decimal(ratio) * 100).quantize(Decimal('0.01'), context=WIDE)} %"


def signed_text(value: Decimal | int | str | None) -> str:
    """A change with its sign and thousands separators: +1,234.5, -0.25, 0."""
    if value is None or value == "":
        return MISSING
    number = _decimal(value)
    return f"+{number:,}" if number > 0 else f"{number:,}"


# --- date-time parameters -------------------------------------------------------------

_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})", re.ASCII)
_DATETIME = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[Tt]"
    r"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?:\.(?P<f>\d+))?"
    r"(?P<tz>[Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)
SINCE_FORMAT = (
    "a date (2025-01-31, from midnight UTC) or an RFC 3339 date-time "
    "(2025-01-31T14:30:00Z, 2025-01-31T14:30:00.5+01:00)"
)


def parse_since(text: str | None, *, name: str = "since") -> dt.datetime | None:
    """A date or RFC 3339 date-time query parameter as an aware UTC datetime; None when
    absent.

    Raises ValueError with a short reason for anything else: an impossible date
    (2024-02-30), hour (T25:00:00Z) or offset (+99:00), a date-time without seconds or
    offset (2024-01-01T10:00), or text that is neither. A moment
    outside the years 1 to 9999 once moved to UTC is clamped to the first or last
    representable one, which selects the same rows.
    """
    if text is None:
        return None
    if len(text) > MAX_PARAMETER_CHARS:
        raise ValueError(f"{name}: longer than {MAX_PARAMETER_CHARS} characters")
    # An unencoded "+" in a query string arrives as a space: "…T10:00:00 01:00" is +01:00.
    value = text
    if re.fullmatch(r".+[Tt]\d{2}:\d{2}:\d{2}(\.\d+)? \d{2}:\d{2}", value, re.ASCII):
        value = value[: value.rfind(" ")] + "+" + value[value.rfind(" ") + 1 :]
    shown = text if len(text) <= 40 else text[:40] + "…"
    date_match = _DATE.fullmatch(value)
    match = date_match or _DATETIME.fullmatch(value)
    if match is None:
        raise ValueError(f"{name}={shown!r} is not {SINCE_FORMAT}")
    parts = match.groupdict()
    try:
        day = dt.date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
    except ValueError:
        raise ValueError(f"{name}={shown!r}: no such date") from None
    if date_match:
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    try:
        clock = dt.time(
            int(parts["H"]),
            int(parts["M"]),
            int(parts["S"]),
            int((parts["f"] or "0").ljust(6, "0")[:6]),
        )
    except ValueError:
        raise ValueError(f"{name}={shown!r}: no such time of day") from None
    offset = dt.UTC
    tz = parts["tz"]
    if tz not in {"Z", "z"}:
        hours, minutes = int(tz[1:3]), int(tz[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"{name}={shown!r}: no such UTC offset {tz} (at most ±23:59)")
        delta = dt.timedelta(hours=hours, minutes=minutes)
        offset = dt.timezone(-delta if tz[0] == "-" else delta)
    moment = dt.datetime.combine(day, clock)
    try:
        return (moment - (offset.utcoffset(None) or dt.timedelta())).replace(tzinfo=dt.UTC)
    except OverflowError:  # before year 1 or after 9999 in UTC
        if moment.year == 1:
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        return dt.datetime.max.replace(tzinfo=dt.UTC)


MAX_PAGE = 100_000  # page numbers beyond this are refused, not clamped
_WHOLE = re.compile(r"[0-9]{1,9}")


def whole_number(
    text: str | None, *, name: str, default: int, low: int, high: int, empty_ok: bool = True
) -> int:
    """A query parameter that must be a whole number from `low` to `high` (the default when
    absent, or empty where `empty_ok`: an HTML form sends empty fields); ValueError with
    the reason for anything else (1e20, -1, 2.5, 10**20)."""
    if text is None or (text == "" and empty_ok):
        return default
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise ValueError(
            gettext("%(name)s=%(shown)r must be a whole number from %(low)s to %(high)s")
            % {"name": name, "shown": shown, "low": low, "high": f"{high:,}"}
        )
    return int(text)
