from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import DECIMAL_SCHEMA
from apps.core.formatting import WIDE, decimal_text, scaled_text

from .models import SupplyObservation


class SupplySerializer(serializers.ModelSerializer):
    """A deployment's supply at a block; amounts as decimal strings in whole tokens."""

    block_hash = serializers.CharField(help_text="Empty when the chain did not report it.")
    supply = serializers.SerializerMethodField(help_text="Total supply in whole tokens.")
    circulating = serializers.SerializerMethodField(
        help_text="Supply outside bridge escrows, in whole tokens."
    )
    stale = serializers.SerializerMethodField(
        help_text="True when the reading is older than the chain's allowed age."
    )
    multiplier = serializers.SerializerMethodField(
        help_text=(
            "The multiplier the chain reports at this block: the issuer contract's "
            "multiplier() on EVM chains, the Token-2022 scaled-UI multiplier in force on "
            "Solana; 1 for a token that has none (multiplier_source none)."
        )
    )
    multiplier_source = serializers.SerializerMethodField(
        help_text=(
            "contract: EVM multiplier(), already counted in supply; scaled_ui: Token-2022 "
            "ScaledUiAmount, supply x multiplier is the UI amount; none: a plain token."
        )
    )
    underlying_supply = serializers.SerializerMethodField(
        help_text="Total supply in underlying units as the chain counts it (supply x the "
        "multiplier the raw supply does not already count)."
    )
    paused = serializers.BooleanField(
        allow_null=True,
        help_text="isPaused() of the contract or the mint's Pausable extension; null: none.",
    )
    new_multiplier = serializers.SerializerMethodField(
        help_text="A multiplier the chain has scheduled, as read (null: none)."
    )
    new_multiplier_at = serializers.DateTimeField(
        allow_null=True, help_text="When the scheduled multiplier takes effect."
    )

    class Meta:
        model = SupplyObservation
        fields = [
            "block_number",
            "block_hash",
            "block_time",
            "observed_at",
            "supply",
            "circulating",
            "decimals",
            "stale",
            "multiplier",
            "multiplier_source",
            "underlying_supply",
            "paused",
            "new_multiplier",
            "new_multiplier_at",
        ]

    @extend_schema_field(DECIMAL_SCHEMA)
    def get_supply(self, obs: SupplyObservation) -> str:
        # Scaled exactly: a uint256 has more digits than the default decimal context keeps.
        return scaled_text(obs.raw_supply, obs.decimals)

    @extend_schema_field(DECIMAL_SCHEMA)
    def get_circulating(self, obs: SupplyObservation) -> str:
        return scaled_text(WIDE.subtract(obs.raw_supply, obs.escrow_balance), obs.decimals)

    def get_stale(self, obs: SupplyObservation) -> bool:
        return obs.stale

    @extend_schema_field(DECIMAL_SCHEMA)
    def get_multiplier(self, obs: SupplyObservation) -> str:
        return decimal_text(Decimal(1) if obs.multiplier is None else obs.multiplier)

    @extend_schema_field({"type": "string", "enum": ["contract", "scaled_ui", "none"]})
    def get_multiplier_source(self, obs: SupplyObservation) -> str:
        if obs.multiplier is None:
            return "none"
        return "contract" if obs.supply_is_underlying else "scaled_ui"

    @extend_schema_field(DECIMAL_SCHEMA)
    def get_underlying_supply(self, obs: SupplyObservation) -> str:
        if obs.amount_multiplier == 1:
            return scaled_text(obs.raw_supply, obs.decimals)
        return decimal_text(WIDE.multiply(obs.supply, obs.amount_multiplier))

    @extend_schema_field({**DECIMAL_SCHEMA, "nullable": True})
    def get_new_multiplier(self, obs: SupplyObservation) -> str | None:
        return None if obs.new_multiplier is None else decimal_text(obs.new_multiplier)
