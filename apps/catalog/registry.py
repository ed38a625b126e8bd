"""Load the JSON registry of chains, issuers, custodians and tokens.

All or nothing: the whole document is checked first and every problem is
reported with the JSON path of the bad value (``tokens[3].underlying.isin: bad
check digit``); only a clean document is written, inside one transaction.
Idempotent: loading the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import models, transaction

from apps.chains.models import OracleFeed
from apps.core import identifiers
from apps.custody.models import Custodian, CustodyAccount

from .models import (
    Chain,
    CorporateAction,
    Deployment,
    Document,
    Issuer,
    Security,
    Token,
    Venue,
)
from .versions import forget_choices

MAX_REGISTRY_BYTES = 20 * 1024 * 1024  # 20 MB: about 100x the shipped catalogue


class RegistryError(Exception):
    """The registry was refused; `errors` lists every problem with its JSON path."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0

    def count(self, bucket: dict[str, int], model: type[models.Model]) -> None:
        name = model._meta.verbose_name_plural
        bucket[name] = bucket.get(name, 0) + 1

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


class _Checker:
    """Collects errors with their JSON paths while reading values out of the document."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"must be an object, not {type(value).__name__}")
            return None
        return value

    def items(self, parent: dict[str, Any], key: str, path: str, *, required: bool = False):
        value = parent.get(key)
        if value is None:
            if required:
                self.error(f"{path}.{key}" if path else key, "is required")
            return []
        if not isinstance(value, list):
            self.error(f"{path}.{key}" if path else key, "must be a list")
            return []
        base = f"{path}.{key}" if path else key
        out = []
        for i, item in enumerate(value):
            obj = self.obj(item, f"{base}[{i}]")
            if obj is not None:
                out.append((f"{base}[{i}]", obj))
        return out

    def text(
        self, obj: dict[str, Any], key: str, path: str, *, required: bool = True, max_len: int = 200
    ) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.error(f"{path}.{key}", "is required")
            return ""
        if not isinstance(value, str):
            self.error(f"{path}.{key}", f"must be a string, not {type(value).__name__}")
            return ""
        if len(value) > max_len:
            self.error(f"{path}.{key}", f"is longer than {max_len} characters")
            return ""
        return value.strip()

    def check(
        self,
        check: Callable[[object], str],
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
    ) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.error(f"{path}.{key}", "is required")
            return ""
        try:
            return check(value)
        except ValueError as exc:
            self.error(f"{path}.{key}", str(exc))
            return ""

    def choice(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        choices: Iterable[str],
        *,
        default: str | None = None,
    ) -> str:
        value = obj.get(key, default)
        allowed = list(choices)
        if value not in allowed:
            self.error(f"{path}.{key}", f"must be one of {', '.join(allowed)} (got {value!r})")
            return allowed[0]
        return value

    def decimal(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        positive: bool = True,
    ) -> Decimal | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.error(f"{path}.{key}", "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
            self.error(f"{path}.{key}", "must be a number or a decimal string")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.error(f"{path}.{key}", f"{value!r} is not a number")
            return None
        if not number.is_finite() or (positive and number <= 0):
            self.error(f"{path}.{key}", f"must be a positive number (got {value})")
            return None
        if number.as_tuple().exponent < -18:  # type: ignore[operator]
            self.error(f"{path}.{key}", "has more than 18 decimal places")
            return None
        return number

    def integer(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        low: int = 0,
        high: int = 2**63 - 1,
    ) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.error(f"{path}.{key}", "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(f"{path}.{key}", "must be an integer")
            return None
        if not low <= value <= high:
            self.error(f"{path}.{key}", f"must be between {low} and {high}")
            return None
        return value

    def date(self, obj: dict[str, Any], key: str, path: str, *, required: bool = False):
        value = obj.get(key)
        if value is None:
            if required:
                self.error(f"{path}.{key}", "is required")
            return None
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            self.error(f"{path}.{key}", f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def url(self, obj: dict[str, Any], key: str, path: str) -> str:
        value = self.text(obj, key, path, required=False, max_len=500)
        if value and not value.startswith(("http://", "https://")):
            self.error(f"{path}.{key}", f"{value!r} is not an http(s) URL")
            return ""
        return value

    def unique(self, seen: dict[Any, str], key: Any, path: str, what: str) -> None:
        if key in seen:
            self.error(path, f"duplicate {what} {key!r} (first at {seen[key]})")
        else:
            seen[key] = path


def read_registry(path: Path) -> dict[str, Any]:
    """Read and parse a registry file; decimals stay Decimal (never float)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RegistryError([f"{path}: cannot read ({exc.strerror})"]) from exc
    if size > MAX_REGISTRY_BYTES:
        raise RegistryError([f"{path}: {size} bytes is over the {MAX_REGISTRY_BYTES} byte limit"])
    try:
        data = json.loads(path.read_bytes(), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise RegistryError([f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    except json.JSONDecodeError as exc:
        raise RegistryError([f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"]) from exc
    if not isinstance(data, dict):
        raise RegistryError(["$: the registry must be a JSON object"])
    return data


def load_registry(data: dict[str, Any]) -> LoadResult:
    """Check the whole registry, then write it in one transaction (or raise RegistryError)."""
    plan = _Plan.build(data)
    with transaction.atomic():
        result = plan.apply()
        if result.changed:
            transaction.on_commit(forget_choices)
    return result


def load_registry_file(path: Path) -> LoadResult:
    return load_registry(read_registry(path))


def _sha256(c: _Checker, obj: dict[str, Any], path: str) -> str:
    value = c.text(obj, "sha256", path, required=False, max_len=64).lower()
    if value and (len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value)):
        c.error(f"{path}.sha256", "must be 64 hex digits")
        return ""
    return value


@dataclass
class _Plan:
    chains: list[dict[str, Any]] = field(default_factory=list)
    issuers: list[dict[str, Any]] = field(default_factory=list)
    custodians: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(cls, data: dict[str, Any]) -> _Plan:
        c = _Checker()
        plan = cls()
        known = {"chains", "issuers", "custodians", "tokens", "version", "comment", "$schema"}
        for key in data:
            if key not in known:
                c.error(key, "unknown key")
        chain_kinds = dict(Chain.objects.values_list("slug", "kind"))
        issuer_slugs = set(Issuer.objects.values_list("slug", flat=True))
        seen: dict[Any, str] = {}

        for path, obj in c.items(data, "chains", ""):
            slug = c.text(obj, "slug", path, max_len=32).lower()
            if slug:
                c.unique(seen, ("chain", slug), f"{path}.slug", "chain")
            kind = c.choice(obj, "kind", path, Chain.Kind.values)
            chain_id = c.integer(obj, "chain_id", path, required=kind == "evm", low=1)
            chain_kinds[slug] = kind
            plan.chains.append(
                {
                    "slug": slug,
                    "kind": kind,
                    "name": c.text(obj, "name", path, max_len=64),
                    "chain_id": chain_id,
                    "rpc_url": c.url(obj, "rpc_url", path),
                    "explorer_url": c.url(obj, "explorer_url", path),
                    "explorer_token_template": c.text(
                        obj, "explorer_token_url", path, required=False, max_len=300
                    ),
                    "explorer_block_template": c.text(
                        obj, "explorer_block_url", path, required=False, max_len=300
                    ),
                    "confirmations": c.integer(
                        obj, "confirmations", path, required=False, high=10_000
                    )
                    or 0,
                    "max_age_seconds": c.integer(
                        obj, "max_age_seconds", path, required=False, low=1, high=10**8
                    )
                    or 3600,
                }
            )

        for path, obj in c.items(data, "issuers", ""):
            slug = c.text(obj, "slug", path, max_len=64)
            if slug:
                c.unique(seen, ("issuer", slug), f"{path}.slug", "issuer")
            issuer_slugs.add(slug)
            plan.issuers.append(
                {
                    "slug": slug,
                    "name": c.text(obj, "name", path),
                    "jurisdiction": c.check(identifiers.check_country, obj, "jurisdiction", path),
                    "lei": c.check(identifiers.check_lei, obj, "lei", path, required=False),
                    "website": c.url(obj, "website", path),
                    "documents": cls._documents(c, obj, path),
                }
            )

        for path, obj in c.items(data, "custodians", ""):
            slug = c.text(obj, "slug", path, max_len=64)
            if slug:
                c.unique(seen, ("custodian", slug), f"{path}.slug", "custodian")
            accounts = []
            for apath, acc in c.items(obj, "accounts", path):
                account_id = c.text(acc, "id", apath, max_len=64)
                issuer = c.text(acc, "issuer", apath, max_len=64)
                if issuer and issuer not in issuer_slugs:
                    c.error(f"{apath}.issuer", f"unknown issuer {issuer!r}")
                if account_id:
                    c.unique(seen, ("account", slug, account_id), f"{apath}.id", "account")
                accounts.append({"account_id": account_id, "issuer": issuer})
            plan.custodians.append(
                {
                    "slug": slug,
                    "name": c.text(obj, "name", path),
                    "country": c.check(identifiers.check_country, obj, "country", path),
                    "website": c.url(obj, "website", path),
                    "accounts": accounts,
                }
            )

        for path, obj in c.items(data, "tokens", ""):
            plan.tokens.append(cls._token(c, obj, path, seen, chain_kinds, issuer_slugs))

        if c.errors:
            raise RegistryError(c.errors)
        return plan

    @staticmethod
    def _documents(c: _Checker, obj: dict[str, Any], path: str) -> list[dict[str, Any]]:
        docs = []
        for dpath, doc in c.items(obj, "documents", path):
            url = c.url(doc, "url", dpath)
            if not url:
                c.error(f"{dpath}.url", "is required")
            docs.append(
                {
                    "kind": c.choice(doc, "kind", dpath, Document.Kind.values),
                    "title": c.text(doc, "title", dpath),
                    "url": url,
                    "sha256": _sha256(c, doc, dpath),
                    "date": c.date(doc, "date", dpath),
                }
            )
        return docs

    @classmethod
    def _token(
        cls,
        c: _Checker,
        obj: dict[str, Any],
        path: str,
        seen: dict[Any, str],
        chain_kinds: dict[str, str],
        issuer_slugs: set[str],
    ) -> dict[str, Any]:
        symbol = c.text(obj, "symbol", path, max_len=24)
        if symbol:
            c.unique(seen, ("token", symbol), f"{path}.symbol", "token symbol")
        issuer = c.text(obj, "issuer", path, max_len=64)
        if issuer and issuer not in issuer_slugs:
            c.error(f"{path}.issuer", f"unknown issuer {issuer!r}")
        isin = c.check(identifiers.check_isin, obj, "isin", path, required=False)
        if isin:
            c.unique(seen, ("isin", isin), f"{path}.isin", "ISIN")
        underlying: dict[str, Any] = {}
        upath = f"{path}.underlying"
        u = c.obj(obj.get("underlying"), upath) if "underlying" in obj else None
        if "underlying" not in obj:
            c.error(upath, "is required")
        if u is not None:
            underlying = {
                "ticker": c.text(u, "ticker", upath, max_len=16),
                "name": c.text(u, "name", upath),
                "isin": c.check(identifiers.check_isin, u, "isin", upath),
                "kind": c.choice(u, "kind", upath, Security.Kind.values),
                "exchange_mic": c.text(u, "exchange", upath, required=False, max_len=4).upper()
                or "XNYS",
                "sector": c.text(u, "sector", upath, required=False, max_len=64),
            }
        deployments = []
        for dpath, d in c.items(obj, "deployments", path, required=True):
            chain = c.text(d, "chain", dpath, max_len=32).lower()
            kind = chain_kinds.get(chain)
            if chain and kind is None:
                c.error(f"{dpath}.chain", f"unknown chain {chain!r}")
            address = escrows = None
            if kind:
                address = c.check(
                    lambda v, k=kind: identifiers.check_address(k, v), d, "address", dpath
                )
                if address:
                    c.unique(seen, ("address", chain, address), f"{dpath}.address", "address")
                    c.unique(seen, ("token-chain", symbol, chain), f"{dpath}.chain", "chain")
                escrows = []
                raw = d.get("escrow_addresses", [])
                if not isinstance(raw, list):
                    c.error(f"{dpath}.escrow_addresses", "must be a list")
                    raw = []
                for i, e in enumerate(raw):
                    try:
                        escrows.append(identifiers.check_address(kind, e))
                    except ValueError as exc:
                        c.error(f"{dpath}.escrow_addresses[{i}]", str(exc))
            deployments.append(
                {
                    "chain": chain,
                    "address": address,
                    "decimals": c.integer(d, "decimals", dpath, high=36),
                    "role": c.choice(d, "role", dpath, Deployment.Role.values, default="canonical"),
                    "escrow_addresses": escrows or [],
                }
            )
        oracles = []
        for opath, o in c.items(obj, "oracles", path):
            ochain = c.text(o, "chain", opath, max_len=32).lower()
            okind = chain_kinds.get(ochain)
            if ochain and okind is None:
                c.error(f"{opath}.chain", f"unknown chain {ochain!r}")
            elif okind and okind != Chain.Kind.EVM:
                c.error(f"{opath}.chain", f"oracle feeds are read on EVM chains, not {okind}")
            oaddress = ""
            if okind == Chain.Kind.EVM:
                oaddress = c.check(
                    lambda v: identifiers.check_address("evm", v), o, "address", opath
                )
                if oaddress:
                    c.unique(seen, ("oracle", ochain, oaddress), f"{opath}.address", "oracle")
            heartbeat = c.integer(o, "heartbeat", opath, required=False, low=1, high=10**8)
            deviation = c.decimal(o, "deviation_bps", opath, required=False)
            oracles.append(
                {
                    "chain": ochain,
                    "address": oaddress,
                    "heartbeat_seconds": heartbeat or 86400,
                    "deviation_bps": deviation if deviation is not None else Decimal(50),
                    "description": c.text(o, "description", opath, required=False, max_len=100),
                }
            )
        venues = []
        for vpath, v in c.items(obj, "venues", path):
            vchain = c.text(v, "chain", vpath, required=False, max_len=32).lower()
            if vchain and vchain not in chain_kinds:
                c.error(f"{vpath}.chain", f"unknown chain {vchain!r}")
            venues.append(
                {
                    "name": c.text(v, "name", vpath, max_len=100),
                    "kind": c.choice(v, "kind", vpath, Venue.Kind.values),
                    "url": c.url(v, "url", vpath),
                    "chain": vchain,
                }
            )
        actions = []
        for apath, a in c.items(obj, "corporate_actions", path):
            actions.append(
                {
                    "kind": c.choice(a, "kind", apath, CorporateAction.Kind.values),
                    "ex_date": c.date(a, "ex_date", apath, required=True),
                    "ratio": c.decimal(a, "ratio", apath, required=False),
                    "multiplier_before": c.decimal(a, "multiplier_before", apath),
                    "multiplier_after": c.decimal(a, "multiplier_after", apath),
                    "description": c.text(a, "description", apath, required=False, max_len=300),
                }
            )
        return {
            "symbol": symbol,
            "name": c.text(obj, "name", path),
            "issuer": issuer,
            "isin": isin,
            "multiplier": c.decimal(obj, "multiplier", path),
            "status": c.choice(obj, "status", path, Token.Status.values, default="active"),
            "launch_date": c.date(obj, "launch_date", path),
            "underlying": underlying,
            "deployments": deployments,
            "oracles": oracles,
            "venues": venues,
            "documents": cls._documents(c, obj, path),
            "corporate_actions": actions,
        }

    # --- writing ---------------------------------------------------------------------------

    def apply(self) -> LoadResult:
        result = LoadResult()
        chains = {c.slug: c for c in Chain.objects.all()}
        for spec in self.chains:
            chains[spec["slug"]] = _upsert(result, Chain, {"slug": spec["slug"]}, spec)
        issuers = {i.slug: i for i in Issuer.objects.all()}
        for spec in self.issuers:
            values = {k: v for k, v in spec.items() if k != "documents"}
            issuer = _upsert(result, Issuer, {"slug": spec["slug"]}, values)
            issuers[spec["slug"]] = issuer
            for doc in spec["documents"]:
                _upsert(
                    result, Document, {"issuer": issuer, "token": None, "title": doc["title"]}, doc
                )
        for spec in self.custodians:
            values = {k: v for k, v in spec.items() if k != "accounts"}
            custodian = _upsert(result, Custodian, {"slug": spec["slug"]}, values)
            for acc in spec["accounts"]:
                _upsert(
                    result,
                    CustodyAccount,
                    {"custodian": custodian, "account_id": acc["account_id"]},
                    {"issuer": issuers[acc["issuer"]]},
                )
        for spec in self.tokens:
            u = spec["underlying"]
            security = _upsert(result, Security, {"isin": u["isin"]}, u)
            token = _upsert(
                result,
                Token,
                {"symbol": spec["symbol"]},
                {
                    "name": spec["name"],
                    "isin": spec["isin"],
                    "issuer": issuers[spec["issuer"]],
                    "security": security,
                    "multiplier": spec["multiplier"],
                    "status": spec["status"],
                    "launch_date": spec["launch_date"],
                },
            )
            for d in spec["deployments"]:
                _upsert(
                    result,
                    Deployment,
                    {"token": token, "chain": chains[d["chain"]]},
                    {k: v for k, v in d.items() if k != "chain"},
                )
            for o in spec["oracles"]:
                _upsert(
                    result,
                    OracleFeed,
                    {"chain": chains[o["chain"]], "address": o["address"]},
                    {
                        **{k: v for k, v in o.items() if k not in ("chain", "address")},
                        "token": token,
                    },
                )
            for v in spec["venues"]:
                _upsert(
                    result,
                    Venue,
                    {"token": token, "name": v["name"]},
                    {**v, "chain": chains[v["chain"]] if v["chain"] else None},
                )
            for doc in spec["documents"]:
                _upsert(result, Document, {"token": token, "title": doc["title"]}, doc)
            for a in spec["corporate_actions"]:
                _upsert(
                    result,
                    CorporateAction,
                    {"token": token, "kind": a["kind"], "ex_date": a["ex_date"]},
                    a,
                )
        return result


def _upsert(
    result: LoadResult, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]
) -> Any:
    """Create, update only the fields that differ, or leave the row alone."""
    values = {k: v for k, v in values.items() if k not in lookup}
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        result.count(result.created, model)
        return obj
    changed = []
    for name, value in values.items():
        current = getattr(obj, name)
        if isinstance(current, Decimal) and value is not None:
            differs = current != Decimal(value)
        else:
            differs = current != value
        if differs:
            setattr(obj, name, value)
            changed.append(name)
    if changed:
        obj.save(update_fields=changed)
        result.count(result.updated, model)
    else:
        result.unchanged += 1
    return obj
