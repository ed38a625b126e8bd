"""Prices API: latest prices of every token, and bars of one token."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Token
from apps.catalog.versions import CATALOG_VERSION_KEY
from apps.chains.versions import SUPPLY_VERSION_KEY
from apps.core.api import SINCE_PARAMETER, SYMBOL_PARAMETER, error_responses
from apps.core.formatting import parse_since
from apps.core.public_cache import public_cache

from . import examples
from .models import Bar
from .oracle import oracle_statuses
from .selectors import attach_prices, with_prices
from .serializers import LatestPricesSerializer, OracleListSerializer, PriceHistorySerializer
from .services import ORACLE_REPORTS_VERSION_KEY, PRICES_VERSION_KEY

MAX_BARS = 2000  # per answer; ask again with a later `since` for more
DEFAULT_SPAN = {"1m": dt.timedelta(days=1), "1h": dt.timedelta(days=31), "1d": None}
cached = method_decorator(public_cache(CATALOG_VERSION_KEY, PRICES_VERSION_KEY))


def latest_prices() -> dict:
    """Every token's latest price, the session and the time: one query."""
    now = timezone.now()
    tokens = attach_prices(
        with_prices(Token.objects.select_related("security").order_by("symbol"), now=now),
        now=now,
    )
    session = tokens[0].market.session if tokens else None
    body = {
        "as_of": now,
        "session": session.state.value if session else None,
        "next_open": session.next_open if session else None,
        "count": len(tokens),
        "results": tokens,
    }
    return body


class LatestPricesView(APIView):
    """Latest price of every token, its fair value, premium in basis points, the session
    and the age of the data. Cached whole until a new quote; conditional GET with ETag.
    Decimals are strings."""

    @extend_schema(
        summary="Latest price of every token",
        responses={200: LatestPricesSerializer, **error_responses()},
        examples=[
            OpenApiExample(
                "one token", value=examples.LATEST, response_only=True, status_codes=["200"]
            )
        ],
    )
    @cached
    def get(self, request: Request) -> Response:
        return Response(LatestPricesSerializer(latest_prices()).data)


class TokenPricesView(APIView):
    """Bars of one token (open, high, low, close) at ?interval=1m|1h|1d since ?since=."""

    @extend_schema(
        summary="Price bars of one token",
        parameters=[
            SYMBOL_PARAMETER,
            OpenApiParameter(
                "interval",
                str,
                enum=list(DEFAULT_SPAN),
                default="1h",
                description="Bar length: 1 minute, 1 hour or 1 day.",
            ),
            SINCE_PARAMETER,
        ],
        description=(
            f"At most {MAX_BARS:,} bars, oldest first; without `since`, the last day of "
            "1-minute bars, the last 31 days of hourly bars or every daily bar."
        ),
        responses={
            200: PriceHistorySerializer,
            **error_responses(not_found=True, bad_request=True),
        },
        examples=[
            OpenApiExample("hourly", value=examples.BARS, response_only=True, status_codes=["200"])
        ],
    )
    @cached
    def get(self, request: Request, symbol: str) -> Response:
        token = get_object_or_404(Token, symbol=symbol)
        interval = request.query_params.get("interval", "1h")
        if interval not in DEFAULT_SPAN:
            raise ValidationError({"interval": ["must be 1m, 1h or 1d"]})
        try:
            since = parse_since(request.query_params.get("since"))
        except ValueError as exc:
            raise ValidationError({"since": [str(exc)]}) from None
        if since is None:
            span = DEFAULT_SPAN[interval]
            since = timezone.now() - span if span else None
        bars = Bar.objects.filter(token=token, interval=interval).order_by("start")
        if since:
            bars = bars.filter(start__gte=since)
        rows = list(bars[:MAX_BARS])
        body = {
            "symbol": token.symbol,
            "interval": interval,
            "since": since,
            "truncated": len(rows) == MAX_BARS,
            "bars": rows,
        }
        return Response(PriceHistorySerializer(body).data)


class OracleView(APIView):
    """Every token with a Chainlink Data Streams feed: its latest report (market status,
    multipliers, prices, signers, the signed report itself) beside the NYSE session and
    the multiplier each chain applies, and whether they disagree."""

    @extend_schema(
        summary="The price oracle beside the site's figures",
        description=(
            "A token's latest Data Streams v10 report disagrees when its market status "
            "contradicts the NYSE session at the report's time (open with no session at all, "
            "closed during the regular session, five minutes of grace around an open or a "
            "close) or its current multiplier differs from a chain's. A report older than the "
            "allowed age is `stale` and judged no more. At most three queries."
        ),
        responses={200: OracleListSerializer, **error_responses()},
        examples=[
            OpenApiExample(
                "one token", value=examples.ORACLE, response_only=True, status_codes=["200"]
            )
        ],
    )
    @method_decorator(
        public_cache(CATALOG_VERSION_KEY, ORACLE_REPORTS_VERSION_KEY, SUPPLY_VERSION_KEY)
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        statuses = list(oracle_statuses(now=now).values())
        body = {"as_of": now, "count": len(statuses), "results": statuses}
        return Response(OracleListSerializer(body).data)
