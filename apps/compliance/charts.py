"""The access-log chart, built with plotly's Python API and drawn by plotly.js from static/."""

from __future__ import annotations

import json

import plotly.graph_objects as go


def refusals_figure(series: dict[str, tuple[list[str], list[int]]]) -> dict:
    """A stacked bar chart of refused requests per country per day, as plotly JSON."""
    figure = go.Figure(
        data=[go.Bar(name=country, x=days, y=values) for country, (days, values) in series.items()],
        layout=go.Layout(
            barmode="stack",
            margin={"t": 10, "r": 10, "b": 40, "l": 40},
            xaxis={"type": "date"},
            yaxis={"title": {"text": "refusals"}},
            height=320,
            template="none",  # no theme: keeps the page small, plotly.js styles it
        ),
    )
    # to_json, then back: plain lists and dicts that json_script can embed.
    return json.loads(figure.to_json())
