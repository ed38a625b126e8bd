"""Reads of chain data for pages and other apps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from apps.catalog.models import Chain, Deployment
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


@dataclass(frozen=True)
class DeploymentFreshness:
    deployment: Deployment
    latest: SupplyObservation | None
    stale: bool  # latest older than the chain's max age, or missing

    @property
    def missing(self) -> bool:
        return self.latest is None

    @property
    def no_node(self) -> bool:
        """Not read: no node is configured for the chain (neither stale nor never read)."""
        return not self.deployment.chain.has_node


def deployments_with_latest_supply(
    deployments: QuerySet[Deployment] | None = None,
) -> QuerySet[Deployment]:
    """Deployments annotated with their latest observation's id and time (one query)."""
    newest = SupplyObservation.objects.filter(deployment=OuterRef("pk")).order_by(
        "-observed_at", "-block_number"
    )
    qs = deployments if deployments is not None else Deployment.objects.all()
    return qs.select_related("token", "chain").annotate(
        latest_supply_id=Subquery(newest.values("pk")[:1]),
        latest_observed_at=Subquery(newest.values("observed_at")[:1]),
    )


def supply_freshness(
    deployments: QuerySet[Deployment] | None = None, *, now: dt.datetime | None = None
) -> list[DeploymentFreshness]:
    """For every deployment, its latest observation and whether it is stale: two queries."""
    now = now or timezone.now()
    rows = list(deployments_with_latest_supply(deployments).order_by("token__symbol", "chain"))
    latest = SupplyObservation.objects.in_bulk(
        [r.latest_supply_id for r in rows if r.latest_supply_id]
    )
    out = []
    for row in rows:
        obs = latest.get(row.latest_supply_id) if row.latest_supply_id else None
        if obs is not None:
            obs.deployment = row  # chain already loaded: is_stale() costs no query
        out.append(
            DeploymentFreshness(deployment=row, latest=obs, stale=obs is None or obs.is_stale(now))
        )
    return out


def stale_tokens(freshness: Iterable[DeploymentFreshness]) -> dict[str, list[DeploymentFreshness]]:
    """Token symbol -> its stale or unobserved deployments (a deployment on a chain without a
    node is not read at all, and counted apart: `not_read_by_chain`)."""
    out: dict[str, list[DeploymentFreshness]] = {}
    for f in freshness:
        if f.stale and not f.no_node:
            out.setdefault(f.deployment.token.symbol, []).append(f)
    return out


def not_read_by_chain(freshness: Iterable[DeploymentFreshness]) -> dict[Chain, int]:
    """Chain -> how many of its deployments are not read because it has no node."""
    out: dict[Chain, int] = {}
    for f in freshness:
        if f.no_node:
            out[f.deployment.chain] = out.get(f.deployment.chain, 0) + 1
    return out


@dataclass(frozen=True)
class ChainMultiplier:
    """The multiplier one chain applies to a token, from its latest supply reading."""

    chain_slug: str
    chain_name: str
    chain_kind: str
    multiplier: Decimal
    observed_at: dt.datetime
    read: bool  # False: the chain's reading carries no multiplier and 1 is assumed


def chain_multipliers(token_ids: Iterable[int]) -> dict[int, list[ChainMultiplier]]:
    """{token id: the multiplier of each deployment's latest supply reading}, one query.

    Solana: the Token-2022 scaled-UI-amount multiplier in force at the read slot (a mint
    without the extension: 1). EVM: the issuer contract's multiplier() at the read block (a
    plain ERC-20: 1, not read). Deployments never read are left out.
    """
    newest = SupplyObservation.objects.filter(deployment=OuterRef("pk")).order_by(
        "-observed_at", "-block_number"
    )
    rows = (
        Deployment.objects.filter(token_id__in=list(token_ids))
        .annotate(
            latest_multiplier=Subquery(newest.values("multiplier")[:1]),
            latest_ui_multiplier=Subquery(newest.values("ui_multiplier")[:1]),
            latest_observed_at=Subquery(newest.values("observed_at")[:1]),
        )
        .filter(latest_observed_at__isnull=False)
        .order_by("chain__name", "pk")
        .values_list(
            "token_id",
            "chain__slug",
            "chain__name",
            "chain__kind",
            "latest_multiplier",
            "latest_ui_multiplier",
            "latest_observed_at",
        )
    )
    out: dict[int, list[ChainMultiplier]] = {}
    for token_id, slug, name, kind, read_multiplier, ui_multiplier, observed_at in rows:
        # ExactDecimalField reads back through from_db_value only on the model field.
        # Readings recorded before the multiplier column carry only the Solana one.
        value = read_multiplier if read_multiplier is not None else ui_multiplier
        multiplier = None if value is None else Decimal(str(value))
        out.setdefault(token_id, []).append(
            ChainMultiplier(
                chain_slug=slug,
                chain_name=name,
                chain_kind=kind,
                multiplier=Decimal(1) if multiplier is None else multiplier,
                observed_at=observed_at,
                read=multiplier is not None or kind == Chain.Kind.SOLANA,
            )
        )
    return out
