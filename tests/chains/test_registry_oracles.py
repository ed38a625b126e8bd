from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.registry import RegistryError, load_registry
from apps.chains.models import OracleFeed
from tests.chains.conftest import registry_doc
from tests.factories import evm_address

pytestmark = pytest.mark.django_db

TOKEN = evm_address("registry-token")
ORACLE = evm_address("registry-oracle")


def test_oracles_create_feeds_idempotently():
    doc = registry_doc(rpc_url="http://127.0.0.1:1", token_address=TOKEN)
    doc["tokens"][0]["oracles"] = [
        {
            "chain": "anvil",
            "address": ORACLE.lower(),
            "heartbeat": 3600,
            "deviation_bps": "25.5",
            "description": "XST / USD",
        }
    ]
    result = load_registry(doc)
    assert result.created["oracle feeds"] == 1
    feed = OracleFeed.objects.get()
    assert feed.address == ORACLE  # stored in EIP-55 form
    assert feed.heartbeat_seconds == 3600
    assert feed.deviation_bps == Decimal("25.5")
    assert feed.token.symbol == "XSTx"
    again = load_registry(doc)
    assert not again.changed


def test_bad_oracles_are_reported_with_their_path():
    doc = registry_doc(rpc_url="http://127.0.0.1:1", token_address=TOKEN)
    doc["chains"].append({"slug": "sol", "kind": "solana", "name": "Solana"})
    doc["tokens"][0]["oracles"] = [
        {"chain": "nowhere", "address": ORACLE},
        {"chain": "sol", "address": ORACLE},
        {"chain": "anvil", "address": "0x1234"},
        {"chain": "anvil", "address": ORACLE, "heartbeat": 0},
        {"chain": "anvil", "address": ORACLE},
    ]
    with pytest.raises(RegistryError) as exc:
        load_registry(doc)
    errors = exc.value.errors
    assert "tokens[0].oracles[0].chain: unknown chain 'nowhere'" in errors
    assert "tokens[0].oracles[1].chain: oracle feeds are read on EVM chains, not solana" in errors
    assert any(e.startswith("tokens[0].oracles[2].address:") for e in errors)
    assert "tokens[0].oracles[3].heartbeat: must be between 1 and 100000000" in errors
    assert any(e.startswith("tokens[0].oracles[4].address: duplicate oracle") for e in errors)
    assert not OracleFeed.objects.exists()


def test_chain_confirmations_and_max_age_are_loaded():
    from apps.catalog.models import Chain

    doc = registry_doc(
        rpc_url="http://127.0.0.1:1", token_address=TOKEN, confirmations=12, max_age_seconds=900
    )
    load_registry(doc)
    chain = Chain.objects.get(slug="anvil")
    assert (chain.confirmations, chain.max_age_seconds) == (12, 900)
