"""Load the JSON registry of chains, issuers, custodians, tokens and oracle feeds.

All or nothing: the whole document is checked first (apps.catalog.registry_schema, pydantic)
and every problem is reported with the JSON path of the bad value (``tokens[3].underlying.
isin: bad check digit``); only a clean document is written, inside one transaction.
Idempotent: loading the same file twice changes nothing.

Written with bulk operations: per model one read of the existing rows, one bulk_create of
the new ones and one bulk_update of the changed fields, so the number of queries does not
depend on the number of tokens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction

from apps.core import safejson

from .models import (
    Chain,
    CorporateAction,
    Custodian,
    CustodyAccount,
    Deployment,
    Document,
    Issuer,
    OracleFeed,
    PriceFeed,
    Security,
    Token,
    Venue,
)
from .registry_schema import MAX_ERRORS, RegistrySpec, cross_check, parse_registry
from .versions import forget_choices

MAX_REGISTRY_BYTES = 20 * 1024 * 1024  # 20 MB: about 100x the shipped catalogue


class RegistryError(Exception):
    """The registry was refused; `errors` lists every problem with its JSON path."""

    def __init__(self, errors: list[str]) -> None:
        if len(errors) > MAX_ERRORS:
            errors = [*errors[:MAX_ERRORS], f"and {len(errors) - MAX_ERRORS} more errors"]
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0

    def count(self, bucket: dict[str, int], model: type[models.Model], n: int = 1) -> None:
        if n:
            name = str(model._meta.verbose_name_plural)
            bucket[name] = bucket.get(name, 0) + n

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        def fmt(bucket: dict[str, int]) -> str:
            return ", ".join(f"{n} {k}" for k, n in sorted(bucket.items())) or "nothing"

        return (
            f"created {fmt(self.created)}; updated {fmt(self.updated)}; "
            f"{self.unchanged} rows unchanged"
        )


def read_registry(path: Path) -> dict[str, Any]:
    """Read and parse a registry file; decimals stay Decimal (never float)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RegistryError([f"{path}: cannot read ({exc.strerror})"]) from exc
    if size > MAX_REGISTRY_BYTES:
        raise RegistryError([f"{path}: {size} bytes is over the {MAX_REGISTRY_BYTES} byte limit"])
    try:
        data = safejson.loads(path.read_bytes(), parse_float=Decimal)
    except safejson.JSONTooDeep as exc:
        raise RegistryError([f"{path}: invalid JSON: {exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise RegistryError([f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    except json.JSONDecodeError as exc:
        raise RegistryError([f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"]) from exc
    if not isinstance(data, dict):
        raise RegistryError(["$: the registry must be a JSON object"])
    return data


def load_registry(data: dict[str, Any]) -> LoadResult:
    """Check the whole registry, then write it in one transaction (or raise RegistryError)."""
    spec, addresses = validate_registry(data)
    with transaction.atomic():
        result = _Writer(spec, addresses).apply()
        if result.changed:
            # Bulk writes send no post_save: the catalogue's cached options are dropped here.
            transaction.on_commit(forget_choices)
    return result


def validate_registry(data: object) -> tuple[RegistrySpec, dict[tuple[int, str, int], str]]:
    """The document as specs, or RegistryError with every problem and its JSON path."""
    spec, errors = parse_registry(data)
    if spec is None:
        raise RegistryError(errors)
    more, addresses = cross_check(
        spec,
        known_chains=dict(Chain.objects.values_list("slug", "kind")),
        known_issuers=set(Issuer.objects.values_list("slug", flat=True)),
    )
    if errors or more:
        raise RegistryError(errors + more)
    return spec, addresses


def load_registry_file(path: Path) -> LoadResult:
    return load_registry(read_registry(path))


# --- writing --------------------------------------------------------------------------------

Key = Hashable


class _Table:
    """One model's rows: the existing ones read once, the file's rows created or updated in
    bulk, fields compared one by one so that an unchanged row is not written."""

    def __init__(self, model: type[models.Model], key: Callable[[Any], Key]) -> None:
        self.model = model
        self.key = key
        self.rows: dict[Key, models.Model] = {self.key(o): o for o in model.objects.all()}
        self.new: list[models.Model] = []
        self.changed: dict[Key, models.Model] = {}
        self.fields: set[str] = set()
        self.unchanged = 0

    def put(self, values: dict[str, Any]) -> models.Model:
        probe = self.model(**values)
        key = self.key(probe)
        current = self.rows.get(key)
        if current is None:
            self.rows[key] = probe
            self.new.append(probe)
            return probe
        if current._state.adding or key in self.changed:
            return current  # written by this load already
        differs = [name for name, value in values.items() if _differs(current, name, value)]
        for name in differs:
            setattr(current, name, values[name])
        if differs:
            self.changed[key] = current
            self.fields.update(_field_name(self.model, name) for name in differs)
        else:
            self.unchanged += 1
        return current

    def save(self, result: LoadResult) -> None:
        if self.new:
            self.model.objects.bulk_create(self.new)
        if self.changed:
            self.model.objects.bulk_update(list(self.changed.values()), sorted(self.fields))
        result.count(result.created, self.model, len(self.new))
        result.count(result.updated, self.model, len(self.changed))
        result.unchanged += self.unchanged


def _field_name(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).name


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    current = getattr(obj, name)
    if isinstance(current, Decimal) and value is not None:
        return current != Decimal(value)
    return current != value


class _Writer:
    """Writes a validated registry: parents first, so children can point at their pk."""

    def __init__(self, spec: RegistrySpec, addresses: dict[tuple[int, str, int], str]) -> None:
        self.spec = spec
        self.addresses = addresses

    def apply(self) -> LoadResult:
        result = LoadResult()
        spec = self.spec

        chains = _Table(Chain, lambda o: o.slug)
        for c in spec.chains:
            chains.put(
                {
                    "slug": c.slug,
                    "kind": c.kind,
                    "name": c.name,
                    "chain_id": c.chain_id,
                    "rpc_url": c.rpc_url,
                    "explorer_url": c.explorer_url,
                    "explorer_token_template": c.explorer_token_url,
                    "explorer_block_template": c.explorer_block_url,
                    "confirmations": c.confirmations,
                    "max_age_seconds": c.max_age_seconds,
                }
            )
        issuers = _Table(Issuer, lambda o: o.slug)
        for i in spec.issuers:
            issuers.put(
                {
                    "slug": i.slug,
                    "name": i.name,
                    "jurisdiction": i.jurisdiction,
                    "lei": i.lei,
                    "website": i.website,
                }
            )
        custodians = _Table(Custodian, lambda o: o.slug)
        for c in spec.custodians:
            custodians.put(
                {"slug": c.slug, "name": c.name, "country": c.country, "website": c.website}
            )
        securities = _Table(Security, _security_key)
        for t in spec.tokens:
            u = t.underlying
            securities.put(
                {
                    "isin": u.isin,
                    "ticker": u.ticker,
                    "name": u.name,
                    "kind": u.kind,
                    "exchange_mic": u.exchange,
                    "sector": u.sector,
                    "isin_sources": list(u.isin_sources),
                    "meta_sources": list(u.meta_sources),
                }
            )
        for table in (chains, issuers, custodians, securities):
            table.save(result)

        tokens = _Table(Token, lambda o: o.symbol)
        for t in spec.tokens:
            tokens.put(
                {
                    "symbol": t.symbol,
                    "name": t.name,
                    "isin": t.isin,
                    "issuer": issuers.rows[t.issuer],
                    "security": securities.rows[_underlying_key(t.underlying)],
                    "multiplier": t.multiplier,
                    "status": t.status,
                    "launch_date": t.launch_date,
                    "factsheet_url": t.factsheet_url,
                    "sources": [s.model_dump() for s in t.sources],
                }
            )
        accounts = _Table(CustodyAccount, lambda o: (o.custodian_id, o.account_id))
        for c in spec.custodians:
            for a in c.accounts:
                accounts.put(
                    {
                        "custodian": custodians.rows[c.slug],
                        "account_id": a.id,
                        "issuer": issuers.rows[a.issuer],
                    }
                )
        tokens.save(result)
        accounts.save(result)

        deployments = _Table(Deployment, lambda o: (o.token_id, o.chain_id))
        feeds = _Table(OracleFeed, lambda o: (o.chain_id, o.address))
        venues = _Table(Venue, lambda o: (o.token_id, o.name))
        documents = _Table(Document, _document_key)
        actions = _Table(CorporateAction, lambda o: (o.token_id, o.kind, o.ex_date))
        price_feeds = _Table(PriceFeed, lambda o: (o.token_id, o.provider, o.schema))
        for i in spec.issuers:
            for d in i.documents:
                documents.put({"issuer": issuers.rows[i.slug], "token": None, **_document(d)})
        for n, t in enumerate(spec.tokens):
            token = tokens.rows[t.symbol]
            for k, d in enumerate(t.deployments):
                deployments.put(
                    {
                        "token": token,
                        "chain": chains.rows[d.chain],
                        "address": self.addresses[(n, "deployment", k)],
                        "decimals": d.decimals,
                        "role": d.role,
                        "escrow_addresses": [
                            self.addresses[(n, f"escrow-{k}", e)]
                            for e in range(len(d.escrow_addresses))
                        ],
                    }
                )
            for k, o in enumerate(t.oracles):
                feeds.put(
                    {
                        "chain": chains.rows[o.chain],
                        "address": self.addresses[(n, "oracle", k)],
                        "token": token,
                        "heartbeat_seconds": o.heartbeat,
                        "deviation_bps": o.deviation_bps,
                        "description": o.description,
                    }
                )
            for v in t.venues:
                venues.put(
                    {
                        "token": token,
                        "name": v.name,
                        "kind": v.kind,
                        "url": v.url,
                        "chain": chains.rows[v.chain] if v.chain else None,
                    }
                )
            for d in t.documents:
                documents.put({"token": token, **_document(d)})
            for f in t.price_feeds:
                price_feeds.put(
                    {
                        "token": token,
                        "provider": f.provider,
                        "schema": f.schema_,
                        "feed_id": f.feed_id,
                        "lazer_id": f.lazer_id,
                        "measures": f.measures,
                        "sources": list(f.sources),
                    }
                )
            for a in t.corporate_actions:
                actions.put(
                    {
                        "token": token,
                        "kind": a.kind,
                        "ex_date": a.ex_date,
                        "ratio": a.ratio,
                        "multiplier_before": a.multiplier_before,
                        "multiplier_after": a.multiplier_after,
                        "description": a.description,
                    }
                )
        for table in (deployments, feeds, venues, documents, actions, price_feeds):
            table.save(result)
        return result


def _security_key(o: Security) -> Key:
    # An underlying is known by its ISIN; one whose ISIN is not published by its ticker.
    return o.isin if o.isin else ("ticker", o.ticker)


def _underlying_key(u: Any) -> Key:
    return u.isin if u.isin else ("ticker", u.ticker)


def _document(d: Any) -> dict[str, Any]:
    return {"kind": d.kind, "title": d.title, "url": d.url, "sha256": d.sha256, "date": d.date}


def _document_key(o: Document) -> Key:
    # A token's documents are known by title within the token; an issuer's within the issuer.
    if o.token_id is not None:
        return ("token", o.token_id, o.title)
    return ("issuer", o.issuer_id, o.title)
