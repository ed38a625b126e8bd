"""Re-check a published snapshot from its sources: the chains at its blocks, the statements.

Anyone can run `manage.py verify_reserves SYMBOL [--snapshot ID]`: every chain is read
again through the project's chain clients at the block the snapshot names (Solana cannot
read a past slot, so it is read at the current slot and the output says so), every
statement's stored source is hashed and parsed again, and the figures are recomputed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from apps.catalog.models import Chain, Deployment
from apps.core.formatting import WIDE, decimal_text
from apps.custody.models import Holding, HoldingStatement
from apps.custody.parsers import StatementError, parse_statement

from .computation import _q
from .models import ReserveSnapshot

FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)  # re-parsing never refuses for "future"


@dataclass
class Check:
    what: str
    published: Any
    recomputed: Any
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.published == self.recomputed

    def line(self) -> str:
        def show(value: object) -> str:
            return decimal_text(value) if isinstance(value, Decimal) else str(value)

        mark = "ok  " if self.ok else "DIFF"
        text = f"{mark} {self.what}: published {show(self.published)}"
        if not self.ok:
            text += f", recomputed {show(self.recomputed)}"
            if isinstance(self.published, Decimal) and isinstance(self.recomputed, Decimal):
                text += f" (difference {decimal_text(self.recomputed - self.published)})"
        return text + (f" [{self.note}]" if self.note else "")


@dataclass
class Verification:
    snapshot: ReserveSnapshot
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _dec(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def _read_chain(
    chain: Chain, block: int | None, deployments: list[Deployment]
) -> tuple[dict[str, tuple[Decimal, int, int, Any]], int, str, str]:
    """{address: (circulating, raw, escrow, reading)}, block read, its hash, a note. Raises
    on failure."""
    from apps.chains.readings import SupplyTarget

    targets = [
        SupplyTarget(address=d.address, escrow_addresses=tuple(d.escrow_addresses))
        for d in deployments
    ]
    note = ""
    if chain.kind == Chain.Kind.EVM:
        from apps.chains import evm  # written by the chain-sync work; imported only when used

        snap = evm.read_supplies(
            rpc_url=chain.effective_rpc_url,
            chain_name=chain.name,
            expected_chain_id=chain.chain_id,
            targets=targets,
            block=block,
        )
    else:
        from apps.chains import solana

        snap = solana.read_supplies(
            rpc_url=chain.effective_rpc_url, chain_name=chain.name, targets=targets
        )
        note = f"Solana cannot read past slots: read at slot {snap.block.number}, not {block}"
    values = {
        r.address: (
            WIDE.divide(Decimal(r.raw_supply - r.escrow_balance), Decimal(10) ** r.decimals),
            r.raw_supply,
            r.escrow_balance,
            r,
        )
        for r in snap.readings
    }
    return values, snap.block.number, snap.block.hash, note


def _counted(
    circulating: Decimal, read: Decimal | None, source: str | None, catalogue: Decimal
) -> tuple[Decimal, Decimal]:
    """(supply as the chain counts it, in underlying units), as compute_backing counts them.
    A snapshot from before multipliers were read (source None) used the catalogue's."""
    if read is None or source in (None, "none"):
        return circulating, circulating * catalogue
    if source == "contract":
        return circulating, circulating
    return circulating * read, circulating * read


