"""On-chain exposure: transfers of catalogue tokens to and from verified wallets, flagged
when either side is a listed address.

One scan per chain with a node (Celery task onboarding.scan_transfers, every
EXPOSURE_SCAN_SECONDS): EVM chains through apps.chains.evm.read_transfers (eth_getLogs
from the block after the last one read, up to head - the chain's confirmations, a
reorganisation re-read), Solana through apps.chains.solana.read_transfers (signatures of
the catalogue mints since the newest one read, then their transactions). Transfers that
touch a verified wallet are kept, once per (chain, transaction, log index); a flagged one
opens a review on the case of every verified wallet it touches, and the officers get one
e-mail per scan. A list loaded later flags stored transfers too (flag_stored_transfers,
from the re-screening).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from apps.catalog.models import Chain, Deployment
from apps.chains import evm, solana
from apps.chains.readings import BlockRef, ChainReadError, TokenTransfer, TransferScan
from apps.core.models import JobRun
from apps.onboarding.models import (
    RESCREENED_STATES,
    AddressKind,
    KycCase,
    SanctionedAddress,
    TransferCursor,
    Wallet,
    WalletTransfer,
)

from .alerts import queue_officer_alert
from .reviews import case_line, open_review

JOB = "scan_transfers"
WRITE_BATCH = 1000  # rows per INSERT
KEYS_PER_QUERY = 500  # addresses per IN (...) lookup


def _key(kind: str, address: str) -> str:
    return address.lower() if kind == AddressKind.EVM else address


def scan_transfers(*, chain: Chain) -> JobRun:
    """Read one chain's new transfers of catalogue tokens and record them; a JobRun says
    how it went (its error names the chain and node, never the node URL's secrets)."""
    url = chain.effective_rpc_url
    run = JobRun.start(job=JOB, scope=chain.slug, node=url)
    if not url:
        run.fail(f"{chain.name}: no node configured (registry rpc_url or RPC_URL_*)")
        return run
    tokens = list(Deployment.objects.filter(chain=chain).values_list("address", flat=True))
    cursor, _ = TransferCursor.objects.get_or_create(chain=chain)
    wallets = list(
        Wallet.objects.filter(kind=chain.kind, verified_at__isnull=False).values_list(
            "address", flat=True
        )
    )
    try:
        if chain.kind == Chain.Kind.EVM:
            resume = (
                BlockRef(cursor.block_number, cursor.block_hash, None)
                if cursor.block_number is not None
                else None
            )
            scan = evm.read_transfers(
                rpc_url=url,
                chain_name=chain.name,
                expected_chain_id=chain.chain_id,
                tokens=tokens,
                wallets=wallets,
                resume_after=resume,
                lookback=settings.EXPOSURE_LOOKBACK_BLOCKS,
                confirmations=chain.confirmations,
                block_range=cursor.block_range or settings.EVM_LOG_BLOCK_RANGE,
                max_block_range=settings.EVM_LOG_BLOCK_RANGE,
                timeout=float(settings.CHAIN_RPC_TIMEOUT_SECONDS),
            )
        else:
            scan = solana.read_transfers(
                rpc_url=url,
                chain_name=chain.name,
                mints=tokens,
                until=cursor.signatures,
                timeout=float(settings.CHAIN_RPC_TIMEOUT_SECONDS),
            )
    except ChainReadError as exc:
        run.fail(str(exc), secrets=(url,), transient=exc.transient)
        return run
    try:
        counts = record_scan(chain=chain, scan=scan, run=run)
    except Exception as exc:
        run.fail(f"{chain.name}: unexpected error: {type(exc).__name__}: {exc}", secrets=(url,))
        raise
    run.finish(**counts)
    return run


@transaction.atomic
def record_scan(*, chain: Chain, scan: TransferScan, run: JobRun | None = None) -> dict:
    """Store what a scan read, flag, open reviews, move the cursor: all in one transaction."""
    cursor = TransferCursor.objects.select_for_update().get(chain=chain)
    if scan.rewound_from is not None and scan.from_block is not None:
        # The chain changed below the stored block: transfers read in the re-read range
        # that it no longer has never happened.
        seen = {(t.tx_hash, t.log_index) for t in scan.transfers}
        stale = WalletTransfer.objects.filter(chain=chain, block_number__gte=scan.from_block)
        drop = [
            pk
            for pk, tx, i in stale.values_list("pk", "tx_hash", "log_index")
            if (tx, i) not in seen
        ]
        WalletTransfer.objects.filter(pk__in=drop).delete()
    wallets = {
        _key(w.kind, w.address): w
        for w in Wallet.objects.filter(kind=chain.kind, verified_at__isnull=False)
    }
    touching = [
        t
        for t in scan.transfers
        if _key(chain.kind, t.from_address) in wallets or _key(chain.kind, t.to_address) in wallets
    ]
    listed = _listed(chain.kind, [a for t in touching for a in (t.from_address, t.to_address)])
    deployments = {_key(chain.kind, d.address): d for d in Deployment.objects.filter(chain=chain)}
    existing = _existing(chain, touching)
    now = timezone.now()
    rows = []
    for t in touching:
        if (t.tx_hash, t.log_index) in existing:
            continue
        hits = [
            *listed.get(_key(chain.kind, t.from_address), []),
            *listed.get(_key(chain.kind, t.to_address), []),
        ]
        rows.append(
            WalletTransfer(
                chain=chain,
                deployment=deployments.get(_key(chain.kind, t.token)),
                tx_hash=t.tx_hash,
                log_index=t.log_index,
                block_number=t.block_number,
                block_hash=t.block_hash,
                block_time=t.block_time,
                from_address=t.from_address,
                to_address=t.to_address,
                raw_amount=t.raw_amount,
                from_wallet=wallets.get(_key(chain.kind, t.from_address)),
                to_wallet=wallets.get(_key(chain.kind, t.to_address)),
                flagged_at=now if hits else None,
                listed=hits,
                observed_at=now,
            )
        )
    WalletTransfer.objects.bulk_create(rows, batch_size=WRITE_BATCH, ignore_conflicts=True)
    flagged = [r for r in rows if r.flagged_at is not None]
    lines = _open_reviews(flagged)
    if lines:
        queue_officer_alert(
            key=f"exposure:{chain.slug}:{run.pk if run else now.isoformat()}",
            subject=f"Transfers with listed addresses: {len(lines)} case(s) to review",
            lines=lines,
        )
    if scan.to_block is not None:
        cursor.block_number, cursor.block_hash = scan.to_block.number, scan.to_block.hash
    cursor.block_range = scan.block_range
    if scan.cursors:
        cursor.signatures = {**cursor.signatures, **dict(scan.cursors)}
    cursor.updated_at = now
    cursor.save()
    return {
        "from_block": scan.from_block,
        "block": scan.to_block.number if scan.to_block else cursor.block_number,
        "head": scan.head,
        "rewound_from": scan.rewound_from,
        "windows": scan.windows,
        "block_range": scan.block_range,
        "complete": scan.complete,
        "transfers_read": len(scan.transfers),
        "created": len(rows),
        "flagged": len(flagged),
        "cases_reopened": len(lines),
        "unreadable": scan.unreadable,
        "round_trips": scan.round_trips,
    }


def _existing(chain: Chain, transfers: list[TokenTransfer]) -> set[tuple[str, int]]:
    hashes = sorted({t.tx_hash for t in transfers})
    found: set[tuple[str, int]] = set()
    for start in range(0, len(hashes), KEYS_PER_QUERY):
        found |= set(
            WalletTransfer.objects.filter(
                chain=chain, tx_hash__in=hashes[start : start + KEYS_PER_QUERY]
            ).values_list("tx_hash", "log_index")
        )
    return found


def _listed(kind: str, addresses: Iterable[str]) -> dict[str, list[dict]]:
    """{match key: [what lists it]} for the addresses of this chain kind that are listed."""
    keys = sorted({_key(kind, a) for a in addresses})
    found: dict[str, list[dict]] = defaultdict(list)
    for start in range(0, len(keys), KEYS_PER_QUERY):
        for item in SanctionedAddress.objects.filter(
            kind=kind, match_key__in=keys[start : start + KEYS_PER_QUERY]
        ).select_related("entry__sanctions_list"):
            found[item.match_key].append(
                {
                    "address": item.address,
                    "currency": item.currency,
                    "source": item.entry.sanctions_list.source,
                    "external_id": item.entry.external_id,
                    "name": item.entry.name[:200],
                }
            )
    return found


def _open_reviews(flagged: list[WalletTransfer]) -> list[str]:
    """One review per case whose verified wallet took part in a flagged transfer; the lines
    of the officers' e-mail."""
    by_user: dict[int, list[WalletTransfer]] = defaultdict(list)
    for transfer in flagged:
        for wallet in (transfer.from_wallet, transfer.to_wallet):
            if wallet is not None and transfer not in by_user[wallet.user_id]:
                by_user[wallet.user_id].append(transfer)
    if not by_user:
        return []
    cases = {
        c.user_id: c
        for c in KycCase.objects.filter(user_id__in=by_user, state__in=RESCREENED_STATES)
    }
    lines = []
    for user_id, transfers in sorted(by_user.items()):
        case = cases.get(user_id)
        if case is None:
            continue
        first = transfers[0]
        listed = ", ".join(
            sorted({f"{h['address']} ({h['source']})" for t in transfers for h in t.listed})
        )
        reason = (
            f"{len(transfers)} transfer(s) with a listed address on {first.chain.name}, "
            f"e.g. transaction {first.tx_hash} (block {first.block_number}); listed: {listed}."
        )
        open_review(case=case, reason=reason, high_risk=True)
        lines.append(case_line(case, reason))
    return lines


def flag_stored_transfers(*, kind_keys: dict[str, set[str]]) -> list[str]:
    """Flag stored, unflagged transfers whose side is one of the newly listed addresses
    ({chain kind: match keys}) and open the reviews; the lines of the officers' e-mail."""
    now = timezone.now()
    flagged: list[WalletTransfer] = []
    for kind, keys in kind_keys.items():
        if not keys:
            continue
        listed = _listed(kind, keys)
        candidates = WalletTransfer.objects.filter(
            flagged_at__isnull=True, chain__kind=kind
        ).select_related("chain", "from_wallet", "to_wallet")
        ordered = sorted(keys)
        for start in range(0, len(ordered), KEYS_PER_QUERY):
            chunk = ordered[start : start + KEYS_PER_QUERY]
            if kind == AddressKind.EVM:
                match = candidates.annotate(f=Lower("from_address"), t=Lower("to_address")).filter(
                    Q(f__in=chunk) | Q(t__in=chunk)
                )
            else:
                match = candidates.filter(Q(from_address__in=chunk) | Q(to_address__in=chunk))
            for transfer in match:
                transfer.listed = [
                    *listed.get(_key(kind, transfer.from_address), []),
                    *listed.get(_key(kind, transfer.to_address), []),
                ]
                transfer.flagged_at = now
                flagged.append(transfer)
    WalletTransfer.objects.bulk_update(flagged, ["listed", "flagged_at"], batch_size=WRITE_BATCH)
    return _open_reviews(flagged)
