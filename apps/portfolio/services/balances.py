"""Reading the holdings of verified wallets from every chain with a node, and storing them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog.models import Chain, Deployment
from apps.chains import evm, solana
from apps.chains.readings import BalanceSnapshot, ChainReadError
from apps.onboarding.models import Wallet
from apps.onboarding.selectors import readable_wallets
from apps.portfolio.models import ERROR_CHARS, WalletBalance, WalletChainRead
from apps.portfolio.selectors import scaled_ui_multipliers

# Wallets read together on one chain: on EVM, 200 wallets x 61 tokens is 12,400 calls in 13
# batches of CALLS_PER_BATCH at one block; on Solana one request per wallet, a few at a time.
WALLETS_PER_READ = 200


@dataclass
class RefreshResult:
    """What one refresh did, per chain slug."""

    wallets: int = 0
    read: dict[str, int] = field(default_factory=dict)  # chain -> wallets read
    written: int = 0  # balance rows written (changes only)
    failed: dict[str, str] = field(default_factory=dict)  # chain -> error
    transient: bool = False  # some failure is worth retrying
    no_node: list[str] = field(default_factory=list)


def refresh_balances(
    *, wallet_ids: Sequence[int] | None = None, now: dt.datetime | None = None
) -> RefreshResult:
    """Read the balance of every catalogue token in the given verified wallets of approved
    investors (all of them by default), on every chain of the wallet's kind that has a node.

    Each chain is read in one go for all its wallets (WALLETS_PER_READ at a time). A chain
    without a node is skipped; a failed read records the failure on each wallet's
    WalletChainRead and leaves the last good figures as they are. Idempotent: a balance is
    stored only where it differs from the wallet's latest one, one row per block.
    """
    ids = None if wallet_ids is None else list(wallet_ids)
    wallets = list(readable_wallets(wallet_ids=ids))
    result = RefreshResult(wallets=len(wallets))
    if not wallets:
        return result
    kinds = {w.kind for w in wallets}
    deployments: dict[int, list[Deployment]] = {}
    for d in Deployment.objects.filter(chain__kind__in=kinds).select_related("chain"):
        deployments.setdefault(d.chain_id, []).append(d)
    chains = Chain.objects.filter(pk__in=deployments).order_by("slug")
    for chain in chains:
        if not chain.effective_rpc_url:
            result.no_node.append(chain.slug)
            continue
        on_chain = [w for w in wallets if w.kind == chain.kind]
        for start in range(0, len(on_chain), WALLETS_PER_READ):
            group = on_chain[start : start + WALLETS_PER_READ]
            try:
                snapshot = _read(chain, deployments[chain.pk], group)
            except ChainReadError as exc:
                _record_failure(chain, group, str(exc), now=now or timezone.now())
                result.failed[chain.slug] = str(exc)[:ERROR_CHARS]
                result.transient = result.transient or exc.transient
                continue
            result.written += record_balances(
                chain=chain,
                deployments=deployments[chain.pk],
                wallets=group,
                snapshot=snapshot,
                now=now or timezone.now(),
            )
            result.read[chain.slug] = result.read.get(chain.slug, 0) + len(group)
    return result


def _read(chain: Chain, deployments: list[Deployment], wallets: list[Wallet]) -> BalanceSnapshot:
    timeout = float(settings.CHAIN_RPC_TIMEOUT_SECONDS)
    addresses = [d.address for d in deployments]
    owners = [w.address for w in wallets]
    if chain.kind == Chain.Kind.EVM:
        if chain.chain_id is None:
            raise ChainReadError(f"{chain.name}: no chain id in the registry")
        return evm.read_balances(
            rpc_url=chain.effective_rpc_url,
            chain_name=chain.name,
            expected_chain_id=chain.chain_id,
            tokens=addresses,
            owners=owners,
            confirmations=chain.confirmations,
            timeout=timeout,
        )
    return solana.read_token_balances(
        rpc_url=chain.effective_rpc_url,
        chain_name=chain.name,
        owners=owners,
        mints=addresses,
        timeout=timeout,
    )


def _key(kind: str, address: str) -> str:
    return address.lower() if kind == Chain.Kind.EVM else address


@transaction.atomic
def record_balances(
    *,
    chain: Chain,
    deployments: Iterable[Deployment],
    wallets: Iterable[Wallet],
    snapshot: BalanceSnapshot,
    now: dt.datetime,
) -> int:
    """Store what one read of `chain` found for `wallets`: a WalletBalance where a balance
    changed, and each wallet's last good block. Returns the number of balance rows written."""
    deployments = list(deployments)
    by_owner = {_key(chain.kind, w.address): w for w in wallets}
    multipliers: dict[int, Decimal] = {}
    if chain.kind == Chain.Kind.SOLANA:
        multipliers = scaled_ui_multipliers([d.pk for d in deployments])
    latest = {
        (b.wallet_id, b.deployment_id): b
        for b in WalletBalance.objects.latest_per_wallet_and_deployment().filter(
            wallet__in=list(by_owner.values()), deployment__in=deployments
        )
    }
    rows: list[WalletBalance] = []
    reads: list[WalletChainRead] = []
    for read in snapshot.wallets:
        wallet = by_owner.get(_key(chain.kind, read.owner))
        if wallet is None:
            continue
        held = {_key(chain.kind, b.token): b for b in read.balances}
        for deployment in deployments:
            reading = held.get(_key(chain.kind, deployment.address))
            raw = Decimal(reading.raw_balance if reading else 0)
            decimals = reading.decimals if reading else deployment.decimals
            # EVM balances are already in underlying units; a Solana mint never read has no
            # known multiplier (None), and one without the extension has 1.
            multiplier = (
                multipliers.get(deployment.pk) if chain.kind == Chain.Kind.SOLANA else Decimal(1)
            )
            previous = latest.get((wallet.pk, deployment.pk))
            if previous is None and raw == 0:
                continue
            if previous is not None and (
                previous.raw_balance,
                previous.decimals,
                previous.multiplier,
            ) == (raw, decimals, multiplier):
                continue
            rows.append(
                WalletBalance(
                    wallet=wallet,
                    deployment=deployment,
                    block_number=read.block.number,
                    read_at=now,
                    raw_balance=raw,
                    decimals=decimals,
                    multiplier=multiplier,
                )
            )
        reads.append(
            WalletChainRead(
                wallet=wallet,
                chain=chain,
                block_number=read.block.number,
                block_hash=read.block.hash,
                block_time=read.block.time,
                read_at=now,
            )
        )
    # At a block already stored the newer read wins: the raw balance is the same fact, but
    # the multiplier may have become known since (the mint's supply was read meanwhile).
    WalletBalance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["wallet", "deployment", "block_number"],
        update_fields=["raw_balance", "decimals", "multiplier", "read_at"],
    )
    WalletChainRead.objects.bulk_create(
        reads,
        update_conflicts=True,
        unique_fields=["wallet", "chain"],
        update_fields=["block_number", "block_hash", "block_time", "read_at"],
    )
    return len(rows)


def _record_failure(chain: Chain, wallets: list[Wallet], error: str, *, now: dt.datetime) -> None:
    """Mark each wallet's read of `chain` failed; its last good block and balances stay."""
    WalletChainRead.objects.bulk_create(
        [
            WalletChainRead(wallet=w, chain=chain, failed_at=now, error=error[:ERROR_CHARS])
            for w in wallets
        ],
        update_conflicts=True,
        unique_fields=["wallet", "chain"],
        update_fields=["failed_at", "error"],
    )
