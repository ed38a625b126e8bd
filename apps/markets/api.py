"""Prices API: latest prices of every token, and bars of one token."""

from __future__ import annotations

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Token

from .models import Bar
from .selectors import attach_prices, with_prices
from .views import cached_body, conditional

MAX_BARS = 2000  # per answer; ask again with a later `since` for more
DEFAULT_SPAN = {"1m": dt.timedelta(days=1), "1h": dt.timedelta(days=31), "1d": None}


def latest_prices_body() -> bytes:
    """Every token's latest price as JSON bytes: one query."""
    now = timezone.now()
    tokens = attach_prices(
        with_prices(Token.objects.select_related("security").order_by("symbol"), now=now),
        now=now,
    )
    rows = [
        {
            "symbol": t.symbol,
            "underlying": t.security.ticker,
            "multiplier": format(t.multiplier.normalize(), "f"),
            **t.market.as_dict(),
        }
        for t in tokens
    ]
    session = tokens[0].market.session if tokens else None
    body = {
        "as_of": now.isoformat(),
        "session": session.state.value if session else None,
        "next_open": session.next_open.isoformat() if session else None,
        "count": len(rows),
        "results": rows,
    }
    return json.dumps(body, cls=DjangoJSONEncoder).encode()


class LatestPricesView(APIView):
    """Latest price of every token, its fair value, premium in basis points, the session
    and the age of the data. Served from a short cache, refreshed on every new quote;
    conditional GET with ETag. Decimals are strings."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        body = cached_body("api-latest", latest_prices_body)
        return conditional(request, body, "application/json")


class TokenPricesView(APIView):
    """Bars of one token (open, high, low, close) at ?interval=1m|1h|1d since ?since=."""

    @extend_schema(
        parameters=[
            OpenApiParameter("interval", str, enum=["1m", "1h", "1d"], default="1h"),
            OpenApiParameter("since", OpenApiTypes.DATETIME, required=False),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, symbol: str) -> Response:
        token = get_object_or_404(Token, symbol=symbol)
        interval = request.query_params.get("interval", "1h")
        if interval not in DEFAULT_SPAN:
            return Response({"interval": "must be 1m, 1h or 1d"}, status=400)
        since_text = request.query_params.get("since")
        if since_text:
            since = parse_datetime(since_text)
            if since is None and (day := parse_date(since_text)):
                since = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            if since is None:
                return Response({"since": "must be an ISO 8601 date or time"}, status=400)
            if timezone.is_naive(since):
                since = since.replace(tzinfo=dt.UTC)
        else:
            span = DEFAULT_SPAN[interval]
            since = timezone.now() - span if span else None
        bars = Bar.objects.filter(token=token, interval=interval).order_by("start")
        if since:
            bars = bars.filter(start__gte=since)
        rows = list(bars[:MAX_BARS])

        def num(v):  # type: ignore[no-untyped-def]
            return format(v.normalize(), "f")

        return Response(
            {
                "symbol": token.symbol,
                "interval": interval,
                "since": since.isoformat() if since else None,
                "truncated": len(rows) == MAX_BARS,
                "bars": [
                    {
                        "start": b.start.isoformat(),
                        "open": num(b.open),
                        "high": num(b.high),
                        "low": num(b.low),
                        "close": num(b.close),
                        "quotes": b.count,
                    }
                    for b in rows
                ],
            }
        )
