"""The backing computation, pure (no queries): chain supply against custodian holdings.

For token T, each chain's multiplier counted exactly once:
  circulating c_d      = (raw_supply - escrow_balance) / 10**decimals of deployment d's
                         latest SupplyObservation
  underlying u_d       = c_d                  when the chain's supply already counts its
                                              multiplier (the issuer's EVM contract:
                                              totalSupply() = shares x multiplier)
                       = c_d * m_d            when the chain reports a multiplier its raw
                                              supply does not count (Token-2022
                                              ScaledUiAmount: UI amount = raw x m_d)
                       = c_d * m              when the chain reports none (a plain ERC-20
                                              or SPL mint): the catalogue's multiplier m
  circulating supply S = sum of c_d as the chains count it (u_d for the first two cases)
  shares required    R = sum of u_d
  shares held        H = sum over custodians of the latest statement (per account of T's
                         issuer) quantity of T's underlying ISIN
  ratio H / R and a status: unknown (an input missing), stale (an input too old),
  under_backed (H short of R beyond RESERVE_TOLERANCE_BPS), backed.

Consistency across chains, beside the status (each raises its alert): chains_disagree
(two chains apply different multipliers now), multiplier_due (a chain has a new
multiplier scheduled, or one that took effect after its latest reading), paused (a
deployment reads paused).

Inputs are loaded for many tokens at once by apps.reserves.selectors.load_inputs in a fixed
number of queries, and summed here in Python with Decimal (ExactDecimalField is text on
SQLite).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_noop

from apps.chains.models import multiplier_in_force
from apps.core.formatting import WIDE, decimal_text

from .models import Alert, ReserveSnapshot

if TYPE_CHECKING:
    from apps.catalog.models import Token

# A deployment on a chain this site has no node for; kept in English in the snapshot, the
# pages translate it (gettext_noop only marks it).
NO_NODE = gettext_noop("no node configured")
PLACES = Decimal(1).scaleb(-18)  # quantities and ratios are kept to 18 decimals
# Two chains' multipliers agree within this relative difference: Token-2022 stores its
# multiplier as an f64, the EVM contract with 18 decimals.
MULTIPLIER_TOLERANCE = Decimal("1e-9")


def _q(value: Decimal) -> Decimal:
    return value.quantize(PLACES, context=WIDE)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True, slots=True)
class ChainRef:
    slug: str
    name: str
    kind: str
    max_age_seconds: int
    has_node: bool = True  # False: no node configured, nothing on the chain is read


@dataclass(frozen=True, slots=True)
class DeploymentRef:
    pk: int
    token_id: int
    address: str
    role: str
    chain: ChainRef


@dataclass(frozen=True, slots=True)
class ObservationRef:
    pk: int
    deployment_id: int
    block_number: int
    block_hash: str
    block_time: dt.datetime | None
    raw_supply: Decimal
    escrow_balance: Decimal
    decimals: int
    observed_at: dt.datetime
    multiplier: Decimal | None = None
    supply_is_underlying: bool = False
    paused: bool | None = None
    new_multiplier: Decimal | None = None
    new_multiplier_at: dt.datetime | None = None

    def multiplier_at(self, when: dt.datetime) -> Decimal | None:
        """The multiplier the chain applies at `when`: a scheduled one once it is due."""
        return multiplier_in_force(self, when)

    @property
    def supply(self) -> Decimal:
        return WIDE.divide(self.raw_supply, Decimal(10) ** self.decimals)

    @property
    def escrow(self) -> Decimal:
        return WIDE.divide(self.escrow_balance, Decimal(10) ** self.decimals)

    @property
    def circulating(self) -> Decimal:
        return WIDE.divide(self.raw_supply - self.escrow_balance, Decimal(10) ** self.decimals)


@dataclass(frozen=True, slots=True)
class CustodianRef:
    pk: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class AccountRef:
    pk: int
    issuer_id: int
    account_id: str
    custodian_id: int
    custodian: CustodianRef


@dataclass(frozen=True, slots=True)
class StatementRef:
    pk: int
    account_id: int
    statement_id: str
    statement_date: dt.datetime
    sha256: str


@dataclass
class Inputs:
    """Everything the computation reads for a set of tokens, as plain records (no model rows)."""

    deployments: dict[int, list[DeploymentRef]] = field(default_factory=dict)  # token id ->
    observations: dict[int, ObservationRef] = field(default_factory=dict)  # deployment id ->
    accounts: dict[int, list[AccountRef]] = field(default_factory=dict)  # issuer id ->
    statements: dict[int, StatementRef] = field(default_factory=dict)  # account id -> latest
    holdings: dict[tuple[int, str], Decimal] = field(default_factory=dict)  # (statement, isin)


@dataclass
class Backing:
    """One token's computed backing, before it is stored."""

    token: Token
    status: str
    conditions: list[str]
    circulating_supply: Decimal | None
    multiplier: Decimal
    shares_required: Decimal | None
    shares_held: Decimal | None
    ratio: Decimal | None
    as_of: dt.datetime | None
    provenance: dict[str, Any]
    # Alert messages of conditions found by checks outside this computation (the oracle's),
    # by condition; not part of the fingerprint.
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        payload = {
            "status": self.status,
            "supply": decimal_text(self.circulating_supply),
            "required": decimal_text(self.shares_required),
            "held": decimal_text(self.shares_held),
            "ratio": decimal_text(self.ratio),
            "provenance": self.provenance,
        }
        # Provenance dicts are built in a fixed order, so no key sorting is needed.
        encoded = json.dumps(payload, separators=(",", ":")).encode()
        return hashlib.sha256(encoded).hexdigest()


