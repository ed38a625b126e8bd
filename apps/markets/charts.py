"""The token chart: token price, fair value and oracle rounds as a plotly figure, built with
plotly.graph_objects and sent to plotly.js as its JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import plotly.graph_objects as go
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from apps.catalog.models import Token
from apps.chains.models import OracleRound
from apps.core.formatting import decimal_text

from .models import Bar

RANGES: dict[str, dt.timedelta | None] = {
    "1D": dt.timedelta(days=1),
    "1W": dt.timedelta(weeks=1),
    "1M": dt.timedelta(days=31),
    "1Y": dt.timedelta(days=366),
    "All": None,
}
MINUTE, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)
MAX_POINTS = 400  # per series: plenty for a chart a page wide, small to send
Point = tuple[dt.datetime, Decimal]


def finest_series(bars: Sequence[Bar]) -> list[Point]:
    """Closes at the finest resolution available for each moment: 1-minute bars where kept,
    hourly bars before those, daily bars before the hourly ones."""
    by_interval: dict[str, list[Bar]] = {"1m": [], "1h": [], "1d": []}
    for bar in bars:
        by_interval[bar.interval].append(bar)
    points: list[Point] = []
    limit: dt.datetime | None = None
    for interval, length in (("1m", MINUTE), ("1h", HOUR), ("1d", DAY)):
        # A coarser bar counts only where it ends before the finer bars begin.
        chosen = [b for b in by_interval[interval] if limit is None or b.start + length <= limit]
        points = [(b.last_time, b.close) for b in chosen] + points
        if chosen:
            limit = min(b.start for b in chosen)
    points.sort()
    return points


def downsample(points: Sequence[Point], limit: int = MAX_POINTS) -> list[Point]:
    """At most `limit` points: the last point of each of `limit` equal slices of time."""
    if len(points) <= limit:
        return list(points)
    first, last = points[0][0], points[-1][0]
    span = (last - first) / limit
    kept: dict[int, Point] = {}
    for point in points:
        slot = min(int((point[0] - first) / span), limit - 1) if span else 0
        kept[slot] = point
    return [kept[k] for k in sorted(kept)]


def _trace(name: str, points: Sequence[Point], **extra: object) -> go.Scatter:
    return go.Scatter(
        name=name,
        x=[p[0].isoformat() for p in points],
        # Prices go out as strings: JSON numbers would be read as floats on the way.
        y=[decimal_text(p[1]) for p in points],
        **extra,
    )


def token_figure(token: Token, *, range_: str = "1D", now: dt.datetime | None = None) -> go.Figure:
    """A plotly figure for one token over a range (1D, 1W, 1M, 1Y, All): three queries."""
    if range_ not in RANGES:
        raise ValueError(f"range must be one of {', '.join(RANGES)}")
    now = now or timezone.now()
    span = RANGES[range_]
    since = now - span if span else None
    window = Q(start__gte=since - dt.timedelta(days=1)) if since else Q()
    bars = list(
        Bar.objects.filter(window, Q(token=token) | Q(security_id=token.security_id)).order_by(
            "start"
        )
    )
    token_points = finest_series([b for b in bars if b.token_id])
    fair_points = [
        (at, price * token.multiplier)
        for at, price in finest_series([b for b in bars if b.security_id])
    ]
    rounds = OracleRound.objects.filter(feed__token=token).order_by("updated_at")
    if since:
        rounds = rounds.filter(updated_at__gte=since)
    oracle_points = [(r.updated_at, r.answer) for r in rounds.only("updated_at", "answer")]

    def clip(points: list[Point]) -> list[Point]:
        return downsample([p for p in points if since is None or p[0] >= since])

    return go.Figure(
        data=[
            _trace(
                gettext("%(symbol)s price") % {"symbol": token.symbol},
                clip(token_points),
                mode="lines",
            ),
            _trace(gettext("Fair value"), clip(fair_points), mode="lines", line={"dash": "dot"}),
            _trace(
                gettext("Oracle rounds"), clip(oracle_points), mode="markers", marker={"size": 6}
            ),
        ],
        layout=go.Layout(
            template="none",
            margin={"l": 50, "r": 10, "t": 10, "b": 40},
            height=320,
            xaxis={"type": "date"},
            yaxis={"title": {"text": "USD"}, "type": "linear", "tickformat": ",.2f"},
            legend={"orientation": "h", "y": -0.2},
            hovermode="x unified",
        ),
    )


def token_chart(token: Token, *, range_: str = "1D", now: dt.datetime | None = None) -> dict:
    """token_figure() as the JSON-ready dict plotly.js draws (data and layout)."""
    return token_figure(token, range_=range_, now=now).to_plotly_json()
