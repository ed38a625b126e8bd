"""Reads of chain data for pages and other apps."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch

from apps.catalog.models import Chain
from apps.core.models import JobRun

from .models import SupplyObservation


def latest_supply_prefetch(lookup: str = "deployments__supply_observations") -> Prefetch:
    """Each deployment's latest supply reading as `deployment.latest_supply` (a list of 0 or
    1 observation), for Token or Deployment querysets: one query for all deployments."""
    return Prefetch(
        lookup,
        queryset=SupplyObservation.objects.latest_per_deployment(),
        to_attr="latest_supply",
    )


def latest_runs(chains: Iterable[Chain]) -> dict[tuple[int | None, str], JobRun]:
    """{(chain id or None, job): the latest run} of every job, in one query.

    Runs are scoped by chain slug; jobs that run for no chain (the price sync) are keyed
    by None. Each run gets its `chain` attribute (None for those).
    """
    by_slug = {c.slug: c for c in chains}
    out: dict[tuple[int | None, str], JobRun] = {}
    for run in JobRun.objects.latest_per_job_and_scope():
        chain = by_slug.get(run.scope) if run.scope else None
        if run.scope and chain is None:
            continue  # a run of a job that is not a chain's, or of a chain since removed
        run.chain = chain
        out[(chain.pk if chain else None, run.job)] = run
    return out
