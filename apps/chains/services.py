"""Sync services: read a chain through its client, record what it said, keep every run.

Writes are idempotent: observations are unique per (deployment, block) and rounds per
(feed, round id), so a re-run at the same block or round creates nothing. A failed
read records a failed JobRun with the client's message and writes no observation, so
the last good value stays.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from apps.catalog.models import Chain, Deployment, Token
from apps.core.models import JobRun
from apps.core.redaction import redact_url

from . import evm
from .models import OracleFeed, OracleRound, SupplyObservation
from .readings import ChainReadError, SupplySnapshot, SupplyTarget
from .signals import supply_synced

logger = logging.getLogger(__name__)

SUPPLY_JOB = "sync_supply"
ORACLE_JOB = "sync_oracles"
JOBS = (SUPPLY_JOB, ORACLE_JOB)


def _start(job: str, chain: Chain) -> JobRun:
    # The node is stored as scheme://host[:port]: never a key, user or path.
    return JobRun.start(job=job, scope=chain.slug, node=chain.effective_rpc_url)


def _fail(
    run: JobRun, message: str, *, chain: Chain, transient: bool = False, **counts: int
) -> JobRun:
    run.fail(message, secrets=(chain.effective_rpc_url,), **counts, transient=transient)
    logger.warning("%s: %s", run, run.error)
    return run


def _finish(run: JobRun, **counts: int) -> None:
    run.finish(**counts)


def _no_url(chain: Chain) -> str:
    return f"{chain.name}: no rpc_url configured (registry or RPC_URL_*)"


def read_chain_supplies(
    *, chain: Chain, targets: list[SupplyTarget], block: int | None = None
) -> SupplySnapshot:
    """Ask the chain's client for these supplies (EVM at a pinned block, Solana finalized)."""
    url = chain.effective_rpc_url
    if not url:
        raise ChainReadError(_no_url(chain))
    if chain.kind == Chain.Kind.EVM:
        if chain.chain_id is None:
            raise ChainReadError(
                f"{chain.name} ({redact_url(url)}): the registry gives no chain id"
            )
        return evm.read_supplies(
            rpc_url=url,
            chain_name=chain.name,
            expected_chain_id=chain.chain_id,
            targets=targets,
            confirmations=chain.confirmations,
            block=block,
            timeout=settings.CHAIN_RPC_TIMEOUT_SECONDS,
        )
    if chain.kind == Chain.Kind.SOLANA:
        # Imported here: the Solana client is optional for EVM-only installations.
        try:
            from apps.chains import solana
        except ImportError:
            raise ChainReadError(
                f"{chain.name} ({redact_url(url)}): no Solana client installed"
            ) from None

        return solana.read_supplies(
            rpc_url=url,
            chain_name=chain.name,
            targets=targets,
            timeout=settings.CHAIN_RPC_TIMEOUT_SECONDS,
        )
    raise ChainReadError(f"{chain.name}: unknown chain kind {chain.kind!r}")


