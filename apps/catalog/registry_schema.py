"""The registry file's shape, validated by pydantic v2.

Each entity of the file is a model here; a new key is a new field (optional, with a
default, so older files stay valid). Keys inside entities that the schema does not know
are ignored; unknown top-level keys are refused. Checks that need the whole document
(unknown chains and issuers, duplicates, addresses by chain kind) run afterwards in
`cross_check`. Every error is reported with its JSON path: `tokens[3].underlying.isin: ...`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from apps.core import identifiers

MAX_ERRORS = 200  # errors reported; a file with more gets "and N more"


def _choice(*allowed: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)} (got {value!r})")
        return str(value)

    return check


def _positive_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValueError("must be a number or a decimal string")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"must be a positive number (got {value})")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -18:
        raise ValueError("has more than 18 decimal places")
    return number


def _url(value: str) -> str:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _sha256(value: str) -> str:
    value = value.lower()
    if value and (len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value)):
        raise ValueError("must be 64 hex digits")
    return value


def _date(value: object) -> dt.date:
    try:
        return dt.date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def IntRange(low: int, high: int) -> Any:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return Annotated[int, BeforeValidator(check)]


def Text(max_length: int = 200) -> Any:
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)
    ]


def OptionalText(max_length: int = 200) -> Any:
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=max_length)]


Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_url)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ChainSlug = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=32)
]
PositiveDecimal = Annotated[Decimal, BeforeValidator(_positive_decimal)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Isin = Annotated[str, BeforeValidator(identifiers.check_isin)]
Country = Annotated[str, BeforeValidator(identifiers.check_country)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ChainSpec(Spec):
    slug: ChainSlug
    kind: Annotated[str, BeforeValidator(_choice("evm", "solana"))]
    name: Text(64)
    chain_id: IntRange(1, 2**63 - 1) | None = None
    rpc_url: Url = ""
    explorer_url: Url = ""
    explorer_token_url: OptionalText(300) = ""
    explorer_block_url: OptionalText(300) = ""
    confirmations: IntRange(0, 10_000) = 0
    max_age_seconds: IntRange(1, 10**8) = 3600


class DocumentSpec(Spec):
    kind: Annotated[
        str, BeforeValidator(_choice("prospectus", "final_terms", "kid", "attestation", "other"))
    ]
    title: Text(200)
    url: Annotated[Url, StringConstraints(min_length=1)]
    sha256: Annotated[OptionalText(64), AfterValidator(_sha256)] = ""
    date: Date | None = None


class IssuerSpec(Spec):
    slug: Slug
    name: Text(200)
    jurisdiction: Country
    lei: Annotated[str, BeforeValidator(lambda v: identifiers.check_lei(v) if v else "")] = ""
    website: Url = ""
    documents: list[DocumentSpec] = []


class AccountSpec(Spec):
    id: Text(64)
    issuer: Text(64)


class CustodianSpec(Spec):
    slug: Slug
    name: Text(200)
    country: Country
    website: Url = ""
    accounts: list[AccountSpec] = []


def _optional_isin(value: object) -> str | None:
    """null or "" is "not published"; anything else must be a valid ISIN."""
    if value is None or value == "":
        return None
    return identifiers.check_isin(value)


def _source_ref(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 300:
        raise ValueError("must be a source reference '<repo>:<path>' (at most 300 characters)")
    return value.strip()


def _not_published(value: object) -> object:
    # null means "not published", like a missing key.
    return "" if value is None else value


class UnderlyingSpec(Spec):
    ticker: Text(16)
    # Registry v2: what no public source gives is null or absent ("not published").
    name: Annotated[OptionalText(200), BeforeValidator(_not_published)] = ""
    isin: Annotated[str | None, BeforeValidator(_optional_isin)] = None
    isin_sources: list[Annotated[str, BeforeValidator(_source_ref)]] = []
    kind: Annotated[
        str, BeforeValidator(lambda v: _choice("stock", "etf", "")(_not_published(v)))
    ] = ""
    exchange: Annotated[
        OptionalText(4), BeforeValidator(_not_published), AfterValidator(str.upper)
    ] = ""
    sector: Annotated[OptionalText(64), BeforeValidator(_not_published)] = ""
    meta_sources: list[Annotated[str, BeforeValidator(_source_ref)]] = []


class DeploymentSpec(Spec):
    chain: ChainSlug
    address: Text(100)  # checked against the chain's kind in cross_check
    decimals: IntRange(0, 36)
    role: Annotated[str, BeforeValidator(_choice("canonical", "bridged"))] = "canonical"
    escrow_addresses: list[Text(100)] = []


class OracleSpec(Spec):
    chain: ChainSlug
    address: Text(100)
    heartbeat: IntRange(1, 10**8) = 86400
    deviation_bps: PositiveDecimal = Decimal(50)
    description: OptionalText(100) = ""


def _feed_id(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be a hex string")
    text = value.strip().lower()
    digits = text[2:] if text.startswith("0x") else text
    if len(digits) != 64 or any(ch not in "0123456789abcdef" for ch in digits):
        raise ValueError(f"{value!r} is not a 32-byte hex id")
    return "0x" + digits


class PriceFeedSpec(Spec):
    provider: Annotated[str, BeforeValidator(_choice("chainlink-data-streams", "pyth"))]
    schema_: Annotated[str, BeforeValidator(_choice("v10", "v8", "hermes"))] = Field(alias="schema")
    feed_id: Annotated[str, BeforeValidator(_feed_id)] = ""
    lazer_id: IntRange(0, 2**31 - 1) | None = None
    measures: OptionalText(200) = ""
    sources: list[Any] = []


class VenueSpec(Spec):
    name: Text(100)
    kind: Annotated[str, BeforeValidator(_choice("cex", "dex", "lending"))]
    url: Url = ""
    chain: Annotated[OptionalText(32), AfterValidator(str.lower)] = ""


class CorporateActionSpec(Spec):
    kind: Annotated[str, BeforeValidator(_choice("split", "reverse_split", "dividend", "other"))]
    ex_date: Date
    ratio: PositiveDecimal | None = None
    multiplier_before: PositiveDecimal
    multiplier_after: PositiveDecimal
    description: OptionalText(300) = ""


class TokenSourceSpec(Spec):
    """A public source that gives this token's facts: a repository file at a commit."""

    id: Text(64)
    repo: OptionalText(200) = ""
    path: OptionalText(300) = ""
    commit: OptionalText(200) = ""
    url: Url = ""
    supports: list[Text(64)] = []
    note: OptionalText(300) = ""


