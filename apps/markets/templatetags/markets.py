from __future__ import annotations

import datetime as dt

from django import template
from django.template.context import Context

from apps.catalog.models import Token
from apps.markets.calculator import calculate
from apps.markets.charts import RANGES, token_chart
from apps.markets.oracle import OracleStatus, oracle_status, oracle_statuses
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


@register.simple_tag
def token_oracle(token: Token) -> OracleStatus | None:
    """The price oracle beside the site's figures for one token page: one query when the
    token has no Data Streams feed, three with one."""
    return oracle_status(token.pk)


@register.simple_tag
def oracle_overview() -> list[OracleStatus]:
    """Every token with a Data Streams feed, by symbol: three queries at most."""
    return list(oracle_statuses().values())
