"""The backing ratio history chart of /transparency/<symbol>/ as a plotly figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import gettext

from apps.core.formatting import decimal_text


def ratio_figure(points: Sequence[tuple[dt.datetime, Decimal | None, str]]) -> go.Figure:
    """Ratio in percent over time (points oldest first, already downsampled), with the
    fully-backed line at 100 %. Percentages go out as exact strings, never floats."""
    x = [p[0].isoformat() for p in points]
    y = [None if p[1] is None else decimal_text(p[1] * 100) for p in points]
    return go.Figure(
        data=[
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                name=gettext("ratio %"),
                marker={"size": 4},
                customdata=[p[2] for p in points],
                hovertemplate="%{y} %<br>%{customdata}<extra></extra>",
            ),
            go.Scatter(
                x=[x[0], x[-1]] if x else [],
                y=["100", "100"] if x else [],
                mode="lines",
                name=gettext("fully backed"),
                line={"dash": "dot", "width": 1},
                hoverinfo="skip",
            ),
        ],
        layout=go.Layout(
            template="none",
            height=320,
            margin={"t": 10, "r": 10, "b": 40, "l": 50},
            xaxis={"type": "date"},
            yaxis={"title": {"text": "%"}, "type": "linear"},
            showlegend=False,
        ),
    )
