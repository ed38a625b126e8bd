"""Listed wallets and transfers of catalogue tokens with listed addresses, on a real local
EVM chain (anvil)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from eth_account import Account
from eth_account.messages import encode_defunct

from apps.devchain import evm_world
from apps.devchain.anvil import AnvilNode
from apps.onboarding.models import (
    CaseState,
    KycCase,
    ScreeningHit,
    TransferCursor,
    Wallet,
    WalletTransfer,
)
from apps.onboarding.services import cases, exposure
from apps.onboarding.services.rescreening import load_sanctions
from apps.onboarding.services.wallets import issue_wallet_challenge, verify_wallet
from tests.factories import ChainFactory, DeploymentFactory, KycCaseFactory, TokenFactory

pytestmark = [pytest.mark.django_db, pytest.mark.chain]


@pytest.fixture(scope="module")
def anvil() -> Iterator[AnvilNode]:
    with AnvilNode(chain_id=1) as node:
        yield node


@pytest.fixture
def w3(anvil):
    return evm_world.connect(anvil.url)


def approved_investor(name: str) -> KycCase:
    case = KycCaseFactory(declaration__profile__full_name=name)
    for state in ("submitted", "in_review", "approved"):
        cases.transition_case(case=case, to_state=state, actor=None)
    return case


def verified_wallet(case: KycCase, account) -> Wallet:
    wallet = issue_wallet_challenge(user=case.user, kind="evm", address=account.address)
    signature = account.sign_message(encode_defunct(text=wallet.challenge)).signature.hex()
    return verify_wallet(wallet=wallet, signature=signature)


def ofac_sdn(path: Path, address: str) -> Path:
    """One SDN row in OFAC's legacy CSV format listing `address` (fictitious party)."""
    remarks = (
        "DOB 01 Jan 1980; Digital Currency Address - XBT 1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U; "
        f"alt. Digital Currency Address - ETH {address.lower()}; Gender Male."
    )
    row = (
        f'90001,"EXAMPLE, Listed Person","individual","CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        f'-0- ,"{remarks}"\r\n\x1a\r\n'
    )
    path.write_text(row, encoding="latin-1")
    return path


def send_transfer(w3, token: str, sender, to: str, amount: Decimal) -> str:
    """`sender` (a local key, not a node account) signs an ERC-20 transfer."""
    w3.provider.make_request("anvil_setBalance", [sender.address, hex(10**18)])
    contract = evm_world.token(w3, token)
    tx = contract.functions.transfer(to, evm_world.to_raw(amount)).build_transaction(
        {
            "from": sender.address,
            "nonce": w3.eth.get_transaction_count(sender.address),
            "chainId": 1,
            "gas": 200_000,
        }
    )
    tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    assert receipt["status"] == 1
    return "0x" + bytes(tx_hash).hex()


@pytest.fixture
def world(anvil, w3):
    """A token on the local chain, registered in the catalogue, and two approved investors
    with a verified wallet each."""
    chain = ChainFactory(
        slug="anvil", name="Local Ethereum", rpc_url=anvil.url, explorer_url="https://etherscan.io"
    )
    token = evm_world.deploy_token(w3, name="Example xStock", symbol="EXMx")
    DeploymentFactory(chain=chain, token=TokenFactory(symbol="EXMx"), address=token)
    alice, bob = approved_investor("Alice Example"), approved_investor("Bob Example")
    keys = {"alice": Account.create(), "bob": Account.create()}
    wallets = {
        "alice": verified_wallet(alice, keys["alice"]),
        "bob": verified_wallet(bob, keys["bob"]),
    }
    return {"chain": chain, "token": token, "cases": (alice, bob), "keys": keys, "wallets": wallets}