def multiplier_source(o: ObservationRef) -> str:
    """contract (the EVM supply counts it), scaled_ui (raw x it), none (a plain token)."""
    if o.multiplier is None:
        return "none"
    return "contract" if o.supply_is_underlying else "scaled_ui"


def underlying_units(
    o: ObservationRef, catalogue_multiplier: Decimal, when: dt.datetime | None = None
) -> Decimal:
    """A reading's circulating supply in underlying units, each multiplier counted once: the
    EVM contract's is in its supply already, a Token-2022 mint's is applied here, and the
    catalogue's only where the chain reports none. With `when`, a multiplier the chain
    applies by then (scheduled) replaces the one read (the demo custodians' statements)."""
    circulating = o.circulating
    if o.multiplier is None:
        return circulating * catalogue_multiplier
    read = Decimal(str(o.multiplier))
    base = circulating if o.supply_is_underlying else circulating * read
    if when is not None:
        current = o.multiplier_at(when)
        if current is not None and current != read:
            base = WIDE.divide(base * current, read)
    return base


def compute_backing(*, token: Token, inputs: Inputs, now: dt.datetime) -> Backing:
    """The backing of one token from loaded inputs; pure, no queries."""
    multiplier = token.multiplier
    tolerance = Decimal(settings.RESERVE_TOLERANCE_BPS)
    statement_max_age = dt.timedelta(hours=settings.RESERVE_STATEMENT_MAX_AGE_HOURS)
    missing: list[str] = []
    stale: list[str] = []
    times: list[dt.datetime] = []

    chains: list[dict[str, Any]] = []
    supply = Decimal(0)
    required_sum = Decimal(0)
    deployments = inputs.deployments.get(token.pk, [])
    if not deployments:
        missing.append("no deployment registered")
    not_counted: list[str] = []
    for d in deployments:
        o = inputs.observations.get(d.pk)
        if not d.chain.has_node:
            # Not read: no node configured. Unknown, never guessed; the demo world may leave
            # such chains out of the sum, and says so.
            if settings.RESERVE_SKIP_CHAINS_WITHOUT_NODE:
                not_counted.append(f"{d.chain.name}: not read, no node configured")
            else:
                missing.append(f"not read on {d.chain.name}: no node configured")
                chains.append(
                    {
                        "deployment_id": d.pk,
                        "chain": d.chain.slug,
                        "address": d.address,
                        "not_read": NO_NODE,
                    }
                )
            continue
        if o is None:
            missing.append(f"no supply read yet on {d.chain.name}")
            chains.append({"deployment_id": d.pk, "chain": d.chain.slug, "address": d.address})
            continue
        circulating = o.circulating
        source = multiplier_source(o)
        as_counted = circulating if source == "none" else underlying_units(o, token.multiplier)
        underlying = underlying_units(o, token.multiplier)
        supply += as_counted
        required_sum += underlying
        age = now - o.observed_at
        too_old = age > dt.timedelta(seconds=d.chain.max_age_seconds)
        if too_old:
            stale.append(f"supply on {d.chain.name} is {int(age.total_seconds())} s old")
        times.append(o.observed_at)
        chains.append(
            {
                "deployment_id": d.pk,
                "chain": d.chain.slug,
                "chain_name": d.chain.name,
                "chain_kind": d.chain.kind,
                "address": d.address,
                "role": d.role,
                "observation_id": o.pk,
                "block_number": o.block_number,
                "block_hash": o.block_hash,
                "block_time": _iso(o.block_time),
                "observed_at": _iso(o.observed_at),
                "decimals": o.decimals,
                "raw_supply": decimal_text(o.raw_supply),
                "escrow_balance": decimal_text(o.escrow_balance),
                "supply": decimal_text(o.supply),
                "escrow": decimal_text(o.escrow),
                "circulating": decimal_text(circulating),
                "multiplier": decimal_text(o.multiplier),
                "multiplier_source": source,
                "underlying": decimal_text(_q(underlying)),
                "paused": o.paused,
                "new_multiplier": decimal_text(o.new_multiplier),
                "new_multiplier_at": _iso(o.new_multiplier_at),
                "stale": too_old,
            }
        )

    custodians: dict[str, dict[str, Any]] = {}
    held = Decimal(0)
    accounts = inputs.accounts.get(token.issuer_id, [])
    isin = token.security.isin
    if not isin:
        # Custodians report holdings by ISIN: without a published one nothing can be matched.
        missing.append("underlying ISIN not published: holdings cannot be matched")
    statements_seen = 0
    for a in accounts:
        entry = custodians.setdefault(
            a.custodian.slug,
            {
                "custodian": a.custodian.slug,
                "name": a.custodian.name,
                "quantity": "0",
                "statements": [],
            },
        )
        s = inputs.statements.get(a.pk)
        if s is None:
            continue
        statements_seen += 1
        quantity = inputs.holdings.get((s.pk, isin), Decimal(0)) if isin else Decimal(0)
        held += quantity
        entry["quantity"] = decimal_text(Decimal(entry["quantity"]) + quantity)
        age = now - s.statement_date
        too_old = age > statement_max_age
        if too_old:
            stale.append(
                f"statement {s.statement_id} of {a.custodian.name} is "
                f"{age.days} d {age.seconds // 3600} h old"
            )
        times.append(s.statement_date)
        entry["statements"].append(
            {
                "statement_pk": s.pk,
                "account": a.account_id,
                "statement_id": s.statement_id,
                "statement_date": _iso(s.statement_date),
                "sha256": s.sha256,
                "quantity": decimal_text(quantity),
                "stale": too_old,
            }
        )
    if not statements_seen:
        missing.append("no custodian statement for the issuer's accounts")

    supply_known = bool(chains) and all("observation_id" in c for c in chains)
    circulating_supply = _q(supply) if supply_known else None
    required = _q(required_sum) if supply_known else None
    held_total = _q(held) if statements_seen and isin else None
    ratio = None
    conditions: list[str] = []
    if required is not None and held_total is not None and required > 0:
        ratio = _q(WIDE.divide(held_total, required))
    if missing or required is None or held_total is None:
        status = ReserveSnapshot.Status.UNKNOWN
    else:
        if held_total < required * (1 - tolerance / 10000):
            conditions.append(Alert.Condition.UNDER_BACKED)
        if stale:
            conditions.append(Alert.Condition.STALE)
        # Stale first: an old input cannot prove either backing or its absence.
        if stale:
            status = ReserveSnapshot.Status.STALE
        elif conditions:
            status = ReserveSnapshot.Status.UNDER_BACKED
        else:
            status = ReserveSnapshot.Status.BACKED
    consistency, notes = chain_consistency(
        token.symbol,
        [
            (d.chain.slug, d.chain.name, inputs.observations[d.pk])
            for d in deployments
            if d.pk in inputs.observations and d.chain.has_node
        ],
        now,
    )
    conditions.extend(c for c in consistency["conditions"] if c not in conditions)
    provenance = {
        "multiplier": decimal_text(multiplier),
        "isin": isin,
        "tolerance_bps": settings.RESERVE_TOLERANCE_BPS,
        "statement_max_age_hours": settings.RESERVE_STATEMENT_MAX_AGE_HOURS,
        "supply_by_chain": chains,
        "holdings_by_custodian": list(custodians.values()),
        "missing": missing,
        "stale": stale,
        "consistency": consistency,
    }
    if not_counted:
        provenance["not_counted"] = not_counted
    return Backing(
        token=token,
        status=status,
        conditions=conditions,
        circulating_supply=circulating_supply,
        multiplier=multiplier,
        shares_required=required,
        shares_held=held_total,
        ratio=ratio,
        as_of=min(times) if times else None,
        provenance=provenance,
        notes=notes,
    )


