"""Reads of chain data for pages and other apps."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import SupplyObservation


def latest_supply_prefetch(lookup: str = "deployments__supply_observations") -> Prefetch:
    """Each deployment's latest supply reading as `deployment.latest_supply` (a list of 0 or
    1 observation), for Token or Deployment querysets: one query for all deployments."""
    return Prefetch(
        lookup,
        queryset=SupplyObservation.objects.latest_per_deployment(),
        to_attr="latest_supply",
    )