class TokenSpec(Spec):
    symbol: Text(24)
    name: Text(200)
    issuer: Text(64)
    multiplier: PositiveDecimal
    isin: Annotated[str, BeforeValidator(lambda v: identifiers.check_isin(v) if v else "")] = ""
    status: Annotated[
        str, BeforeValidator(_choice("active", "paused", "announced", "delisted"))
    ] = "active"
    launch_date: Date | None = None
    factsheet_url: Annotated[Url, BeforeValidator(_not_published)] = ""
    sources: list[TokenSourceSpec] = []
    underlying: UnderlyingSpec
    deployments: Annotated[list[DeploymentSpec], Field(min_length=1)]
    venues: list[VenueSpec] = []
    documents: list[DocumentSpec] = []
    corporate_actions: list[CorporateActionSpec] = []
    oracles: list[OracleSpec] = []
    price_feeds: list[PriceFeedSpec] = []


class RegistrySpec(Spec):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    chains: list[ChainSpec] = []
    issuers: list[IssuerSpec] = []
    custodians: list[CustodianSpec] = []
    tokens: list[TokenSpec] = []
    version: Any = None
    comment: Any = None
    schema_: Any = Field(default=None, alias="$schema")
    # Slugs of chains that failed validation (filled by parse_registry).
    unchecked_chains: list[str] = []


# --- errors ---------------------------------------------------------------------------------


def json_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "$"


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "is required"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    if kind == "too_short" and ctx.get("min_length") == 1:
        return "is required (at least one)"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("greater_than_equal", "less_than_equal"):
        return error["msg"].replace("Input should be", "must be")
    if kind in ("model_type", "dict_type"):
        return "must be an object"
    if kind == "list_type":
        return "must be a list"
    if kind in ("int_type", "int_parsing"):
        return "must be an integer"
    return error["msg"]


