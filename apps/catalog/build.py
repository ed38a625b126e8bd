"""Build the shipped registry (data/registry.json, version 2) from the public facts file.

The facts file (``xstocks-public-facts.json``) lists every xStocks token with the public
sources that agree on each value, and the values found wrong. This module keeps only what
those sources support, resolves their ids to repository, path and commit, and writes the
registry; nothing is added that no source gives. What is left out, and why:

- tier ``solana-single-source``: a Solana mint seen in one source only;
- EVM addresses not from the issuer's own token lists (``evm_address_basis`` other than the
  issuer list: Trust Wallet alone, or an unidentified Ink list plus an unidentified chain-1
  inventory); the token keeps its Solana mint;
- EVM deployments of kind ``wrapped`` (wXXXx ERC-4626 wrappers are not base tokens) and
  base deployments that no issuer list names (e.g. Gnosis);
- factsheet URLs not observed in a source (derived from the URL pattern);
- underlying facts from the research file (``--underlying``) that rest on no source.

Underlying name, kind, exchange and sector come from the ``--underlying`` file when given;
otherwise they are left empty ("not published").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apps.core import identifiers

ISSUER_SLUG = "backed-assets-je"
ISSUER_LISTS = {"official_cowswap", "official_xstocks"}
ISSUER_LIST_BASIS = "issuer token list (backed-fi)"
SHIPPED_TIERS = {"core", "evm-only"}
SOLANA_DECIMALS = 8
EVM_DECIMALS = 18

# The chains xStocks are issued on, with their real chain ids and explorers. No rpc_url:
# mainnet chains have no node until RPC_URL_<SLUG> names one.
CHAINS: list[dict[str, Any]] = [
    {
        "slug": "ethereum",
        "kind": "evm",
        "name": "Ethereum",
        "chain_id": 1,
        "explorer_url": "https://etherscan.io",
        "explorer_token_url": "https://etherscan.io/token/{address}",
        "explorer_block_url": "https://etherscan.io/block/{block}",
    },
    {
        "slug": "bnb",
        "kind": "evm",
        "name": "BNB Smart Chain",
        "chain_id": 56,
        "explorer_url": "https://bscscan.com",
        "explorer_token_url": "https://bscscan.com/token/{address}",
        "explorer_block_url": "https://bscscan.com/block/{block}",
    },
    {
        "slug": "arbitrum",
        "kind": "evm",
        "name": "Arbitrum One",
        "chain_id": 42161,
        "explorer_url": "https://arbiscan.io",
        "explorer_token_url": "https://arbiscan.io/token/{address}",
        "explorer_block_url": "https://arbiscan.io/block/{block}",
    },
    {
        "slug": "ink",
        "kind": "evm",
        "name": "Ink",
        "chain_id": 57073,
        "explorer_url": "https://explorer.inkonchain.com",
        "explorer_token_url": "https://explorer.inkonchain.com/token/{address}",
        "explorer_block_url": "https://explorer.inkonchain.com/block/{block}",
    },
    {
        "slug": "mantle",
        "kind": "evm",
        "name": "Mantle",
        "chain_id": 5000,
        "explorer_url": "https://mantlescan.xyz",
        "explorer_token_url": "https://mantlescan.xyz/token/{address}",
        "explorer_block_url": "https://mantlescan.xyz/block/{block}",
    },
    {
        "slug": "hyperevm",
        "kind": "evm",
        "name": "HyperEVM",
        "chain_id": 999,
        "explorer_url": "https://hyperevmscan.io",
        "explorer_token_url": "https://hyperevmscan.io/token/{address}",
        "explorer_block_url": "https://hyperevmscan.io/block/{block}",
    },
    {
        "slug": "xlayer",
        "kind": "evm",
        "name": "X Layer",
        "chain_id": 196,
        "explorer_url": "https://www.oklink.com/x-layer",
        "explorer_token_url": "https://www.oklink.com/x-layer/token/{address}",
        "explorer_block_url": "https://www.oklink.com/x-layer/block/{block}",
    },
    {
        "slug": "optimism",
        "kind": "evm",
        "name": "OP Mainnet",
        "chain_id": 10,
        "explorer_url": "https://optimistic.etherscan.io",
        "explorer_token_url": "https://optimistic.etherscan.io/token/{address}",
        "explorer_block_url": "https://optimistic.etherscan.io/block/{block}",
    },
    {
        "slug": "solana",
        "kind": "solana",
        "name": "Solana",
        "explorer_url": "https://solscan.io",
        "explorer_token_url": "https://solscan.io/token/{address}",
        "explorer_block_url": "https://solscan.io/block/{block}",
    },
]
CHAIN_BY_ID = {c["chain_id"]: c["slug"] for c in CHAINS if c["kind"] == "evm"}

ISSUERS = [
    {
        "slug": ISSUER_SLUG,
        "name": "Backed Assets (JE) Limited",
        "jurisdiction": "JE",
        "website": "https://backed.fi",
    }
]
# The custodian banks named in the issuer's public disclosures; the account ids are the
# demo world's own identifiers (no account number is public).
CUSTODIANS = [
    {
        "slug": "incore",
        "name": "InCore Bank AG",
        "country": "CH",
        "website": "https://www.incorebank.ch",
        "accounts": [{"id": "INCORE-BACKED-001", "issuer": ISSUER_SLUG}],
    },
    {
        "slug": "maerki-baumann",
        "name": "Maerki Baumann & Co. AG",
        "country": "CH",
        "website": "https://www.maerki-baumann.ch",
        "accounts": [{"id": "MB-BACKED-001", "issuer": ISSUER_SLUG}],
    },
]

# Combined source ids of the facts file: one id, several repositories.
COMBINED = {"trustwallet+xmatter": ("trustwallet", "xmatter")}
# The facts' field names, as the registry's `supports` names them.
FIELDS = {
    "solana_mint": "solana_mint",
    "ethereum_address": "evm_address",
    "token_isin": "token_isin",
}


class BuildError(Exception):
    pass


@dataclass
class Report:
    """What the build kept and left out, printed by the command."""

    tokens: int = 0
    excluded: dict[str, list[str]] = field(default_factory=dict)
    dropped_evm: dict[str, list[str]] = field(default_factory=dict)
    underlying_isin_not_published: int = 0
    with_solana: int = 0
    with_evm: int = 0
    deployments: int = 0
    token_isins: int = 0
    factsheets: int = 0
    price_feeds: int = 0
    isin_from_research: int = 0
    isin_single_source: list[str] = field(default_factory=list)
    isin_conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.tokens} tokens ({self.with_solana} with a Solana mint, {self.with_evm} on EVM "
            f"chains), {self.deployments} deployments, {self.token_isins} token ISINs, "
            f"{self.factsheets} factsheets, {self.price_feeds} price feeds",
            f"underlying ISIN not published: {self.underlying_isin_not_published} tokens "
            f"({self.isin_from_research} ISINs from the underlying research file; one-source "
            f"ISINs there not used: {', '.join(self.isin_single_source) or 'none'})",
        ]
        if self.isin_conflicts:
            conflicts = "; ".join(self.isin_conflicts)
            out.append(f"ISIN left out, sources disagree: {conflicts}")
        for why, symbols in sorted(self.excluded.items()):
            out.append(f"left out ({why}): {len(symbols)} - {', '.join(sorted(symbols))}")
        for why, symbols in sorted(self.dropped_evm.items()):
            names = ", ".join(sorted(symbols))
            out.append(f"EVM address dropped ({why}): {len(symbols)} - {names}")
        return out


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BuildError(f"{path}: cannot read ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BuildError(f"{path}: invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BuildError(f"{path}: must be a JSON object")
    return data


class Sources:
    """The facts file's source ids resolved to repository, path and commit."""

    def __init__(self, facts: dict[str, Any]) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        for s in facts.get("sources", []):
            self.by_id[s["id"]] = s

    def resolve(self, source_id: str) -> list[dict[str, Any]]:
        # "kamino_scope (entry 258)" -> "kamino_scope"
        base = source_id.split(" (")[0].strip()
        out = []
        for sid in COMBINED.get(base, (base,)):
            s = self.by_id.get(sid)
            if s is None:
                raise BuildError(f"unknown source id {source_id!r} in the facts file")
            repo = s.get("repo", "")
            known = bool(repo) and not repo.startswith("(")
            entry = {"id": sid, "repo": repo if known else "", "path": s.get("path", "")}
            if s.get("commit"):
                entry["commit"] = s["commit"]
            if not known:
                entry["note"] = "repository not identified"
            out.append(entry)
        return out


