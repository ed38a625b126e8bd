"""Oracle sync: read every AggregatorV3 feed of an EVM chain and record new rounds
(unique per feed and round id: a re-run creates nothing)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Chain
from apps.chains import evm
from apps.chains.models import OracleFeed, OracleRound
from apps.chains.readings import ChainReadError
from apps.chains.versions import bump_oracles_version
from apps.core.models import JobRun

from .runs import ORACLE_JOB, fail_run, failing_on_crash, finish_run, start_run


def sync_oracles(*, chain: Chain) -> JobRun:
    """Read latestRoundData() of every oracle feed on an EVM chain and record new rounds."""
    run = start_run(ORACLE_JOB, chain)
    with failing_on_crash(run, chain=chain):
        return _sync_oracles(run, chain=chain)


def _sync_oracles(run: JobRun, *, chain: Chain) -> JobRun:
    feeds = list(OracleFeed.objects.filter(chain=chain).order_by("pk"))
    if not feeds:
        finish_run(run, feeds=0, created=0, existing=0)
        return run
    if chain.kind != Chain.Kind.EVM or chain.chain_id is None:
        return fail_run(run, f"{chain.name}: oracle feeds are read on EVM chains only", chain=chain)
    url = chain.effective_rpc_url
    if not url:
        return fail_run(
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
        return fail_run(run, str(exc), chain=chain, transient=exc.transient, feeds=len(feeds))

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
        if new:
            transaction.on_commit(bump_oracles_version)
        finish_run(
            run,
            feeds=len(feeds),
            created=len(new),
            existing=len(feeds) - len(new),
            block=snapshot.block.number,
            round_trips=snapshot.round_trips,
        )
    return run
