"""The backing computation: chain supply against custodian holdings, with provenance and alerts.

For token T with multiplier m:
  circulating supply S = sum over T's deployments of the latest SupplyObservation's
                         (raw_supply - escrow_balance) / 10**decimals
  shares required    R = S * m
  shares held        H = sum over custodians of the latest statement (per account of T's
                         issuer) quantity of T's underlying ISIN
  ratio H / R and a status: unknown (an input missing), stale (an input too old),
  under_backed (H short of R beyond RESERVE_TOLERANCE_BPS), backed.

Everything is loaded for many tokens at once in a fixed number of queries, and summed in
Python with Decimal (ExactDecimalField is text on SQLite).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.catalog.models import Deployment, Token
from apps.chains.models import SupplyObservation
from apps.core import cache_versions
from apps.custody.models import CustodyAccount, Holding, HoldingStatement

from .models import Alert, ReserveSnapshot

logger = logging.getLogger(__name__)

PLACES = Decimal(1).scaleb(-18)  # quantities and ratios are kept to 18 decimals
WIDE = decimal.Context(prec=120, rounding=decimal.ROUND_HALF_EVEN)  # no rounding before quantize
BATCH = 500  # snapshots per INSERT; ~1,000 tokens in two statements


def _q(value: Decimal) -> Decimal:
    return value.quantize(PLACES, context=WIDE)


def _s(value: Decimal | None) -> str | None:
    """A Decimal as JSON text without exponent or trailing zeros."""
    if value is None:
        return None
    text = format(value.normalize(WIDE), "f")
    return "0" if text in {"-0", ""} else text


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True, slots=True)
class ChainRef:
    slug: str
    name: str
    kind: str
    max_age_seconds: int


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


def load_inputs(tokens: Sequence[Token]) -> Inputs:
    """Deployments, their latest supply, the issuers' accounts and latest statements: 5 queries.

    Rows are read with values_list into small records: building 10,000 model instances
    would cost more than the whole computation.
    """
    inputs = Inputs()
    token_ids = [t.pk for t in tokens]
    latest_observation = (
        SupplyObservation.objects.filter(deployment=OuterRef("pk"))
        .order_by("-block_number")
        .values("pk")[:1]
    )
    rows = (
        Deployment.objects.filter(token_id__in=token_ids)
        .annotate(latest_observation_id=Subquery(latest_observation))
        .order_by("chain__name", "pk")
        .values_list(
            "pk",
            "token_id",
            "address",
            "role",
            "chain_id",
            "chain__slug",
            "chain__name",
            "chain__kind",
            "chain__max_age_seconds",
            "latest_observation_id",
        )
    )
    chains: dict[int, ChainRef] = {}
    observation_ids = []
    for pk, token_id, address, role, chain_id, slug, name, kind, max_age, latest in rows:
        chain = chains.get(chain_id)
        if chain is None:
            chain = chains[chain_id] = ChainRef(slug, name, kind, max_age)
        inputs.deployments.setdefault(token_id, []).append(
            DeploymentRef(pk, token_id, address, role, chain)
        )
        if latest:
            observation_ids.append(latest)
    inputs.observations = {
        row[1]: ObservationRef(*row)
        for row in SupplyObservation.objects.filter(pk__in=observation_ids).values_list(
            "pk",
            "deployment_id",
            "block_number",
            "block_hash",
            "block_time",
            "raw_supply",
            "escrow_balance",
            "decimals",
            "observed_at",
        )
    }

    issuer_ids = {t.issuer_id for t in tokens}
    latest_statement = (
        HoldingStatement.objects.filter(account=OuterRef("pk"))
        .order_by("-statement_date", "-pk")
        .values("pk")[:1]
    )
    accounts = (
        CustodyAccount.objects.filter(issuer_id__in=issuer_ids)
        .annotate(latest_statement_id=Subquery(latest_statement))
        .order_by("custodian__name", "account_id")
        .values_list(
            "pk",
            "issuer_id",
            "account_id",
            "custodian_id",
            "custodian__slug",
            "custodian__name",
            "latest_statement_id",
        )
    )
    custodians: dict[int, CustodianRef] = {}
    statement_ids = []
    for pk, issuer_id, account_id, custodian_id, slug, name, latest in accounts:
        custodian = custodians.get(custodian_id)
        if custodian is None:
            custodian = custodians[custodian_id] = CustodianRef(custodian_id, slug, name)
        inputs.accounts.setdefault(issuer_id, []).append(
            AccountRef(pk, issuer_id, account_id, custodian_id, custodian)
        )
        if latest:
            statement_ids.append(latest)
    inputs.statements = {
        row[1]: StatementRef(*row)
        for row in HoldingStatement.objects.filter(pk__in=statement_ids).values_list(
            "pk", "account_id", "statement_id", "statement_date", "sha256"
        )
    }
    isins = {t.security.isin for t in tokens}
    inputs.holdings = {
        (statement_id, isin): quantity
        for statement_id, isin, quantity in Holding.objects.filter(
            statement_id__in=statement_ids, isin__in=isins
        ).values_list("statement_id", "isin", "quantity")
    }
    return inputs


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

    @property
    def fingerprint(self) -> str:
        payload = {
            "status": self.status,
            "supply": _s(self.circulating_supply),
            "required": _s(self.shares_required),
            "held": _s(self.shares_held),
            "ratio": _s(self.ratio),
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
    for d in deployments:
        o = inputs.observations.get(d.pk)
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
                "raw_supply": _s(o.raw_supply),
                "escrow_balance": _s(o.escrow_balance),
                "supply": _s(o.supply),
                "escrow": _s(o.escrow),
                "circulating": _s(circulating),
                "stale": too_old,
            }
        )

    custodians: dict[str, dict[str, Any]] = {}
    held = Decimal(0)
    accounts = inputs.accounts.get(token.issuer_id, [])
    isin = token.security.isin
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
        quantity = inputs.holdings.get((s.pk, isin), Decimal(0))
        held += quantity
        entry["quantity"] = _s(Decimal(entry["quantity"]) + quantity)
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
                "quantity": _s(quantity),
                "stale": too_old,
            }
        )
    if not statements_seen:
        missing.append("no custodian statement for the issuer's accounts")

    supply_known = bool(deployments) and all("observation_id" in c for c in chains)
    circulating_supply = _q(supply) if supply_known else None
    required = _q(supply * multiplier) if supply_known else None
    held_total = _q(held) if statements_seen else None
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
        "multiplier": _s(multiplier),
        "isin": isin,
        "tolerance_bps": settings.RESERVE_TOLERANCE_BPS,
        "statement_max_age_hours": settings.RESERVE_STATEMENT_MAX_AGE_HOURS,
        "supply_by_chain": chains,
        "holdings_by_custodian": list(custodians.values()),
        "missing": missing,
        "stale": stale,
    }
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


def _percent(ratio: Decimal | None) -> str:
    return "no ratio" if ratio is None else f"{(ratio * 100).quantize(Decimal('0.01'))} %"


def _alert_message(token: Token, condition: str, backing: Backing) -> str:
    if condition == Alert.Condition.UNDER_BACKED:
        return (
            f"{token.symbol} is under-backed: {_s(backing.shares_held)} shares held against "
            f"{_s(backing.shares_required)} required ({_percent(backing.ratio)})."
        )
    return f"{token.symbol} backing data is stale: " + "; ".join(backing.provenance["stale"])


RESERVES_VERSION_KEY = "reserves:version"


def reserves_version() -> int:
    """A number that changes whenever a snapshot or an alert is written (cache keys use it)."""
    return cache_versions.current(RESERVES_VERSION_KEY)


def bump_reserves_version() -> None:
    cache_versions.bump(RESERVES_VERSION_KEY)


def compute_snapshots(
    *, tokens: Iterable[Token], now: dt.datetime | None = None
) -> list[ReserveSnapshot]:
    """Compute and store the backing of many tokens in a fixed number of queries.

    A token whose figures, status and provenance are unchanged since its latest snapshot
    gets no new row, only a new `checked_at`; any change writes a new row, so the history
    shows every change. Alerts are raised and resolved to match, and new ones e-mailed once.
    """
    now = now or timezone.now()
    tokens = list(tokens)
    if not tokens:
        return []
    inputs = load_inputs(tokens)
    backings = [compute_backing(token=t, inputs=inputs, now=now) for t in tokens]
    token_ids = [t.pk for t in tokens]
    # Provenance is not needed to compare fingerprints; it loads lazily if a caller reads it.
    latest = {
        s.token_id: s for s in ReserveSnapshot.objects.latest_for(token_ids).defer("provenance")
    }
    open_alerts = {
        (a.token_id, a.condition): a
        for a in Alert.objects.filter(token_id__in=token_ids, resolved_at__isnull=True)
    }
    result: list[ReserveSnapshot] = []
    new: list[ReserveSnapshot] = []
    unchanged: list[int] = []
    with transaction.atomic():
        for b in backings:
            fingerprint = b.fingerprint
            previous = latest.get(b.token.pk)
            if previous is not None and previous.fingerprint == fingerprint:
                previous.checked_at = now
                unchanged.append(previous.pk)
                result.append(previous)
                continue
            snapshot = ReserveSnapshot(
                token=b.token,
                computed_at=now,
                checked_at=now,
                as_of=b.as_of,
                circulating_supply=b.circulating_supply,
                multiplier=b.multiplier,
                shares_required=b.shares_required,
                shares_held=b.shares_held,
                ratio=b.ratio,
                status=b.status,
                provenance=b.provenance,
                fingerprint=fingerprint,
            )
            new.append(snapshot)
            result.append(snapshot)
        if unchanged:
            ReserveSnapshot.objects.filter(pk__in=unchanged).update(checked_at=now)
        if new:
            ReserveSnapshot.objects.bulk_create(new, batch_size=BATCH)
        by_token = {s.token_id: s for s in result}
        raised: list[Alert] = []
        resolved: list[int] = []
        for b in backings:
            if b.status == ReserveSnapshot.Status.UNKNOWN:
                continue  # nothing known: neither raise nor clear
            for condition in Alert.Condition.values:
                alert = open_alerts.get((b.token.pk, condition))
                if condition in b.conditions and alert is None:
                    raised.append(
                        Alert(
                            token=b.token,
                            condition=condition,
                            message=_alert_message(b.token, condition, b),
                            raised_at=now,
                            snapshot=by_token[b.token.pk] if by_token[b.token.pk].pk else None,
                        )
                    )
                elif condition not in b.conditions and alert is not None:
                    resolved.append(alert.pk)
        if resolved:
            Alert.objects.filter(pk__in=resolved, resolved_at__isnull=True).update(resolved_at=now)
        if raised:
            # A concurrent computation may have raised the same alert: the partial unique
            # constraint keeps one open alert, and this insert skips it instead of failing.
            Alert.objects.bulk_create(raised, batch_size=BATCH, ignore_conflicts=True)
        if new or resolved or raised:
            # Cached pages that show the backing (the catalogue) read afresh after commit.
            transaction.on_commit(bump_reserves_version)
    unsent = [a.token_id for a in open_alerts.values() if a.emailed_at is None]
    if raised or unsent:
        # Alerts raised now, and any whose e-mail failed before: each is sent once.
        pending = list(
            Alert.objects.filter(
                token_id__in=[a.token_id for a in raised] + unsent,
                resolved_at__isnull=True,
                emailed_at__isnull=True,
            ).select_related("token")
        )
        if pending:
            _email_alerts(pending, now=now)
    return result


def _email_alerts(alerts: list[Alert], *, now: dt.datetime) -> None:
    """One e-mail to the compliance address for the alerts just raised, marked as sent."""
    subject = (
        f"[reserves] {alerts[0].token.symbol}: {alerts[0].get_condition_display()}"
        if len(alerts) == 1
        else f"[reserves] {len(alerts)} backing alerts raised"
    )
    try:
        send_mail(
            subject,
            "\n".join(a.message for a in alerts) + "\n",
            settings.DEFAULT_FROM_EMAIL,
            [settings.COMPLIANCE_EMAIL],
        )
    except OSError:
        logger.exception("could not e-mail %d reserve alerts", len(alerts))
        return
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(emailed_at=now)


def compute_snapshot(*, token: Token, now: dt.datetime | None = None) -> ReserveSnapshot:
    """Compute and store the backing of one token (see compute_snapshots)."""
    return compute_snapshots(tokens=[token], now=now)[0]


def compute_for_token_ids(*, token_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Recompute the given tokens (all when empty); returns how many were computed."""
    qs = Token.objects.select_related("security")
    ids = list(token_ids)
    if ids:
        qs = qs.filter(pk__in=ids)
    return len(compute_snapshots(tokens=qs, now=now))


def compute_for_issuers(*, issuer_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Recompute every token of the given issuers (after a custodian statement import)."""
    qs = Token.objects.select_related("security").filter(issuer_id__in=list(issuer_ids))
    return len(compute_snapshots(tokens=qs, now=now))
