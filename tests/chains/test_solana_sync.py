"""Acceptance: a Solana mint's supply goes through solana-py, sync_supply and onto the pages."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.chains.models import SupplyObservation
from apps.core.models import JobRun
from tests.chains.solana_helpers import closed_port
from tests.factories import make_isin

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]


def _registry(tmp_path, *, rpc_url: str, mint: str, escrows: list[str] | None = None):
    doc = {
        "chains": [
            {
                "slug": "solana",
                "kind": "solana",
                "name": "Solana",
                "rpc_url": rpc_url,
                "explorer_url": "https://solscan.io",
                "max_age_seconds": 3600,
            }
        ],
        "issuers": [
            {"slug": "backed-assets-je", "name": "Backed Assets (JE) Limited", "jurisdiction": "JE"}
        ],
        "tokens": [
            {
                "symbol": "SOLXx",
                "name": "Solana Example xStock",
                "issuer": "backed-assets-je",
                "multiplier": "1",
                "underlying": {
                    "ticker": "SOLX",
                    "name": "Solana Example Corp",
                    "isin": make_isin(777),
                    "kind": "stock",
                },
                "deployments": [
                    {
                        "chain": "solana",
                        "address": mint,
                        "decimals": 8,
                        "escrow_addresses": escrows or [],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(doc))
    call_command("load_registry", str(path))


def test_solana_supply_shows_on_page_and_api_at_its_slot(chain, node, tmp_path, client, capsys):
    mint = chain.create_mint(decimals=8)
    holder = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=123_450_000_000)  # 1,234.5 tokens
    _registry(tmp_path, rpc_url=node.url, mint=str(mint))

    call_command("sync_supply", "--chain", "solana")

    obs = SupplyObservation.objects.get()
    assert obs.supply == Decimal("1234.5")
    assert obs.block_number == chain.slot
    assert JobRun.objects.get(job="sync_supply").status == JobRun.Status.OK
    page = client.get("/tokens/SOLXx/").content.decode()
    assert 'data-supply="1234.5"' in page
    assert f"<td>{chain.slot}</td>" in page
    supply = client.get("/api/v1/tokens/SOLXx/").json()["deployments"][0]["supply"]
    assert supply["supply"] == "1234.5"
    assert supply["block_number"] == chain.slot
    assert supply["stale"] is False


def test_solana_escrow_is_not_circulating(chain, node, tmp_path):
    mint = chain.create_mint(decimals=8)
    holder = chain.create_token_account(mint=mint)
    escrow = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=100 * 10**8)
    chain.mint_to(mint=mint, account=escrow, amount=40 * 10**8)
    _registry(tmp_path, rpc_url=node.url, mint=str(mint), escrows=[str(escrow)])

    call_command("sync_supply", "--chain", "solana")

    obs = SupplyObservation.objects.get()
    assert (obs.supply, obs.escrow, obs.circulating) == (Decimal(140), Decimal(40), Decimal(100))


def test_unreachable_solana_node_fails_the_run_and_keeps_the_observation(
    chain, node, tmp_path, monkeypatch
):
    mint = chain.create_mint(decimals=8)
    holder = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=10**8)
    _registry(tmp_path, rpc_url=node.url, mint=str(mint))
    call_command("sync_supply", "--chain", "solana")

    dead = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("RPC_URL_SOLANA", dead)
    with pytest.raises(CommandError, match="solana"):
        call_command("sync_supply", "--chain", "solana")

    failed = JobRun.objects.filter(status=JobRun.Status.FAILED).get()
    assert failed.error == f"Solana ({dead}): cannot connect: All connection attempts failed"
    assert SupplyObservation.objects.get().supply == Decimal(1)