class TokenSources:
    """One token's sources, each with the fields it supports, in a fixed order."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, source_ids: Iterable[str], what: str) -> None:
        for source_id in source_ids:
            for entry in self.sources.resolve(source_id):
                held = self.entries.setdefault(entry["id"], {**entry, "supports": []})
                if what not in held["supports"]:
                    held["supports"].append(what)

    def as_list(self) -> list[dict[str, Any]]:
        # Identified repositories first, then by id.
        return sorted(self.entries.values(), key=lambda e: (not e["repo"], e["id"]))


def _checked_isin(value: str | None, where: str) -> str | None:
    if not value:
        return None
    try:
        return identifiers.check_isin(value)
    except ValueError as exc:
        raise BuildError(f"{where}: {exc}") from exc


def _research_refs(research: dict[str, Any], refs: Iterable[object]) -> list[str]:
    """The research file's "<source id>:<path>" as "<repository>:<path>"."""
    repos = {src.get("id"): src.get("repo") for src in research.get("sources") or []}
    out = []
    for ref in refs:
        if not isinstance(ref, str) or ":" not in ref:
            continue
        source_id, path = ref.split(":", 1)
        repo = repos.get(source_id)
        if repo and f"{repo}:{path}" not in out:
            out.append(f"{repo}:{path}")
    return out


