"""The backing computation, pure (no queries): chain supply against custodian holdings.

For token T with multiplier m:
  circulating supply S = sum over T's deployments of the latest SupplyObservation's
                         (raw_supply - escrow_balance) / 10**decimals
  shares required    R = S * m
  shares held        H = sum over custodians of the latest statement (per account of T's
                         issuer) quantity of T's underlying ISIN
  ratio H / R and a status: unknown (an input missing), stale (an input too old),
  under_backed (H short of R beyond RESERVE_TOLERANCE_BPS), backed.

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

from apps.core.formatting import WIDE, decimal_text

from .models import Alert, ReserveSnapshot

if TYPE_CHECKING:
    from apps.catalog.models import Token

# A deployment on a chain this site has no node for; kept in English in the snapshot, the
# pages translate it (gettext_noop only marks it).
NO_NODE = gettext_noop("no node configured")
PLACES = Decimal(1).scaleb(-18)  # quantities and ratios are kept to 18 decimals


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
        supply += circulating
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
    required = _q(supply * multiplier) if supply_known else None
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
    provenance = {
        "multiplier": decimal_text(multiplier),
        "isin": isin,
        "tolerance_bps": settings.RESERVE_TOLERANCE_BPS,
        "statement_max_age_hours": settings.RESERVE_STATEMENT_MAX_AGE_HOURS,
        "supply_by_chain": chains,
        "holdings_by_custodian": list(custodians.values()),
        "missing": missing,
        "stale": stale,
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
    )