def validation_errors(exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[str]:
    return [
        f"{json_path((*prefix, *e['loc']))}: {_message(e)}" for e in exc.errors(include_url=False)
    ]


SECTIONS: dict[str, type[Spec]] = {
    "chains": ChainSpec,
    "issuers": IssuerSpec,
    "custodians": CustodianSpec,
    "tokens": TokenSpec,
}
# "sources" and "generated" document where a generated registry came from (not loaded).
OTHER_KEYS = {"version", "comment", "$schema", "sources", "generated"}
VERSIONS = (1, 2)


def parse_registry(data: object) -> tuple[RegistrySpec | None, list[str]]:
    """Validate every entity on its own, so that one bad token does not hide the problems
    of the others; the cross-document checks then run on every entity that validated.

    Returns the spec (entities that failed are None in it; None when the document is not
    an object) and every error with its JSON path.
    """
    if not isinstance(data, dict):
        return None, ["$: the registry must be a JSON object"]
    errors = [
        f"{key}: unknown key" for key in data if key not in SECTIONS and key not in OTHER_KEYS
    ]
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or version not in VERSIONS):
        errors.append(f"version: unsupported registry version {version!r} (1 or 2)")
    sections: dict[str, list[Any]] = {}
    unchecked: list[str] = []
    for name, model in SECTIONS.items():
        raw = data.get(name, [])
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            errors.append(f"{name}: must be a list")
            raw = []
        items: list[Any] = []
        for i, item in enumerate(raw):
            try:
                items.append(model.model_validate(item))
            except ValidationError as exc:
                errors += validation_errors(exc, (name, i))
                items.append(None)
                if name == "chains" and isinstance(item, dict):
                    if isinstance(item.get("slug"), str):
                        unchecked.append(item["slug"].strip().lower())
                elif name == "tokens":
                    items[-1] = _salvage_token(item)
        sections[name] = items
    return RegistrySpec.model_construct(**sections, unchecked_chains=unchecked), errors


