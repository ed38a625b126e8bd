from __future__ import annotations

import datetime as dt

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