def _underlying(
    token: dict[str, Any], research: dict[str, Any] | None, report: Report
) -> dict[str, Any]:
    """The underlying's facts, each with its sources; None where no source gives it."""
    ticker = token["underlying_ticker"]
    isin = _checked_isin(token.get("underlying_isin"), f"{token['symbol']}.underlying_isin")
    sources = list(token.get("underlying_isin_sources") or []) if isin else []
    out: dict[str, Any] = {"ticker": ticker, "name": None, "isin": None, "isin_sources": []}
    entry = ((research or {}).get("tickers") or {}).get(ticker)
    if entry and research is not None:
        found = _checked_isin(entry.get("isin"), f"underlying tickers.{ticker}.isin")
        their_sources = _research_refs(research, entry.get("isin_sources") or [])
        two_or_more = (entry.get("basis") or "").startswith("2+")
        if isin and found and found != isin:
            # Sources disagree (e.g. an older share line and a newer one): neither is
            # shipped until someone re-verifies; the backing reads unknown meanwhile.
            report.isin_conflicts.append(f"{ticker}: facts {isin}, research {found}")
            isin, sources = None, []
        elif isin is None and found and their_sources and two_or_more:
            isin, sources = found, their_sources
            report.isin_from_research += 1
        elif isin is None and found:
            report.isin_single_source.append(ticker)
        # Name, kind, exchange and sector: only from the files named in meta_sources.
        meta = _research_refs(research, entry.get("meta_sources") or [])
        if meta:
            out["name"] = entry.get("name") or None
            out["kind"] = entry.get("kind") if entry.get("kind") in ("stock", "etf") else None
            mic = entry.get("exchange_mic")
            out["exchange"] = mic if isinstance(mic, str) and len(mic) == 4 else None
            out["sector"] = entry.get("sector") or None
            out["meta_sources"] = meta
    out["isin"] = isin
    out["isin_sources"] = sources
    return out


def build(
    facts: dict[str, Any], research: dict[str, Any] | None = None
) -> tuple[dict[str, Any], Report]:
    """The registry (a JSON-ready dict) and a report of what was kept and left out."""
    sources = Sources(facts)
    report = Report()
    feeds_by_symbol: dict[str, list[dict[str, Any]]] = {}
    for feed in facts.get("chainlink_feeds", []):
        feeds_by_symbol.setdefault(feed["symbol"], []).append(feed)
    pyth_by_symbol = {f["symbol"]: f for f in facts.get("other_oracle_feeds", [])}
    tokens = []
    for t in sorted(facts.get("tokens", []), key=lambda t: t["symbol"]):
        symbol = t["symbol"]
        if t.get("tier") not in SHIPPED_TIERS:
            report.excluded.setdefault(f"tier {t.get('tier')}", []).append(symbol)
            continue
        cited = TokenSources(sources)
        deployments = []
        if t.get("solana_mint") and t.get("tier") == "core":
            deployments.append(
                {"chain": "solana", "address": t["solana_mint"], "decimals": SOLANA_DECIMALS}
            )
            cited.add(t["source_detail"].get("solana_mint", []), "solana_mint")
            report.with_solana += 1
        basis = t.get("evm_address_basis")
        if basis == ISSUER_LIST_BASIS:
            evm = _evm_deployments(t, cited)
            deployments += evm
            report.with_evm += bool(evm)
        elif basis:
            report.dropped_evm.setdefault(basis, []).append(symbol)
        if not deployments:
            report.excluded.setdefault("no deployment a source supports", []).append(symbol)
            continue
        token_isin = _checked_isin(t.get("token_isin"), f"{symbol}.token_isin")
        if token_isin:
            cited.add(t["source_detail"].get("token_isin", []), "token_isin")
            report.token_isins += 1
        factsheet = ""
        status = t.get("factsheet_url_status") or ""
        if t.get("factsheet_url") and status.startswith("observed"):
            factsheet = t["factsheet_url"]
            cited.add(["xtrader"], "factsheet_url")
            report.factsheets += 1
        underlying = _underlying(t, research, report)
        if underlying["isin"] is None:
            report.underlying_isin_not_published += 1
        price_feeds = _price_feeds(symbol, feeds_by_symbol, pyth_by_symbol, sources)
        report.price_feeds += len(price_feeds)
        token: dict[str, Any] = {
            "symbol": symbol,
            "name": t["name"],
            "issuer": ISSUER_SLUG,
            # Issued 1:1; corporate actions change it on chain, where it is read.
            "multiplier": "1",
            "isin": token_isin,
            "factsheet_url": factsheet or None,
            "underlying": underlying,
            "deployments": deployments,
            "price_feeds": price_feeds,
            "sources": cited.as_list(),
        }
        tokens.append(token)
        report.deployments += len(deployments)
    report.tokens = len(tokens)
    registry = {
        "version": 2,
        "comment": (
            "The xStocks catalogue, generated by `manage.py build_registry` from public facts "
            "with their sources (see README, The registry). null = not published."
        ),
        "generated": {
            "facts": facts.get("about", ""),
            "underlying": (research or {}).get("generated"),
        },
        "sources": [
            {k: s.get(k) for k in ("id", "repo", "path", "commit", "what") if s.get(k)}
            for s in facts.get("sources", [])
        ],
        "chains": CHAINS,
        "issuers": ISSUERS,
        "custodians": CUSTODIANS,
        "tokens": tokens,
    }
    return registry, report


