"""Prices as open data: decimal strings, RFC 3339 times, the session as an enum."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import DecimalTextField

from .models import Bar, Quote
from .selectors import TokenPrice
from .sessions import LABELS, State

SESSION_CHOICES = [(state.value, LABELS[state]) for state in State]


class TokenPriceSerializer(serializers.Serializer):
    """A token's latest price, fair value and premium; a price older than its source
    allows is `stale`, never live."""

    symbol = serializers.CharField()
    underlying = serializers.CharField(source="security.ticker", help_text="Ticker.")
    multiplier = DecimalTextField(help_text="Shares per token.")
    price = DecimalTextField(source="market.price", allow_null=True, help_text="USD.")
    as_of = serializers.DateTimeField(source="market.as_of", allow_null=True)
    age_seconds = serializers.SerializerMethodField()
    stale = serializers.BooleanField(source="market.stale")
    source = serializers.SerializerMethodField()
    fair_value = DecimalTextField(
        source="market.fair_value",
        allow_null=True,
        help_text="Underlying price x multiplier, USD.",
    )
    underlying_price = DecimalTextField(source="market.underlying_price", allow_null=True)
    underlying_as_of = serializers.DateTimeField(source="market.underlying_as_of", allow_null=True)
    underlying_stale = serializers.BooleanField(source="market.underlying_stale")
    premium_bps = DecimalTextField(
        source="market.premium_bps",
        allow_null=True,
        help_text="Price against fair value in basis points (negative: a discount).",
    )
    change_24h = DecimalTextField(source="market.change_24h", allow_null=True)
    change_24h_pct = DecimalTextField(source="market.change_24h_pct", allow_null=True)
    session = serializers.ChoiceField(source="market.session.state", choices=SESSION_CHOICES)

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=0))
    def get_age_seconds(self, token: object) -> int | None:
        price: TokenPrice = token.market  # type: ignore[attr-defined]
        return None if price.age is None else max(int(price.age.total_seconds()), 0)

    @extend_schema_field(serializers.ChoiceField(choices=Quote.Source.choices, allow_null=True))
    def get_source(self, token: object) -> str | None:
        return token.market.source or None  # type: ignore[attr-defined]


class LatestPricesSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    session = serializers.ChoiceField(
        choices=SESSION_CHOICES, allow_null=True, help_text="NYSE session now."
    )
    next_open = serializers.DateTimeField(allow_null=True, help_text="Next NYSE regular open.")
    count = serializers.IntegerField()
    results = TokenPriceSerializer(many=True)


class BarSerializer(serializers.ModelSerializer):
    open = DecimalTextField()
    high = DecimalTextField()
    low = DecimalTextField()
    close = DecimalTextField()
    quotes = serializers.IntegerField(source="count", help_text="Quotes in the bar.")

    class Meta:
        model = Bar
        fields = ["start", "open", "high", "low", "close", "quotes"]


class PriceHistorySerializer(serializers.Serializer):
    symbol = serializers.CharField()
    interval = serializers.ChoiceField(choices=Bar.Interval.choices)
    since = serializers.DateTimeField(allow_null=True)
    truncated = serializers.BooleanField(
        help_text="More bars follow: ask again with `since` after the last one."
    )
    bars = BarSerializer(many=True)
