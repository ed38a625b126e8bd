"""Supply sync: read a chain's deployments through its client and record the supply.

Writes are idempotent: observations are unique per (deployment, block), so a re-run at the
same block creates nothing. A failed read records a failed JobRun with the client's message
and writes no observation, so the last good value stays.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Chain, Deployment, Token
from apps.chains import evm
from apps.chains.models import SupplyObservation
from apps.chains.readings import ChainReadError, SupplySnapshot, SupplyTarget
from apps.chains.signals import supply_synced
from apps.chains.versions import bump_supply_version
from apps.core.models import JobRun
from apps.core.redaction import redact_url

from .runs import SUPPLY_JOB, fail_run, failing_on_crash, finish_run, no_url, start_run


def read_chain_supplies(
    *, chain: Chain, targets: list[SupplyTarget], block: int | None = None
) -> SupplySnapshot:
    """Ask the chain's client for these supplies (EVM at a pinned block, Solana finalized)."""
    url = chain.effective_rpc_url
    if not url:
        raise ChainReadError(no_url(chain))
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
    run = start_run(SUPPLY_JOB, chain)
    with failing_on_crash(run, chain=chain):
        return _sync_supply(run, chain=chain, token=token)


def _sync_supply(run: JobRun, *, chain: Chain, token: Token | None) -> JobRun:
    deployments = list(
        Deployment.objects.filter(chain=chain, **({"token": token} if token else {}))
        .select_related("token")
        .order_by("pk")
    )
    if not deployments:
        finish_run(run, deployments=0, created=0, existing=0)
        return run
    targets = [SupplyTarget(d.address, tuple(d.escrow_addresses)) for d in deployments]
    try:
        snapshot = read_chain_supplies(chain=chain, targets=targets)
    except ChainReadError as exc:
        return fail_run(
            run, str(exc), chain=chain, transient=exc.transient, deployments=len(deployments)
        )

    by_address = {r.address: r for r in snapshot.readings}
    missing = [d.address for d in deployments if d.address not in by_address]
    if missing:
        return fail_run(
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
                multiplier=by_address[d.address].multiplier,
                supply_is_underlying=by_address[d.address].supply_is_underlying,
                paused=by_address[d.address].paused,
                new_multiplier=by_address[d.address].new_multiplier,
                new_multiplier_at=by_address[d.address].new_multiplier_at,
                observed_at=now,
                sync_run=run,
            )
            for d in deployments
            if d.pk not in existing
        ]
        # ignore_conflicts: a concurrent run at the same block must not fail this one.
        SupplyObservation.objects.bulk_create(new, ignore_conflicts=True)
        finish_run(
            run,
            deployments=len(deployments),
            created=len(new),
            existing=len(existing),
            block=block.number,
            round_trips=snapshot.round_trips,
        )
        if new:
            token_ids = sorted({d.token_id for d in deployments if d.pk not in existing})
            transaction.on_commit(bump_supply_version)
            transaction.on_commit(
                lambda: supply_synced.send(sender=JobRun, chain=chain, token_ids=token_ids)
            )
    return run