class Problems:
    """Errors found across the document, each with its JSON path."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._seen: dict[Any, str] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def unique(self, key: Any, path: str, what: str, shown: object) -> None:
        if key in self._seen:
            self.add(path, f"duplicate {what} {shown!r} (first at {self._seen[key]})")
        else:
            self._seen[key] = path


def _salvage_token(raw: object) -> TokenSpec | None:
    """What can be read of a token that failed validation, for the cross-document checks
    (its deployments, oracles and venues that validated on their own)."""
    if not isinstance(raw, dict):
        return None

    def items(key: str, model: type[Spec]) -> list[Any]:
        value = raw.get(key)
        out: list[Any] = []
        for item in value if isinstance(value, list) else []:
            try:
                out.append(model.model_validate(item))
            except ValidationError:
                # Its chain and address are still checked (unknown chain, duplicates).
                fields = item if isinstance(item, dict) else {}
                chain, address = fields.get("chain"), fields.get("address")
                ok = isinstance(chain, str) and isinstance(address, str)
                out.append(
                    model.model_construct(
                        chain=chain.strip().lower(), address=address.strip(), escrow_addresses=[]
                    )
                    if ok and model is not VenueSpec
                    else None
                )
        return out

    def text(key: str) -> str:
        value = raw.get(key)
        return value.strip() if isinstance(value, str) else ""

    return TokenSpec.model_construct(
        symbol=text("symbol"),
        issuer=text("issuer"),
        isin="",
        deployments=items("deployments", DeploymentSpec),
        oracles=items("oracles", OracleSpec),
        venues=items("venues", VenueSpec),
    )


def _valid(items: list[Any]) -> Iterable[tuple[int, Any]]:
    return ((i, item) for i, item in enumerate(items) if item is not None)


def cross_check(
    spec: RegistrySpec, *, known_chains: dict[str, str], known_issuers: set[str]
) -> tuple[list[str], dict[tuple[int, str, int], str]]:
    """Checks that need the whole document and the database's chains and issuers.

    Returns the errors and the canonical form of every deployment, escrow and oracle
    address, keyed by (token index, "deployment"/"oracle"/"escrow-N", item index).
    """
    p = Problems()
    chain_kinds: dict[str, str | None] = dict(known_chains)
    # A chain refused for its own fields is still named: what is on it is not checked.
    for raw in spec.unchecked_chains:
        chain_kinds.setdefault(raw, None)
    for i, chain in _valid(spec.chains):
        p.unique(("chain", chain.slug), f"chains[{i}].slug", "chain", chain.slug)
        if chain.kind == "evm" and chain.chain_id is None:
            p.add(f"chains[{i}].chain_id", "is required")
        chain_kinds[chain.slug] = chain.kind
    issuers = set(known_issuers)
    for i, issuer in _valid(spec.issuers):
        p.unique(("issuer", issuer.slug), f"issuers[{i}].slug", "issuer", issuer.slug)
        issuers.add(issuer.slug)
    for i, custodian in _valid(spec.custodians):
        path = f"custodians[{i}]"
        p.unique(("custodian", custodian.slug), f"{path}.slug", "custodian", custodian.slug)
        for j, account in enumerate(custodian.accounts):
            if account.issuer not in issuers:
                p.add(f"{path}.accounts[{j}].issuer", f"unknown issuer {account.issuer!r}")
            p.unique(
                ("account", custodian.slug, account.id),
                f"{path}.accounts[{j}].id",
                "account",
                account.id,
            )
    addresses: dict[tuple[int, str, int], str] = {}

    def address(kind: str, value: str, path: str) -> str:
        try:
            return identifiers.check_address(kind, value)
        except ValueError as exc:
            p.add(path, str(exc))
            return ""

    for t, token in _valid(spec.tokens):
        path = f"tokens[{t}]"
        if token.symbol:
            p.unique(("token", token.symbol), f"{path}.symbol", "token symbol", token.symbol)
        if token.issuer and token.issuer not in issuers:
            p.add(f"{path}.issuer", f"unknown issuer {token.issuer!r}")
        if token.isin:
            p.unique(("isin", token.isin), f"{path}.isin", "ISIN", token.isin)
        for d, dep in _valid(token.deployments):
            dpath = f"{path}.deployments[{d}]"
            if dep.chain not in chain_kinds:
                p.add(f"{dpath}.chain", f"unknown chain {dep.chain!r}")
                continue
            kind = chain_kinds[dep.chain]
            if kind is None:
                continue
            canonical = address(kind, dep.address, f"{dpath}.address")
            if canonical:
                addresses[(t, "deployment", d)] = canonical
                p.unique(
                    ("address", dep.chain, canonical), f"{dpath}.address", "address", canonical
                )
                p.unique(
                    ("token-chain", token.symbol, dep.chain), f"{dpath}.chain", "chain", dep.chain
                )
            for e, escrow in enumerate(dep.escrow_addresses):
                canonical = address(kind, escrow, f"{dpath}.escrow_addresses[{e}]")
                addresses[(t, f"escrow-{d}", e)] = canonical
        for o, oracle in _valid(token.oracles):
            opath = f"{path}.oracles[{o}]"
            kind = chain_kinds.get(oracle.chain, "")
            if oracle.chain not in chain_kinds:
                p.add(f"{opath}.chain", f"unknown chain {oracle.chain!r}")
            elif kind is None:
                pass
            elif kind != "evm":
                p.add(f"{opath}.chain", f"oracle feeds are read on EVM chains, not {kind}")
            else:
                canonical = address("evm", oracle.address, f"{opath}.address")
                if canonical:
                    addresses[(t, "oracle", o)] = canonical
                    p.unique(
                        ("oracle", oracle.chain, canonical), f"{opath}.address", "oracle", canonical
                    )
        for f, feed in enumerate(getattr(token, "price_feeds", None) or []):
            fpath = f"{path}.price_feeds[{f}]"
            p.unique(
                ("feed-schema", token.symbol, feed.provider, feed.schema_),
                f"{fpath}.schema",
                "feed schema",
                feed.schema_,
            )
            if feed.feed_id:
                p.unique(
                    ("feed-id", feed.provider, feed.feed_id),
                    f"{fpath}.feed_id",
                    "feed id",
                    feed.feed_id,
                )
        for v, venue in _valid(token.venues):
            if venue.chain and venue.chain not in chain_kinds:
                p.add(f"{path}.venues[{v}].chain", f"unknown chain {venue.chain!r}")
    return p.errors, addresses
