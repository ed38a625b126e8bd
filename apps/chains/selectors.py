"""Reads of chain observations for the pages and APIs that compose them."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import SupplyObservation


def latest_supply_prefetch(prefix: str = "") -> Prefetch:
    """Each deployment's latest supply reading as `deployment.latest_supply` (a list of 0 or
    1 observation): one query for any number of deployments.

    On a Deployment queryset use it as is; through another model pass the path to the
    deployments, e.g. `Token.objects.prefetch_related(latest_supply_prefetch("deployments__"))`.
    """
    return Prefetch(
        f"{prefix}supply_observations",
        queryset=SupplyObservation.objects.latest_per_deployment(),
        to_attr="latest_supply",
    )
