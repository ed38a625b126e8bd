"""Transfers of a catalogue mint with a listed Solana address, on the local Solana chain
(LiteSVM behind its JSON-RPC front: getSignaturesForAddress and getTransaction)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from solders.keypair import Keypair

from apps.chains import solana
from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer
from apps.onboarding.models import CaseState, KycCase, TransferCursor, WalletTransfer
from apps.onboarding.services import cases, exposure
from apps.onboarding.services.rescreening import load_sanctions
from apps.onboarding.services.wallets import issue_wallet_challenge, verify_wallet
from tests.factories import DeploymentFactory, KycCaseFactory, SolanaChainFactory, TokenFactory

pytestmark = [pytest.mark.django_db, pytest.mark.chain]


def approved_investor(name: str) -> KycCase:
    case = KycCaseFactory(declaration__profile__full_name=name)
    for state in ("submitted", "in_review", "approved"):
        cases.transition_case(case=case, to_state=state, actor=None)
    return case


def verified_solana_wallet(case: KycCase, key: Keypair):
    wallet = issue_wallet_challenge(user=case.user, kind="solana", address=str(key.pubkey()))
    signature = str(key.sign_message(wallet.challenge.encode()))
    return verify_wallet(wallet=wallet, signature=signature)


@pytest.fixture
def solana_world(db):
    chain = SolanaDevChain()
    mint = chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1.5"))
    keys = {"alice": Keypair(), "bob": Keypair()}
    accounts = {
        name: chain.create_token_account(mint=mint, owner=key.pubkey())
        for name, key in keys.items()
    }
    chain.mint_to(mint=mint, account=accounts["alice"], amount=10 * 10**8)
    with SolanaRpcServer(chain) as server:
        registered = SolanaChainFactory(rpc_url=server.url, explorer_url="https://solscan.io")
        DeploymentFactory(chain=registered, token=TokenFactory(symbol="SOLx"), address=str(mint))
        alice, bob = approved_investor("Alice Example"), approved_investor("Bob Example")
        wallets = {
            "alice": verified_solana_wallet(alice, keys["alice"]),
            "bob": verified_solana_wallet(bob, keys["bob"]),
        }
        yield {
            "devchain": chain,
            "server": server,
            "chain": registered,
            "mint": mint,
            "keys": keys,
            "accounts": accounts,
            "cases": (alice, bob),
            "wallets": wallets,
        }


def listing_sol(path, address: str):
    remarks = f"Digital Currency Address - SOL {address}; Gender Female."
    path.write_text(
        f'90002,"EXAMPLE, Listed Holder","individual","CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        f'-0- ,"{remarks}"\r\n',
        encoding="latin-1",
    )
    return path


def test_a_transfer_from_a_listed_solana_wallet_is_flagged_on_both_cases(
    solana_world, tmp_path, officer, client, django_capture_on_commit_callbacks
):
    world = solana_world
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=listing_sol(tmp_path / "sdn.csv", str(world["keys"]["alice"].pubkey())))
    signature = world["devchain"].transfer_checked(
        mint=world["mint"],
        source=world["accounts"]["alice"],
        dest=world["accounts"]["bob"],
        owner=world["keys"]["alice"],
        amount=3 * 10**8,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = exposure.scan_transfers(chain=world["chain"])
    assert run.status == "ok", run.error
    flagged = WalletTransfer.objects.get(tx_hash=str(signature))
    assert flagged.flagged_at is not None
    assert (flagged.from_wallet, flagged.to_wallet) == (
        world["wallets"]["alice"],
        world["wallets"]["bob"],
    )
    # Raw amounts, as the ledger keeps them (the scaled-UI multiplier is not applied).
    assert flagged.raw_amount == Decimal(3 * 10**8)
    assert flagged.tx_url == f"https://solscan.io/tx/{signature}"
    alice, bob = world["cases"]
    for case in (alice, bob):
        case.refresh_from_db()
        assert case.state == CaseState.IN_REVIEW
    client.force_login(officer)
    page = client.get(f"/compliance/cases/{bob.pk}/").content.decode()
    assert f"https://solscan.io/tx/{signature}" in page

    cursor = TransferCursor.objects.get(chain=world["chain"])
    assert cursor.signatures[str(world["mint"])] == str(signature)
    again = exposure.scan_transfers(chain=world["chain"])
    assert again.counts["transfers_read"] == 0 and again.counts["created"] == 0


def test_mints_are_not_transfers_and_other_owners_are_not_kept(solana_world):
    world = solana_world
    outsider = Keypair()
    account = world["devchain"].create_token_account(mint=world["mint"], owner=outsider.pubkey())
    world["devchain"].transfer_checked(
        mint=world["mint"],
        source=world["accounts"]["alice"],
        dest=account,
        owner=world["keys"]["alice"],
        amount=1,
    )
    run = exposure.scan_transfers(chain=world["chain"])
    assert run.status == "ok", run.error
    # The initial mint to Alice has no sender; the transfer to the outsider touches Alice.
    assert run.counts["transfers_read"] == 1
    stored = WalletTransfer.objects.get()
    assert stored.to_address == str(outsider.pubkey()) and stored.flagged_at is None


def test_a_scan_limited_in_pages_says_it_is_incomplete(solana_world, monkeypatch):
    world = solana_world
    mint = str(world["mint"])
    first = solana.read_transfers(
        rpc_url=world["server"].url, chain_name="Solana", mints=[mint], until={}
    )
    (newest,) = [signature for m, signature in first.cursors if m == mint]
    for _ in range(3):
        world["devchain"].transfer_checked(
            mint=world["mint"],
            source=world["accounts"]["alice"],
            dest=world["accounts"]["bob"],
            owner=world["keys"]["alice"],
            amount=1,
        )
    monkeypatch.setattr(solana, "MAX_SIGNATURES_PER_CALL", 2)
    # A mint read before is paged down to its cursor, max_pages at most.
    scan = solana.read_transfers(
        rpc_url=world["server"].url,
        chain_name="Solana",
        mints=[mint],
        until={mint: newest},
        max_pages=1,
    )
    assert not scan.complete and len(scan.transfers) == 2
    whole = solana.read_transfers(
        rpc_url=world["server"].url, chain_name="Solana", mints=[mint], until={mint: newest}
    )
    assert whole.complete and len(whole.transfers) == 3
    assert whole.round_trips == 1 + 2 + 1  # slot, two pages of signatures, one batch
    # A mint never read before goes back one page only: its newest transactions.
    fresh = solana.read_transfers(
        rpc_url=world["server"].url, chain_name="Solana", mints=[mint], until={}
    )
    assert fresh.complete and len(fresh.transfers) == 2


def test_the_local_node_answers_like_a_real_one(solana_world):
    """getTransaction without maxSupportedTransactionVersion has no "version"; an unknown
    signature is null; a limit above 1,000 is refused."""
    chain = solana_world["devchain"]
    mint = str(solana_world["mint"])
    (newest, *_) = chain.call("getSignaturesForAddress", [mint])
    tx = chain.call("getTransaction", [newest["signature"], {"encoding": "json"}])
    assert "version" not in tx and tx["meta"]["postTokenBalances"][0]["mint"] == mint
    versioned = chain.call(
        "getTransaction", [newest["signature"], {"maxSupportedTransactionVersion": 0}]
    )
    assert versioned["version"] == "legacy"
    assert chain.call("getTransaction", ["1" * 64]) is None
    from apps.devchain.solana_rpc import RpcError

    with pytest.raises(RpcError, match="max 1000"):
        chain.call("getSignaturesForAddress", [mint, {"limit": 1001}])
