from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.template.context import Context

from apps.catalog.models import Token
from apps.markets.calculator import calculate
from apps.markets.charts import RANGES, token_chart
from apps.markets.selectors import age_text, token_price

register = template.Library()


@register.simple_tag(takes_context=True)
def token_market(context: Context, token: Token) -> dict[str, object]:
    """Everything the price block of a token page shows: four queries."""
    request = context.get("request")
    price = token_price(token)
    usd = request.GET.get("usd") if request is not None else None
    return {
        "price": price,
        "figure": token_chart(token, range_="1D"),
        "ranges": list(RANGES),
        "calc": calculate(usd, price.price),
    }


@register.filter
def duration(value: dt.timedelta | None) -> str:
    return "" if value is None else age_text(value)


@register.filter
def plain(value: Decimal | None) -> str:
    """A Decimal without exponent or trailing zeros; an em dash for none."""
    if value is None:
        return "—"
    return format(value.normalize(), "f")


@register.filter
def money(value: Decimal | None) -> str:
    """A price with thousands separators and at least two decimals."""
    if value is None:
        return "—"
    places = max(2, min(-value.normalize().as_tuple().exponent, 6))  # type: ignore[operator]
    return f"{value.quantize(Decimal(1).scaleb(-places)):,}"


@register.filter
def signed(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"+{value:,}" if value > 0 else f"{value:,}"
