from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import DECIMAL_SCHEMA
from apps.core.formatting import WIDE, scaled_text

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