def test_a_listed_wallet_is_a_hit_leaves_the_allowlist_and_its_transfer_is_flagged_on_both_cases(
    world, w3, tmp_path, officer, client, django_capture_on_commit_callbacks
):
    """Acceptance: an OFAC-format list whose digital currency address is a verified wallet:
    the wallet is a hit and leaves the allowlist; a transfer on the local chain from that
    wallet to another verified wallet is flagged on both cases."""
    alice, bob = world["cases"]
    alice_wallet, bob_wallet = world["wallets"]["alice"], world["wallets"]["bob"]
    assert set(Wallet.objects.allowlist()) == {alice_wallet, bob_wallet}

    with django_capture_on_commit_callbacks() as queued:
        load_sanctions(path=ofac_sdn(tmp_path / "sdn.csv", alice_wallet.address))
    # Off the allowlist as soon as the list is loaded, before the re-screening runs.
    assert list(Wallet.objects.allowlist()) == [bob_wallet]
    client.force_login(officer)
    exported = client.get("/compliance/allowlist.json").json()
    assert [w["address"] for w in exported["wallets"]] == [bob_wallet.address]
    for callback in queued:
        callback()
    alice.refresh_from_db()
    assert alice.state == CaseState.IN_REVIEW and alice.access_suspended
    hit = ScreeningHit.objects.get(case=alice)
    assert (hit.kind, hit.wallet_id, hit.external_id) == ("wallet", alice_wallet.pk, "90001")
    assert hit.matched_name == f"ETH {alice_wallet.address}"

    evm_world.mint(w3, world["token"], alice_wallet.address, Decimal("10"))
    tx_hash = send_transfer(
        w3, world["token"], world["keys"]["alice"], bob_wallet.address, Decimal("2.5")
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = exposure.scan_transfers(chain=world["chain"])
    assert run.status == "ok", run.error
    flagged = WalletTransfer.objects.get(tx_hash=tx_hash)
    assert flagged.flagged_at is not None
    assert (flagged.from_wallet, flagged.to_wallet) == (alice_wallet, bob_wallet)
    assert flagged.raw_amount == Decimal(25 * 10**17)
    assert flagged.listed[0]["external_id"] == "90001"
    assert flagged.tx_url == f"https://etherscan.io/tx/{tx_hash}"
    bob.refresh_from_db()
    assert bob.state == CaseState.IN_REVIEW and "transfer(s) with a listed address" in (
        bob.transitions.last().note
    )
    for case in (alice, bob):
        page = client.get(f"/compliance/cases/{case.pk}/").content.decode()
        assert f"https://etherscan.io/tx/{tx_hash}" in page

    # Read again: nothing new is stored twice, and the cursor has moved to the chain's head.
    again = exposure.scan_transfers(chain=world["chain"])
    assert again.counts["created"] == 0
    assert WalletTransfer.objects.filter(tx_hash=tx_hash).count() == 1
    cursor = TransferCursor.objects.get(chain=world["chain"])
    assert cursor.block_number == w3.eth.block_number


def test_a_wallet_verified_after_the_list_is_loaded_is_a_hit_at_verification(
    anvil, tmp_path, django_capture_on_commit_callbacks
):
    key = Account.create()
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=ofac_sdn(tmp_path / "sdn.csv", key.address))
    case = approved_investor("Carol Example")
    with django_capture_on_commit_callbacks(execute=True):
        wallet = verified_wallet(case, key)
    case.refresh_from_db()
    assert wallet.verified_at is not None
    assert case.state == CaseState.IN_REVIEW and case.high_risk
    assert ScreeningHit.objects.get(case=case).wallet == wallet
    assert not Wallet.objects.allowlist().exists()


def test_transfers_between_unlisted_wallets_are_kept_but_not_flagged(world, w3):
    alice_wallet, bob_wallet = world["wallets"]["alice"], world["wallets"]["bob"]
    evm_world.mint(w3, world["token"], alice_wallet.address, Decimal("3"))
    tx_hash = send_transfer(
        w3, world["token"], world["keys"]["alice"], bob_wallet.address, Decimal("1")
    )
    run = exposure.scan_transfers(chain=world["chain"])
    assert run.status == "ok", run.error
    stored = WalletTransfer.objects.get(tx_hash=tx_hash)
    assert stored.flagged_at is None
    # The mint to Alice's wallet is a transfer from the zero address: kept, not flagged.
    assert WalletTransfer.objects.filter(to_wallet=alice_wallet).exists()
    assert all(c.state == "approved" for c in KycCase.objects.all())


def test_a_list_loaded_later_flags_stored_transfers(
    world, w3, tmp_path, django_capture_on_commit_callbacks
):
    alice_wallet, bob_wallet = world["wallets"]["alice"], world["wallets"]["bob"]
    evm_world.mint(w3, world["token"], alice_wallet.address, Decimal("3"))
    tx_hash = send_transfer(
        w3, world["token"], world["keys"]["alice"], bob_wallet.address, Decimal("1")
    )
    exposure.scan_transfers(chain=world["chain"])
    assert WalletTransfer.objects.get(tx_hash=tx_hash).flagged_at is None
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=ofac_sdn(tmp_path / "sdn.csv", bob_wallet.address))
    assert WalletTransfer.objects.get(tx_hash=tx_hash).flagged_at is not None
    alice, bob = world["cases"]
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.state == bob.state == CaseState.IN_REVIEW


