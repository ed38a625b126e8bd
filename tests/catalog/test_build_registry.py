"""The shipped registry is generated from public facts (data/xstocks-public-facts.json and
data/underlying.json) by `build_registry`, keeps only what sources support, and loads."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.catalog.build import build, build_files
from apps.catalog.models import Chain, Deployment, Security, Token

DATA = Path(settings.BASE_DIR) / "data"
FACTS = DATA / "xstocks-public-facts.json"
UNDERLYING = DATA / "underlying.json"
pytestmark = pytest.mark.django_db

AAPL_EVM = "0x9d275685dC284C8eB1C79f6ABA7a63Dc75ec890a"
AAPL_MINT = "XsbEhLAtcf6HdfpFZ5xEMdqW8nfAvcsP5bdudRLJzJp"


@pytest.fixture(scope="module")
def facts() -> dict:
    return json.loads(FACTS.read_text())


@pytest.fixture(scope="module")
def research() -> dict:
    return json.loads(UNDERLYING.read_text())


def _token(registry: dict, symbol: str) -> dict:
    return next(t for t in registry["tokens"] if t["symbol"] == symbol)


def _fact(facts: dict, symbol: str) -> dict:
    return next(t for t in facts["tokens"] if t["symbol"] == symbol)


def test_shipped_registry_is_what_the_build_command_makes(tmp_path):
    out = tmp_path / "registry.json"
    call_command(
        "build_registry", "--facts", str(FACTS), "--underlying", str(UNDERLYING), "-o", str(out)
    )
    assert json.loads(out.read_text()) == json.loads((DATA / "registry.json").read_text())


def test_every_supported_token_ships_with_real_addresses_and_sources(facts, research):
    registry, report = build(facts, research)
    assert registry["version"] == 2
    shipped = {t["symbol"] for t in registry["tokens"]}
    # Every token of the issuer's list or confirmed by two sources; not the one-source mint.
    assert shipped == {t["symbol"] for t in facts["tokens"] if t["tier"] in ("core", "evm-only")}
    assert "MPx" not in shipped and report.excluded == {"tier solana-single-source": ["MPx"]}
    aapl = _token(registry, "AAPLx")
    chains = {d["chain"]: d for d in aapl["deployments"]}
    assert chains["solana"] == {"chain": "solana", "address": AAPL_MINT, "decimals": 8}
    evm = [d for d in aapl["deployments"] if d["chain"] != "solana"]
    assert len(evm) >= 6 and {(d["address"], d["decimals"]) for d in evm} == {(AAPL_EVM, 18)}
    assert aapl["isin"] == "CH1436219187"
    by_id = {s["id"]: s for s in aapl["sources"]}
    assert by_id["official_cowswap"]["repo"] == "backed-fi/cowswap-xstocks-tokenlist"
    assert by_id["official_cowswap"]["commit"] == "b400a026fd36445c4c89da16a3eb70f4c31aef2a"
    assert by_id["official_cowswap"]["supports"] == ["evm_address"]
    assert "token_isin" in by_id["polibee"]["supports"]
    assert by_id["U7_jupiter_list"]["note"] == "repository not identified"
    assert by_id["U7_jupiter_list"]["repo"] == ""


def test_wrapped_and_unlisted_evm_addresses_are_not_base_deployments(facts):
    registry, report = build(facts)
    addresses = {d["address"].lower() for t in registry["tokens"] for d in t["deployments"]}
    wrapped = {
        e["address"].lower()
        for t in facts["tokens"]
        for e in t["other_evm"]
        if e["kind"] == "wrapped"
    }
    assert wrapped and not wrapped & addresses
    # Gnosis is in one non-issuer source only: no such chain, no such deployment.
    assert "gnosis" not in {c["slug"] for c in registry["chains"]}
    # Weaker EVM bases: the token ships with its Solana mint only.
    acn = _token(registry, "ACNx")
    assert [d["chain"] for d in acn["deployments"]] == ["solana"]
    assert "ACNx" in report.dropped_evm["trustwallet/assets only (not in issuer atomic-swap list)"]
    amat = _token(registry, "AMATx")
    assert [d["chain"] for d in amat["deployments"]] == ["solana"]


def test_nothing_is_made_up(facts):
    registry, _ = build(facts)  # no research file: underlying facts not published
    aapl = _token(registry, "AAPLx")
    assert aapl["underlying"]["name"] is None  # "not published", not invented
    assert "exchange" not in aapl["underlying"] and "sector" not in aapl["underlying"]
    for token in registry["tokens"]:
        assert "oracles" not in token and "venues" not in token
        assert "corporate_actions" not in token
        fact = _fact(facts, token["symbol"])
        assert token["underlying"]["isin"] == fact["underlying_isin"]
        if token["underlying"]["isin"]:
            assert token["underlying"]["isin_sources"] == fact["underlying_isin_sources"]
    # A factsheet derived from the URL pattern is not an observed one.
    assert _token(registry, "GLDx")["factsheet_url"] is None
    assert {c["slug"] for c in registry["chains"]} == {
        "ethereum",
        "bnb",
        "arbitrum",
        "ink",
        "mantle",
        "hyperevm",
        "xlayer",
        "optimism",
        "solana",
    }
    assert all("rpc_url" not in c for c in registry["chains"])


def test_research_fills_underlyings_only_with_two_sources(facts, research):
    research = copy.deepcopy(research)
    ticker = next(
        k for k, v in research["tickers"].items() if v["basis"] == "2+ sources" and v["isin"]
    )
    symbol = research["tickers"][ticker]["token_symbols"][0]
    facts = copy.deepcopy(facts)
    _fact(facts, symbol)["underlying_isin"] = None
    _fact(facts, symbol)["underlying_isin_sources"] = None
    registry, _ = build(facts, research)
    underlying = _token(registry, symbol)["underlying"]
    assert underlying["isin"] == research["tickers"][ticker]["isin"]
    # Source ids resolved to repositories.
    repos = {s["repo"] for s in research["sources"]}
    assert all(ref.split(":", 1)[0] in repos for ref in underlying["isin_sources"])
    assert underlying["meta_sources"]

    research["tickers"][ticker]["basis"] = "1 source"
    registry, report = build(facts, research)
    assert _token(registry, symbol)["underlying"]["isin"] is None
    assert ticker in report.isin_single_source


def test_a_bad_facts_file_is_refused_and_nothing_written(tmp_path):
    bad = tmp_path / "facts.json"
    bad.write_text("{not json")
    out = tmp_path / "registry.json"
    with pytest.raises(CommandError, match="invalid JSON"):
        call_command("build_registry", "--facts", str(bad), "-o", str(out))
    assert not out.exists()


def test_a_built_registry_that_does_not_validate_is_not_written(tmp_path, facts):
    facts = copy.deepcopy(facts)
    _fact(facts, "AAPLx")["underlying_isin"] = "US0378331006"  # bad check digit
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    out = tmp_path / "registry.json"
    with pytest.raises(CommandError, match="bad check digit"):
        call_command("build_registry", "--facts", str(path), "-o", str(out))
    assert not out.exists()


def test_build_files_reads_both_inputs():
    registry, report = build_files(FACTS, UNDERLYING)
    assert report.tokens == len(registry["tokens"]) >= 600
    assert report.underlying_isin_not_published == sum(
        1 for t in registry["tokens"] if t["underlying"]["isin"] is None
    )


def test_acceptance_the_api_shows_aaplx_at_its_real_addresses(client):
    call_command("load_registry", str(DATA / "registry.json"))
    assert Token.objects.count() >= 150
    body = client.get("/api/v1/tokens/AAPLx/").json()
    deployments = body["deployments"]
    solana = [d for d in deployments if d["chain"] == "solana"]
    assert [d["address"] for d in solana] == [AAPL_MINT]
    evm = [d for d in deployments if d["chain_kind"] == "evm"]
    assert len(evm) >= 6 and {d["address"] for d in evm} == {AAPL_EVM}
    assert body["isin"] == "CH1436219187"
    # Explorer links are real mainnet links.
    eth = next(d for d in deployments if d["chain"] == "ethereum")
    assert eth["explorer_url"] == f"https://etherscan.io/token/{AAPL_EVM}"
    assert solana[0]["explorer_url"] == f"https://solscan.io/token/{AAPL_MINT}"
    # No node configured on mainnet by default: not read, distinct from stale.
    assert {d["read_status"] for d in deployments} == {"no_node"}
    assert all(d["supply"] is None for d in deployments)
    assert body["underlying"]["isin"] == "US0378331005"
    assert body["underlying"]["isin_sources"]
    assert any(s["repo"] == "backed-fi/cowswap-xstocks-tokenlist" for s in body["sources"])


def test_security_without_an_isin_is_kept_by_ticker(tmp_path):
    registry = json.loads((DATA / "registry.json").read_text())
    registry["tokens"] = [t for t in registry["tokens"] if t["symbol"] in ("AAPLx", "TSLAx")]
    registry["tokens"][0]["underlying"]["isin"] = None
    registry["tokens"][0]["underlying"]["isin_sources"] = []
    path = tmp_path / "r.json"
    path.write_text(json.dumps(registry))
    call_command("load_registry", str(path))
    call_command("load_registry", str(path))  # the same again: nothing new
    assert Security.objects.count() == 2
    assert Security.objects.get(ticker="AAPL").isin is None
    assert Deployment.objects.filter(token__symbol="AAPLx").count() >= 7
    assert Chain.objects.filter(slug="bnb", chain_id=56, name="BNB Smart Chain").exists()


def test_an_unknown_registry_version_is_refused(tmp_path, capsys):
    registry = json.loads((DATA / "registry.json").read_text())
    registry["version"] = 3
    path = tmp_path / "r.json"
    path.write_text(json.dumps(registry))
    with pytest.raises(CommandError):
        call_command("load_registry", str(path))
    assert "version: unsupported registry version 3 (1 or 2)" in capsys.readouterr().err


def test_a_source_row_missing_keys_does_not_break_the_api(client):
    call_command("load_registry", str(DATA / "registry.json"))
    Token.objects.filter(symbol="AAPLx").update(sources=[{"id": "by-hand"}, {}])
    body = client.get("/api/v1/tokens/AAPLx/").json()
    assert body["sources"][0] == {
        "id": "by-hand",
        "repo": "",
        "path": "",
        "commit": "",
        "supports": [],
        "note": "",
    }
    assert client.get("/tokens/AAPLx/").status_code == 200


def test_disagreeing_isins_ship_neither(facts, research):
    research = copy.deepcopy(research)
    research["tickers"]["AAPL"] = {
        **research["tickers"]["AAPL"],
        "isin": "US5949181045",  # a valid ISIN, but not the one the facts file gives
        "basis": "2+ sources",
    }
    registry, report = build(facts, research)
    underlying = _token(registry, "AAPLx")["underlying"]
    assert underlying["isin"] is None and underlying["isin_sources"] == []
    assert "AAPL: facts US0378331005, research US5949181045" in report.isin_conflicts
