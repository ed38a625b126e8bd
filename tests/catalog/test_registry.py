from __future__ import annotations

import copy
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.catalog.models import Chain, Deployment, Security, Token
from apps.custody.models import CustodyAccount

pytestmark = pytest.mark.django_db

REGISTRY = Path(settings.BASE_DIR) / "data" / "registry.json"


def _write(tmp_path: Path, data: dict | str) -> Path:
    path = tmp_path / "registry.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _snapshot() -> tuple:
    return (
        list(Token.objects.values_list("symbol", "multiplier", "name").order_by("symbol")),
        list(Deployment.objects.values_list("address", flat=True).order_by("address")),
        Chain.objects.count(),
        Security.objects.count(),
    )


@pytest.fixture
def registry() -> dict:
    return json.loads(REGISTRY.read_text())


def test_shipped_registry_loads_the_real_catalogue(capsys):
    call_command("load_registry", str(REGISTRY))
    assert Token.objects.count() >= 600
    for symbol in [
        "AAPLx",
        "TSLAx",
        "NVDAx",
        "SPYx",
        "QQQx",
        "MSFTx",
        "AMZNx",
        "GOOGLx",
        "METAx",
        "COINx",
    ]:
        assert Token.objects.filter(symbol=symbol).exists(), symbol
    aapl = Token.objects.get(symbol="AAPLx")
    assert aapl.security.isin == "US0378331005"
    assert aapl.security.isin_sources  # kept with its sources
    assert aapl.isin == "CH1436219187"
    assert aapl.factsheet_url == "https://documents.backed.fi/backed-assets-factsheet-AAPLx.pdf"
    assert aapl.multiplier == Decimal(1)
    by_chain = {d.chain.slug: d for d in aapl.deployments.all()}
    assert by_chain["solana"].address == "XsbEhLAtcf6HdfpFZ5xEMdqW8nfAvcsP5bdudRLJzJp"
    assert by_chain["solana"].decimals == 8
    evm = {slug: d for slug, d in by_chain.items() if d.chain.kind == "evm"}
    assert len(evm) >= 6
    assert {d.address for d in evm.values()} == {"0x9d275685dC284C8eB1C79f6ABA7a63Dc75ec890a"}
    assert {d.decimals for d in evm.values()} == {18}
    # The issuer's list is a source of the EVM address, the token registries of the mint.
    supports = {s["id"]: s["supports"] for s in aapl.sources}
    assert "evm_address" in supports["official_cowswap"]
    assert "solana_mint" in supports["confide_mints"]
    # No made-up values: no push-oracle addresses, no default exchange.
    assert not Chain.objects.filter(slug="base").exists()
    assert Chain.objects.get(slug="ethereum").rpc_url == ""
    assert CustodyAccount.objects.filter(custodian__slug="incore").exists()
    assert "created" in capsys.readouterr().out


def test_loading_the_same_file_twice_changes_nothing(capsys):
    call_command("load_registry", str(REGISTRY))
    before = _snapshot()
    capsys.readouterr()
    call_command("load_registry", str(REGISTRY))
    out = capsys.readouterr().out
    assert "created nothing; updated nothing" in out
    assert _snapshot() == before


def test_a_changed_value_is_updated_in_place(tmp_path, registry, capsys):
    call_command("load_registry", str(REGISTRY))
    registry["tokens"][0]["multiplier"] = "1.02"
    call_command("load_registry", str(_write(tmp_path, registry)))
    assert Token.objects.get(symbol=registry["tokens"][0]["symbol"]).multiplier == Decimal("1.02")
    assert "updated 1 tokens" in capsys.readouterr().out


def test_bad_isin_names_its_json_path_and_changes_nothing(tmp_path, registry, capsys):
    call_command("load_registry", str(REGISTRY))
    before = _snapshot()
    bad = copy.deepcopy(registry)
    bad["tokens"][3]["underlying"]["isin"] = "US0378331006"
    bad["tokens"][0]["multiplier"] = "2"  # a good change in the same file must not land either
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("load_registry", str(_write(tmp_path, bad)))
    assert "tokens[3].underlying.isin: US0378331006: bad check digit" in capsys.readouterr().err
    assert _snapshot() == before


def test_unknown_chain_is_refused_with_its_path(tmp_path, registry, capsys):
    registry["tokens"][5]["deployments"][1]["chain"] = "polygon"
    with pytest.raises(CommandError):
        call_command("load_registry", str(_write(tmp_path, registry)))
    assert "tokens[5].deployments[1].chain: unknown chain 'polygon'" in capsys.readouterr().err
    assert Token.objects.count() == 0