def test_a_reorganisation_is_read_again(world, w3):
    alice_wallet, bob_wallet = world["wallets"]["alice"], world["wallets"]["bob"]
    evm_world.mint(w3, world["token"], alice_wallet.address, Decimal("3"))
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    gone = send_transfer(
        w3, world["token"], world["keys"]["alice"], bob_wallet.address, Decimal("1")
    )
    evm_world.mine(w3, 2)
    exposure.scan_transfers(chain=world["chain"])
    assert WalletTransfer.objects.filter(tx_hash=gone).exists()
    # The chain forgets the transfer and grows other blocks at the same heights.
    w3.provider.make_request("evm_revert", [snapshot])
    kept = send_transfer(
        w3, world["token"], world["keys"]["alice"], bob_wallet.address, Decimal("2")
    )
    evm_world.mine(w3, 3)
    run = exposure.scan_transfers(chain=world["chain"])
    assert run.status == "ok", run.error
    assert run.counts["rewound_from"] is not None
    assert not WalletTransfer.objects.filter(tx_hash=gone).exists()
    assert WalletTransfer.objects.filter(tx_hash=kept).exists()


def test_only_blocks_past_the_confirmations_are_read(world, w3):
    world["chain"].confirmations = 5
    world["chain"].save()
    evm_world.mint(w3, world["token"], world["wallets"]["alice"].address, Decimal("1"))
    run = exposure.scan_transfers(chain=world["chain"])
    assert run.counts["block"] == w3.eth.block_number - 5
    assert not WalletTransfer.objects.exists()
    evm_world.mine(w3, 5)
    exposure.scan_transfers(chain=world["chain"])
    assert WalletTransfer.objects.count() == 1


class _RangeLimitedProxy:
    """A node in front of anvil that refuses eth_getLogs over more than `limit` blocks, as
    paying providers do (-32005 with the range to try, like Infura)."""

    def __init__(self, upstream: str, limit: int) -> None:
        self.refused = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                calls = body if isinstance(body, list) else [body]
                for call in calls:
                    if call.get("method") == "eth_getLogs":
                        f = call["params"][0]
                        start, end = int(f["fromBlock"], 16), int(f["toBlock"], 16)
                        if end - start + 1 > limit:
                            proxy.refused += 1
                            error = {
                                "jsonrpc": "2.0",
                                "id": call["id"],
                                "error": {
                                    "code": -32005,
                                    "message": "query returned more than 10000 results. "
                                    f"Try with this block range [{hex(start)}, "
                                    f"{hex(start + limit - 1)}].",
                                },
                            }
                            return self._send([error] if isinstance(body, list) else error)
                reply = requests.post(upstream, json=body, timeout=10).json()
                self._send(reply)

            def _send(self, payload) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_node_that_refuses_large_ranges_gets_smaller_windows(world, w3, settings):
    proxy = _RangeLimitedProxy(w3.provider.endpoint_uri, limit=8)
    try:
        world["chain"].rpc_url = proxy.url
        world["chain"].save()
        settings.EVM_LOG_BLOCK_RANGE = 1000
        settings.EXPOSURE_LOOKBACK_BLOCKS = 40
        evm_world.mint(w3, world["token"], world["wallets"]["bob"].address, Decimal("1"))
        run = exposure.scan_transfers(chain=world["chain"])
    finally:
        proxy.close()
    assert run.status == "ok", run.error
    assert proxy.refused >= 1 and run.counts["complete"]
    assert run.counts["block"] == w3.eth.block_number
    assert WalletTransfer.objects.filter(to_wallet=world["wallets"]["bob"]).count() == 1
    assert TransferCursor.objects.get(chain=world["chain"]).block_range <= 1000


def test_a_scan_without_a_node_fails_visibly(db):
    chain = ChainFactory(slug="nowhere", name="Nowhere", rpc_url="")
    run = exposure.scan_transfers(chain=chain)
    assert run.status == "failed" and "no node configured" in run.error


def test_a_node_that_is_down_is_a_transient_failure_without_its_key(db, settings):
    chain = ChainFactory(
        slug="down", name="Down", rpc_url="http://user:s3cret@127.0.0.1:9/v3/KEY123"
    )
    run = exposure.scan_transfers(chain=chain)
    assert run.status == "failed" and run.counts["transient"]
    assert "s3cret" not in run.error and "KEY123" not in run.error
