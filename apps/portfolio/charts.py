"""The portfolio's value over time as a plotly figure (drawn by static/js/portfolio.js)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import gettext

from apps.core.formatting import decimal_text

Point = tuple[dt.datetime, Decimal]
CENTS = Decimal("0.01")


def value_series(
    quantities: Mapping[int, Decimal], prices: Mapping[int, Sequence[Point]]
) -> list[Point]:
    """Sum over holdings of quantity x the last price at or before each moment, from the
    first moment every holding has a price. `prices` per key are oldest first. Linear in
    the number of price points: the total is moved by each price change, never re-summed."""
    keys = [k for k in quantities if prices.get(k)]
    if not keys:
        return []
    start = max(prices[k][0][0] for k in keys)
    events = sorted((at, k, price) for k in keys for at, price in prices[k])
    last: dict[int, Decimal] = {}
    total = Decimal(0)
    points: list[Point] = []
    for at, key, price in events:
        total += quantities[key] * (price - last.get(key, Decimal(0)))
        last[key] = price
        if at >= start:
            if points and points[-1][0] == at:
                points[-1] = (at, total)
            else:
                points.append((at, total))
    return points


def value_figure(points: Sequence[Point]) -> go.Figure:
    """Value in USD over time; amounts go out as exact strings, never floats."""
    return go.Figure(
        data=[
            go.Scatter(
                x=[p[0].isoformat() for p in points],
                y=[decimal_text(p[1].quantize(CENTS)) for p in points],
                mode="lines",
                name=gettext("value"),
                hovertemplate="%{y} USD<extra></extra>",
            )
        ],
        layout=go.Layout(
            template="none",
            height=320,
            margin={"t": 10, "r": 10, "b": 40, "l": 70},
            xaxis={"type": "date"},
            yaxis={"title": {"text": "USD"}, "type": "linear", "tickformat": ",.2f"},
            showlegend=False,
        ),
    )
