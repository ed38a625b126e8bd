from __future__ import annotations

from rest_framework import serializers

from .models import SupplyObservation


class SupplySerializer(serializers.ModelSerializer):
    """A deployment's supply at a block; amounts as decimal strings in whole tokens."""

    supply = serializers.SerializerMethodField()
    circulating = serializers.SerializerMethodField()
    stale = serializers.SerializerMethodField()

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

    def get_supply(self, obs: SupplyObservation) -> str:
        return format(obs.supply.normalize(), "f")

    def get_circulating(self, obs: SupplyObservation) -> str:
        return format(obs.circulating.normalize(), "f")

    def get_stale(self, obs: SupplyObservation) -> bool:
        return obs.stale