def test_every_error_in_a_file_is_reported(tmp_path, registry, capsys):
    registry["tokens"][0]["multiplier"] = "-1"
    registry["tokens"][1]["deployments"][1]["address"] = (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
    )
    registry["tokens"][2]["deployments"][0]["address"] = "not-a-mint"
    registry["tokens"][3]["symbol"] = registry["tokens"][4]["symbol"]
    registry["chains"][2]["kind"] = "cosmos"
    with pytest.raises(CommandError):
        call_command("load_registry", str(_write(tmp_path, registry)))
    err = capsys.readouterr().err
    assert "tokens[0].multiplier: must be a positive number" in err
    assert "tokens[1].deployments[1].address:" in err and "EIP-55" in err
    assert "tokens[2].deployments[0].address:" in err
    assert "tokens[4].symbol: duplicate token symbol" in err
    assert "chains[2].kind: must be one of evm, solana" in err
    # A chain refused for its kind is still known: its deployments are not "unknown chain".
    assert "unknown chain 'base'" not in err


def test_broken_json_exits_non_zero_with_line_and_column(tmp_path):
    path = _write(tmp_path, '{"chains": [\n  {"slug": "x",}\n]}')
    proc = subprocess.run(
        [sys.executable, "manage.py", "load_registry", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        env={
            **__import__("os").environ,
            "XSTOCKS_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    assert proc.returncode != 0
    assert f"{path}:2:" in proc.stderr
    assert "invalid JSON" in proc.stderr


def test_multiplier_is_read_as_decimal_never_float(tmp_path, registry):
    registry_text = json.dumps(registry).replace(
        '"multiplier": "1"', '"multiplier": 1.000000000000000001', 1
    )
    call_command("load_registry", str(_write(tmp_path, registry_text)))
    assert Token.objects.get(symbol=registry["tokens"][0]["symbol"]).multiplier == Decimal(
        "1.000000000000000001"
    )


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError):
        call_command("load_registry", str(tmp_path / "nope.json"))


def test_rpc_url_can_be_overridden_from_the_environment(monkeypatch):
    call_command("load_registry", str(REGISTRY))
    chain = Chain.objects.get(slug="ethereum")
    monkeypatch.delenv("RPC_URL_ETHEREUM", raising=False)
    assert chain.effective_rpc_url == ""  # mainnet: no node until one is configured
    monkeypatch.setenv("RPC_URL_ETHEREUM", "http://127.0.0.1:9999")
    assert chain.effective_rpc_url == "http://127.0.0.1:9999"


AAPL_V10 = "0x000a7a12270b5a30236bf410679df0c6bb1bba2b40e5d86847748ff1c8f8452b"


def test_price_feeds_load_with_their_sources_and_refuse_duplicates(tmp_path, registry, capsys):
    from apps.catalog.models import PriceFeed

    for t in registry["tokens"]:
        t["price_feeds"] = []  # the shipped feeds are not what this test is about
    token = registry["tokens"][0]
    token["price_feeds"] = [
        {
            "provider": "chainlink-data-streams",
            "schema": "v10",
            "feed_id": AAPL_V10.upper().replace("0X", "0x"),
            "measures": "tokenized asset price and multiplier",
            "sources": [{"source": "kamino_scope"}],
        }
    ]
    call_command("load_registry", str(_write(tmp_path, registry)))
    feed = PriceFeed.objects.get()
    assert (feed.token.symbol, feed.schema, feed.feed_id) == (token["symbol"], "v10", AAPL_V10)
    assert feed.sources == [{"source": "kamino_scope"}]

    registry["tokens"][1]["price_feeds"] = [
        {"provider": "chainlink-data-streams", "schema": "v10", "feed_id": AAPL_V10},
    ]
    registry["tokens"][2]["price_feeds"] = [
        {"provider": "chainlink-data-streams", "schema": "v8", "feed_id": "0x12"}
    ]
    capsys.readouterr()
    with pytest.raises(CommandError):
        call_command("load_registry", str(_write(tmp_path, registry)))
    err = capsys.readouterr().err
    assert "tokens[2].price_feeds[0].feed_id: '0x12' is not a 32-byte hex id" in err
    assert "tokens[1].price_feeds[0].feed_id: duplicate feed id" in err
    assert PriceFeed.objects.count() == 1