def sync_supply(*, chain: Chain, token: Token | None = None) -> JobRun:
    """Read the supply of every deployment on `chain` (or only `token`'s) and record it.

    Returns the JobRun; a failed read returns it with status failed and the error, and
    `counts["transient"]` says whether retrying later may help.
    """
    run = _start(SUPPLY_JOB, chain)
    deployments = list(
        Deployment.objects.filter(chain=chain, **({"token": token} if token else {}))
        .select_related("token")
        .order_by("pk")
    )
    if not deployments:
        _finish(run, deployments=0, created=0, existing=0)
        return run
    targets = [SupplyTarget(d.address, tuple(d.escrow_addresses)) for d in deployments]
    try:
        snapshot = read_chain_supplies(chain=chain, targets=targets)
    except ChainReadError as exc:
        return _fail(
            run, str(exc), chain=chain, transient=exc.transient, deployments=len(deployments)
        )

    by_address = {r.address: r for r in snapshot.readings}
    missing = [d.address for d in deployments if d.address not in by_address]
    if missing:
        return _fail(
            run,
            chain=chain,
            message=f"{chain.name} ({run.node}): no reading for {', '.join(missing[:5])}"
            + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""),
            deployments=len(deployments),
        )

    block = snapshot.block
    now = timezone.now()
    with transaction.atomic():
        existing = set(
            SupplyObservation.objects.filter(
                deployment__in=deployments, block_number=block.number
            ).values_list("deployment_id", flat=True)
        )
        new = [
            SupplyObservation(
                deployment=d,
                block_number=block.number,
                block_hash=block.hash,
                block_time=block.time,
                raw_supply=by_address[d.address].raw_supply,
                escrow_balance=by_address[d.address].escrow_balance,
                decimals=by_address[d.address].decimals,
                ui_multiplier=by_address[d.address].ui_multiplier,
                observed_at=now,
                sync_run=run,
            )
            for d in deployments
            if d.pk not in existing
        ]
        # ignore_conflicts: a concurrent run at the same block must not fail this one.
        SupplyObservation.objects.bulk_create(new, ignore_conflicts=True)
        _finish(
            run,
            deployments=len(deployments),
            created=len(new),
            existing=len(existing),
            block=block.number,
            round_trips=snapshot.round_trips,
        )
        if new:
            token_ids = sorted({d.token_id for d in deployments if d.pk not in existing})
            transaction.on_commit(
                lambda: supply_synced.send(sender=JobRun, chain=chain, token_ids=token_ids)
            )
    return run


def sync_oracles(*, chain: Chain) -> JobRun:
    """Read latestRoundData() of every oracle feed on an EVM chain and record new rounds."""
    run = _start(ORACLE_JOB, chain)
    feeds = list(OracleFeed.objects.filter(chain=chain).order_by("pk"))
    if not feeds:
        _finish(run, feeds=0, created=0, existing=0)
        return run
    if chain.kind != Chain.Kind.EVM or chain.chain_id is None:
        return _fail(run, f"{chain.name}: oracle feeds are read on EVM chains only", chain=chain)
    url = chain.effective_rpc_url
    if not url:
        return _fail(
            run, f"{chain.name}: no rpc_url configured (registry or RPC_URL_*)", chain=chain
        )
    try:
        snapshot = evm.read_oracles(
            rpc_url=url,
            chain_name=chain.name,
            expected_chain_id=chain.chain_id,
            addresses=[f.address for f in feeds],
            confirmations=chain.confirmations,
            timeout=settings.CHAIN_RPC_TIMEOUT_SECONDS,
        )
    except ChainReadError as exc:
        return _fail(run, str(exc), chain=chain, transient=exc.transient, feeds=len(feeds))

    by_address = {r.address: r for r in snapshot.readings}
    now = timezone.now()
    with transaction.atomic():
        existing = set(
            OracleRound.objects.filter(
                feed__in=feeds,
                round_id__in=[by_address[f.address].round_id for f in feeds],
            ).values_list("feed_id", "round_id")
        )
        new = []
        for feed in feeds:
            reading = by_address[feed.address]
            if feed.decimals != reading.decimals:
                feed.decimals = reading.decimals
                feed.save(update_fields=["decimals"])
            if (feed.pk, reading.round_id) in existing:
                continue
            new.append(
                OracleRound(
                    feed=feed,
                    round_id=reading.round_id,
                    answer=reading.answer,
                    started_at=reading.started_at,
                    updated_at=reading.updated_at,
                    answered_in_round=reading.answered_in_round,
                    block_number=snapshot.block.number,
                    observed_at=now,
                )
            )
        OracleRound.objects.bulk_create(new, ignore_conflicts=True)
        _finish(
            run,
            feeds=len(feeds),
            created=len(new),
            existing=len(feeds) - len(new),
            block=snapshot.block.number,
            round_trips=snapshot.round_trips,
        )
    return run


# --- staleness ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeploymentFreshness:
    deployment: Deployment
    latest: SupplyObservation | None
    stale: bool  # latest older than the chain's max age, or missing

    @property
    def missing(self) -> bool:
        return self.latest is None


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
    """Token symbol -> its stale or unobserved deployments."""
    out: dict[str, list[DeploymentFreshness]] = {}
    for f in freshness:
        if f.stale:
            out.setdefault(f.deployment.token.symbol, []).append(f)
    return out