def _agree(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= MULTIPLIER_TOLERANCE * max(abs(a), abs(b))


def chain_consistency(
    symbol: str, readings: list[tuple[str, str, Any]], now: dt.datetime
) -> tuple[dict[str, Any], dict[str, str]]:
    """Whether the chains agree on a token: the multiplier each applies now, a new
    multiplier scheduled or due, a deployment paused. `readings` are (chain slug, chain
    name, latest reading: an ObservationRef or a SupplyObservation). Returns the public
    record (kept in the provenance, shown by the token API) and the alert message of each
    condition found."""
    applied: list[dict[str, Any]] = []
    due: list[dict[str, Any]] = []
    paused: list[dict[str, Any]] = []
    for slug, name, o in readings:
        current = o.multiplier_at(now)
        if current is not None:
            applied.append({"chain": slug, "name": name, "multiplier": current})
        if o.new_multiplier is not None and o.new_multiplier_at is not None:
            pending = now < o.new_multiplier_at
            # In force since a time after the block read: the next read must show it.
            unread = not pending and (o.block_time or o.observed_at) < o.new_multiplier_at
            read_multiplier = o.multiplier if o.multiplier is not None else None
            differs = read_multiplier is None or not _agree(
                Decimal(str(o.new_multiplier)), Decimal(str(read_multiplier))
            )
            if (pending and differs) or (unread and differs):
                due.append(
                    {
                        "chain": slug,
                        "name": name,
                        "multiplier": decimal_text(read_multiplier),
                        "new_multiplier": decimal_text(o.new_multiplier),
                        "at": _iso(o.new_multiplier_at),
                        "in_force": not pending,
                    }
                )
        if o.paused:
            paused.append({"chain": slug, "name": name, "block": o.block_number})
    values = [a["multiplier"] for a in applied]
    disagree = any(not _agree(values[0], v) for v in values[1:])
    conditions: list[str] = []
    notes: dict[str, str] = {}
    if disagree:
        conditions.append(Alert.Condition.CHAINS_DISAGREE)
        notes[Alert.Condition.CHAINS_DISAGREE] = (
            f"{symbol}: the chains apply different multipliers: "
            + ", ".join(f"{decimal_text(a['multiplier'])} on {a['name']}" for a in applied)
            + "."
        )
    if due:
        conditions.append(Alert.Condition.MULTIPLIER_DUE)
        notes[Alert.Condition.MULTIPLIER_DUE] = (
            f"{symbol}: new multiplier "
            + "; ".join(
                f"{x['new_multiplier']} on {x['name']} "
                + ("in force since " if x["in_force"] else "from ")
                + f"{x['at'][:19].replace('T', ' ')} UTC (read: {x['multiplier'] or 'none'})"
                for x in due
            )
            + "."
        )
    if paused:
        conditions.append(Alert.Condition.PAUSED)
        notes[Alert.Condition.PAUSED] = (
            f"{symbol} is paused on "
            + ", ".join(f"{p['name']} (block {p['block']})" for p in paused)
            + ": transfers are stopped there."
        )
    record = {
        "multipliers": [
            {"chain": a["chain"], "name": a["name"], "multiplier": decimal_text(a["multiplier"])}
            for a in applied
        ],
        "chains_disagree": disagree,
        "multiplier_due": due,
        "paused": [p["chain"] for p in paused],
        "conditions": conditions,
    }
    return record, notes