def verify_snapshot(*, snapshot: ReserveSnapshot, read_chains: bool = True) -> Verification:
    """Recompute a snapshot from its sources and compare every figure."""
    result = Verification(snapshot=snapshot)
    provenance = snapshot.provenance
    multiplier = _dec(provenance.get("multiplier")) or snapshot.multiplier
    isin = provenance.get("isin") or snapshot.token.security.isin

    # --- supply ---
    chains_used = provenance.get("supply_by_chain", [])
    deployments = {
        d.pk: d
        for d in Deployment.objects.select_related("chain").filter(
            pk__in=[c.get("deployment_id") for c in chains_used]
        )
    }
    groups: dict[tuple[int, int | None], list[dict]] = defaultdict(list)
    for entry in chains_used:
        d = deployments.get(entry.get("deployment_id"))
        if d is not None:
            groups[(d.chain_id, entry.get("block_number"))].append(entry)
    supply = Decimal(0)  # as the chains count it
    underlying = Decimal(0)  # each chain's multiplier once: the shares required
    for (_, block), entries in groups.items():
        chain = deployments[entries[0]["deployment_id"]].chain
        published = {e["address"]: _dec(e.get("circulating")) for e in entries}
        if not read_chains:
            result.notes.append(f"{chain.name}: supply taken from the snapshot, not re-read")
            for e in entries:
                circulating = published[e["address"]] or Decimal(0)
                counted, units = _counted(
                    circulating, _dec(e.get("multiplier")), e.get("multiplier_source"), multiplier
                )
                supply += counted
                underlying += units
            continue
        if not chain.has_node:
            for e in entries:
                result.checks.append(
                    Check(
                        f"supply on {chain.name}",
                        published[e["address"]],
                        None,
                        "not read: no node configured "
                        f"(RPC_URL_{chain.slug.upper().replace('-', '_')} sets one)",
                    )
                )
            continue
        try:
            values, read_block, read_hash, note = _read_chain(
                chain, block, [deployments[e["deployment_id"]] for e in entries]
            )
        except Exception as exc:  # ChainReadError, ImportError or a node fault: a failed check
            for e in entries:
                result.checks.append(
                    Check(
                        f"supply on {chain.name} at block {block}",
                        published[e["address"]],
                        None,
                        f"could not read: {exc}",
                    )
                )
            continue
        if note:
            result.notes.append(note)
        for e in entries:
            recomputed, _raw, _escrow, reading = values.get(e["address"], (None, 0, 0, None))
            if recomputed is not None:
                recomputed = _q(recomputed)
                source = (
                    "none"
                    if reading.multiplier is None
                    else ("contract" if reading.supply_is_underlying else "scaled_ui")
                )
                counted, units = _counted(recomputed, reading.multiplier, source, multiplier)
                supply += counted
                underlying += units
                if e.get("multiplier_source") is not None:
                    result.checks.append(
                        Check(
                            f"multiplier of {snapshot.token.symbol} on {chain.name} "
                            f"({e['address']}) at block {read_block}",
                            _dec(e.get("multiplier")),
                            reading.multiplier,
                            note,
                        )
                    )
            result.checks.append(
                Check(
                    f"circulating {snapshot.token.symbol} on {chain.name} ({e['address']}) "
                    f"at block {read_block}",
                    _q(published[e["address"]]) if published[e["address"]] is not None else None,
                    recomputed,
                    note,
                )
            )
        if chain.kind == Chain.Kind.EVM and block == read_block:
            stored_hash = entries[0].get("block_hash", "")
            if stored_hash:
                result.checks.append(
                    Check(f"hash of {chain.name} block {block}", stored_hash, read_hash)
                )

    # --- holdings ---
    held = Decimal(0)
    refs = [
        (c, s) for c in provenance.get("holdings_by_custodian", []) for s in c.get("statements", [])
    ]
    statements = {
        s.pk: s
        for s in HoldingStatement.objects.select_related("account").filter(
            pk__in=[s["statement_pk"] for _, s in refs]
        )
    }
    rows = dict(
        Holding.objects.filter(statement_id__in=list(statements), isin=isin).values_list(
            "statement_id", "quantity"
        )
    )
    for custodian, ref in refs:
        what = f"{custodian['name']} statement {ref['statement_id']} ({ref['account']}), {isin}"
        statement = statements.get(ref["statement_pk"])
        if statement is None:
            result.checks.append(Check(what, _dec(ref["quantity"]), None, "statement deleted"))
            continue
        source = bytes(statement.source or b"")
        if source:
            digest = hashlib.sha256(source).hexdigest()
            result.checks.append(
                Check(f"SHA-256 of {statement.statement_id}", ref["sha256"], digest)
            )
            try:
                parsed = parse_statement(source, now=FAR_FUTURE)
                from_source = next(
                    (
                        h.quantity
                        for p in parsed
                        if p.statement_id == statement.statement_id
                        and p.account_id == statement.account.account_id
                        for h in p.holdings
                        if h.isin == isin
                    ),
                    Decimal(0),
                )
                result.checks.append(
                    Check(f"{what} in the source file", _dec(ref["quantity"]), from_source)
                )
            except StatementError as exc:
                result.checks.append(
                    Check(f"{what} in the source file", ref["quantity"], None, str(exc))
                )
        else:
            result.notes.append(f"{statement.statement_id}: source not kept; stored rows used")
        quantity = rows.get(statement.pk, Decimal(0))
        held += quantity
        result.checks.append(
            Check(f"{what} in the stored holdings", _dec(ref["quantity"]), quantity)
        )

    # --- recomputed figures ---
    required = _q(underlying) if chains_used else None
    held_total = _q(held) if refs else None
    ratio = None
    if required and held_total is not None:
        ratio = _q(WIDE.divide(held_total, required))
    result.checks += [
        Check(
            "circulating supply", snapshot.circulating_supply, _q(supply) if chains_used else None
        ),
        Check("shares required", snapshot.shares_required, required),
        Check("shares held", snapshot.shares_held, held_total),
        Check("ratio", snapshot.ratio, ratio),
    ]
    return result
