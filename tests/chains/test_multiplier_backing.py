"""Backing counts each chain's multiplier exactly once: the issuer's EVM contract already
reports underlying units, a Token-2022 ScaledUiAmount mint's raw supply needs its
multiplier, and the catalogue's multiplier only applies to a chain that reports none."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.catalog.models import Chain, Token
from apps.chains import services
from apps.core.models import JobRun
from apps.devchain import evm_world
from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer
from apps.reserves.models import ReserveSnapshot
from tests.chains.conftest import load_with_custodian, registry_doc
from tests.factories import make_isin
from tests.reserves.helpers import semt002

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]

ISIN = make_isin(4242)


def _registry(tmp_path, doc: dict, *, multiplier: str = "1") -> str:
    doc["tokens"][0]["multiplier"] = multiplier
    path = load_with_custodian(tmp_path, doc)
    return str(path)


def _statement(tmp_path, shares: str) -> None:
    path = tmp_path / "incore.xml"
    path.write_bytes(semt002(account="INC-001", holdings={ISIN: shares}))
    call_command("import_custody_statement", str(path), "--custodian", "incore")
    call_command("compute_reserves")


def _sync_all() -> None:
    for chain in Chain.objects.all():
        assert services.sync_supply(chain=chain).status == JobRun.Status.OK, chain


def test_contract_with_1000_shares_at_1_25_is_1250_backed_by_1250_shares(
    tmp_path, client, w3, anvil, holder
):
    token = evm_world.deploy_token(w3, name="Example Corp xStock", symbol="XSTx")
    evm_world.mint_shares(w3, token, holder, Decimal(1000))
    evm_world.set_multiplier(w3, token, Decimal("1.25"))
    _registry(tmp_path, registry_doc(rpc_url=anvil.url, token_address=token))
    _sync_all()

    supply = client.get("/api/v1/tokens/XSTx/").json()["deployments"][0]["supply"]
    assert supply["supply"] == "1250"
    assert supply["multiplier"] == "1.25"
    assert supply["multiplier_source"] == "contract"
    assert supply["underlying_supply"] == "1250"
    assert supply["paused"] is False
    agreement = client.get("/api/v1/tokens/XSTx/").json()["chain_agreement"]
    assert agreement["multipliers"] == [{"chain": "anvil", "multiplier": "1.25"}]
    assert agreement["chains_disagree"] is False and agreement["paused"] == []

    _statement(tmp_path, "1250")
    snapshot = ReserveSnapshot.objects.filter(token__symbol="XSTx").latest("pk")
    assert snapshot.shares_required == Decimal(1250)
    assert snapshot.ratio_percent == Decimal(100)
    assert snapshot.status == "backed"
    reserves = client.get("/api/v1/tokens/XSTx/reserves/").json()
    assert reserves["status"] == "backed" and reserves["ratio"] == "1"
    assert reserves["supply_by_chain"][0]["multiplier"] == "1.25"
    assert reserves["consistency"]["multipliers"] == [{"chain": "anvil", "multiplier": "1.25"}]
    assert reserves["consistency"]["chains_disagree"] is False
    assert "100.00 %" in client.get("/transparency/XSTx/").content.decode()


def test_verify_reserves_recounts_the_multiplier(tmp_path, w3, anvil, holder, capsys):
    token = evm_world.deploy_token(w3, name="Example Corp xStock", symbol="XSTx")
    evm_world.mint_shares(w3, token, holder, Decimal(1000))
    evm_world.set_multiplier(w3, token, Decimal("1.25"))
    _registry(tmp_path, registry_doc(rpc_url=anvil.url, token_address=token))
    _sync_all()
    _statement(tmp_path, "1250")
    capsys.readouterr()
    call_command("verify_reserves", "XSTx")
    out = capsys.readouterr().out
    assert "ok   multiplier of XSTx on Local Ethereum" in out
    assert "ok   shares required: published 1250" in out
    assert out.strip().endswith("MATCH: every figure recomputed from its sources")


def test_plain_erc20_still_reads_with_multiplier_one(tmp_path, client, w3, anvil, holder):
    plain = evm_world.deploy_plain_token(w3, name="Plain", symbol="PLN")
    evm_world.plain_token(w3, plain).functions.mint(holder, 1000 * 10**18).transact(
        {"from": evm_world.issuer_account(w3)}
    )
    _registry(tmp_path, registry_doc(rpc_url=anvil.url, token_address=plain), multiplier="1.02")
    _sync_all()

    supply = client.get("/api/v1/tokens/XSTx/").json()["deployments"][0]["supply"]
    assert (supply["supply"], supply["multiplier"]) == ("1000", "1")
    assert supply["multiplier_source"] == "none" and supply["paused"] is None
    _statement(tmp_path, "1020")
    # A chain without a multiplier: the catalogue's shares per token apply.
    snapshot = ReserveSnapshot.objects.filter(token__symbol="XSTx").latest("pk")
    assert snapshot.shares_required == Decimal(1020) and snapshot.status == "backed"


@pytest.fixture
def solana_node():
    chain = SolanaDevChain()
    with SolanaRpcServer(chain) as server:
        yield chain, server


def test_neither_chain_type_double_counts_or_misses_its_multiplier(
    tmp_path, client, w3, anvil, holder, solana_node
):
    sol_chain, sol_server = solana_node
    token = evm_world.deploy_token(w3, name="Example Corp xStock", symbol="XSTx")
    evm_world.mint_shares(w3, token, holder, Decimal(1000))
    evm_world.set_multiplier(w3, token, Decimal("1.25"))  # totalSupply() 1,250
    mint = sol_chain.create_mint(
        decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1.25"), pausable=True
    )
    account = sol_chain.create_token_account(mint=mint)
    sol_chain.mint_to(mint=mint, account=account, amount=800 * 10**8)  # UI amount 1,000

    doc = registry_doc(rpc_url=anvil.url, token_address=token)
    doc["chains"].append(
        {"slug": "solana", "kind": "solana", "name": "Solana", "rpc_url": sol_server.url}
    )
    doc["tokens"][0]["deployments"].append({"chain": "solana", "address": str(mint), "decimals": 8})
    # The catalogue says 1.25 too: it must not be applied on top of either chain's.
    _registry(tmp_path, doc, multiplier="1.25")
    _sync_all()
    _statement(tmp_path, "2250")

    snapshot = ReserveSnapshot.objects.filter(token__symbol="XSTx").latest("pk")
    # EVM 1,250 (already underlying) + Solana 800 x 1.25 = 1,000. Double counting the EVM
    # multiplier would need 2,562.5; missing Solana's, 2,050.
    assert snapshot.shares_required == Decimal(2250)
    assert snapshot.circulating_supply == Decimal(2250)
    assert snapshot.status == "backed" and snapshot.ratio == Decimal(1)
    by_chain = {c["chain"]: c for c in snapshot.provenance["supply_by_chain"]}
    assert by_chain["anvil"]["multiplier_source"] == "contract"
    assert by_chain["anvil"]["underlying"] == "1250"
    assert by_chain["solana"]["multiplier_source"] == "scaled_ui"
    assert by_chain["solana"]["supply"] == "800" and by_chain["solana"]["underlying"] == "1000"
    assert Token.objects.get().multiplier == Decimal("1.25")
