"""Prices as open data: decimal strings, RFC 3339 times, the session as an enum."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import DecimalTextField

from .models import Bar, OracleReport, Quote
from .oracle import OracleStatus
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


MARKET_STATUS_CHOICES = [
    ("unknown", "0: unknown"),
    ("closed", "1: closed"),
    ("open", "2: open"),
    ("other", "a code the schema does not define"),
]


class OracleReportSerializer(serializers.Serializer):
    """A Chainlink Data Streams v10 report as decoded: every value exact, times in UTC."""

    observed_at = serializers.DateTimeField(help_text="observationsTimestamp.")
    valid_from = serializers.DateTimeField(help_text="validFromTimestamp.")
    expires_at = serializers.DateTimeField(help_text="expiresAt: last time it verifies on chain.")
    last_update_at = serializers.DateTimeField(
        allow_null=True, help_text="lastUpdateTimestamp: when `price` last changed."
    )
    price = DecimalTextField(help_text="Last trade of the underlying, USD.")
    tokenized_price = DecimalTextField(
        allow_null=True, help_text="24/7 price of the token on trading venues, USD."
    )
    market_status = serializers.SerializerMethodField()
    market_status_code = serializers.IntegerField(source="market_status", min_value=0)
    current_multiplier = DecimalTextField(allow_null=True, help_text="Shares per token now.")
    new_multiplier = DecimalTextField(
        allow_null=True, help_text="Shares per token from activation_at (0: none scheduled)."
    )
    activation_at = serializers.DateTimeField(allow_null=True)
    verification = serializers.ChoiceField(
        choices=OracleReport.Verification.choices,
        help_text="verified: signed by enough of the configured DON signers; unverified: "
        "well-formed and signed, but no signer set is configured to check against.",
    )
    signers = serializers.ListField(
        child=serializers.CharField(), help_text="Addresses recovered from the signatures."
    )
    demo = serializers.BooleanField(help_text="Served by the local demo endpoint (demo key).")
    feed_id = serializers.CharField()
    config_digest = serializers.CharField()
    epoch = serializers.IntegerField(min_value=0)
    round = serializers.IntegerField(min_value=0)
    full_report = serializers.CharField(
        help_text="The signed report (0x hex) as the API answered it: decode and verify it."
    )

    @extend_schema_field(serializers.ChoiceField(choices=MARKET_STATUS_CHOICES))
    def get_market_status(self, report: OracleReport) -> str:
        return {0: "unknown", 1: "closed", 2: "open"}.get(report.market_status, "other")


class ChainMultiplierSerializer(serializers.Serializer):
    chain = serializers.CharField(source="chain.chain_slug")
    chain_name = serializers.CharField(source="chain.chain_name")
    multiplier = DecimalTextField(source="chain.multiplier")
    read = serializers.BooleanField(
        source="chain.read",
        help_text="False: the chain's reading carries no multiplier and 1 is assumed.",
    )
    observed_at = serializers.DateTimeField(source="chain.observed_at")
    agrees = serializers.BooleanField(help_text="The oracle's current multiplier is this one.")


class OracleStatusSerializer(serializers.Serializer):
    """A token's latest oracle report beside the site's own figures."""

    symbol = serializers.CharField()
    feed_id = serializers.CharField(help_text="The token's Data Streams v10 feed.")
    report = OracleReportSerializer(allow_null=True, help_text="null before the first.")
    age_seconds = serializers.SerializerMethodField()
    stale = serializers.BooleanField(
        help_text="Older than MARKETS_DATASTREAMS_MAX_AGE_SECONDS: shown, judged no more."
    )
    session_at_report = serializers.ChoiceField(
        source="session.state",
        choices=SESSION_CHOICES,
        allow_null=True,
        help_text="The NYSE session the site computes at the report's observation time.",
    )
    chains = ChainMultiplierSerializer(many=True)
    market_status_disagrees = serializers.BooleanField(source="status_disagrees")
    multiplier_disagrees = serializers.BooleanField()
    disagrees = serializers.BooleanField(
        help_text="A fresh report contradicts the session or a chain's multiplier."
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=0))
    def get_age_seconds(self, status: OracleStatus) -> int | None:
        return None if status.age is None else max(int(status.age.total_seconds()), 0)


class OracleListSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    count = serializers.IntegerField()
    results = OracleStatusSerializer(many=True)