def _evm_deployments(t: dict[str, Any], cited: TokenSources) -> list[dict[str, Any]]:
    """The token's base address on every EVM chain an issuer list names it on."""
    out = []
    seen = set()
    if t.get("ethereum_address"):
        eth_sources = t["source_detail"].get("ethereum_address", [])
        if ISSUER_LISTS & set(eth_sources):
            out.append(
                {"chain": "ethereum", "address": t["ethereum_address"], "decimals": EVM_DECIMALS}
            )
            seen.add("ethereum")
            cited.add(
                [s for s in eth_sources if s in ISSUER_LISTS or s == "trustwallet+xmatter"],
                "evm_address",
            )
    for e in t.get("other_evm", []):
        if e.get("kind") != "base" or not ISSUER_LISTS & set(e.get("sources", [])):
            continue
        slug = CHAIN_BY_ID.get(e.get("chain_id"))
        if slug is None or slug in seen:
            continue
        if t.get("ethereum_address") and e["address"].lower() != t["ethereum_address"].lower():
            raise BuildError(f"{t['symbol']}: {slug} address differs from the Ethereum address")
        seen.add(slug)
        out.append({"chain": slug, "address": e["address"], "decimals": EVM_DECIMALS})
        cited.add(e["sources"], "evm_address")
    return out


def _price_feeds(
    symbol: str,
    chainlink: dict[str, list[dict[str, Any]]],
    pyth: dict[str, dict[str, Any]],
    sources: Sources,
) -> list[dict[str, Any]]:
    out = []
    for feed in chainlink.get(symbol, []):
        schema = "v10" if feed["feed_id"].lower().startswith("0x000a") else "v8"
        refs = []
        for source_id in feed.get("sources", []):
            for entry in sources.resolve(source_id):
                refs.append({**entry, "source": source_id})
        out.append(
            {
                "provider": "chainlink-data-streams",
                "schema": schema,
                "feed_id": feed["feed_id"],
                "measures": feed.get("report_schema", "")[:200],
                "sources": refs,
            }
        )
    p = pyth.get(symbol)
    if p and (p.get("pyth_xstock_hermes_id") or p.get("pyth_lazer_id") is not None):
        out.append(
            {
                "provider": "pyth",
                "schema": "hermes",
                "feed_id": p.get("pyth_xstock_hermes_id") or None,
                "lazer_id": p.get("pyth_lazer_id"),
                "measures": "xStock price (Pyth)",
                "sources": sources.resolve(p["source"]),
            }
        )
    return out


def build_files(
    facts_path: Path, underlying_path: Path | None = None
) -> tuple[dict[str, Any], Report]:
    facts = _load(facts_path)
    research = _load(underlying_path) if underlying_path else None
    return build(facts, research)


def dump(registry: dict[str, Any]) -> str:
    return json.dumps(registry, indent=1, ensure_ascii=False) + "\n"
