"""Wallet balances read by the chain clients: EVM balanceOf in batches at one block (anvil),
Solana getTokenAccountsByOwner (jsonParsed) from LiteSVM behind its JSON-RPC front."""

from __future__ import annotations

import json
import struct
import urllib.request
from decimal import Decimal

import pytest
from eth_account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.transaction import Transaction
from spl.token.constants import TOKEN_2022_PROGRAM_ID

from apps.chains import evm, solana
from apps.chains.readings import ChainReadError
from apps.devchain import evm_world
from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer
from tests.chains.solana_helpers import FaultyNode, closed_port

pytestmark = pytest.mark.chain

TOKEN_2022 = str(TOKEN_2022_PROGRAM_ID)


def _evm(url: str, tokens: list[str], owners: list[str], **kwargs):
    return evm.read_balances(
        rpc_url=url, chain_name="Local", expected_chain_id=1, tokens=tokens, owners=owners, **kwargs
    )


# --- EVM ---------------------------------------------------------------------------------


def test_evm_balances_of_every_owner_and_token_at_one_block(anvil, w3):
    a = evm_world.deploy_token(w3, name="A", symbol="Ax")
    b = evm_world.deploy_token(w3, name="B", symbol="Bx")
    alice, bob = Account.create().address, Account.create().address
    evm_world.mint(w3, a, alice, Decimal("1.5"))
    evm_world.mint(w3, b, alice, Decimal("0.000000000000000001"))
    evm_world.mint(w3, a, bob, Decimal(7))
    snapshot = _evm(anvil.url, [a, b], [alice, bob])
    assert snapshot.chain_id == 1
    assert snapshot.round_trips == 2  # chain id + head, then one batch of 6 calls
    by_owner = {w.owner: {r.token: r for r in w.balances} for w in snapshot.wallets}
    assert by_owner[alice][a].raw_balance == 1_500_000_000_000_000_000
    assert by_owner[alice][b].raw_balance == 1
    assert by_owner[bob][a].raw_balance == 7 * 10**18
    assert by_owner[bob][b].raw_balance == 0  # zeros are readings too
    assert {r.decimals for w in snapshot.wallets for r in w.balances} == {18}
    blocks = {w.block for w in snapshot.wallets}
    assert len(blocks) == 1 and next(iter(blocks)).number == w3.eth.block_number


def test_evm_balances_cost_the_same_round_trips_for_more_wallets(anvil, w3):
    tokens = [evm_world.deploy_token(w3, name=f"T{n}", symbol=f"T{n}x") for n in range(4)]
    owners = [Account.create().address for _ in range(30)]
    one = _evm(anvil.url, tokens[:1], owners[:1])
    many = _evm(anvil.url, tokens, owners)
    assert one.round_trips == many.round_trips == 2
    assert len(many.wallets) == 30 and all(len(w.balances) == 4 for w in many.wallets)


def test_evm_balances_at_a_past_block(anvil, w3):
    token = evm_world.deploy_token(w3, name="A", symbol="Ax")
    owner = Account.create().address
    evm_world.mint(w3, token, owner, Decimal(1))
    before = w3.eth.block_number
    evm_world.mint(w3, token, owner, Decimal(2))
    past = _evm(anvil.url, [token], [owner], block=before)
    assert past.wallets[0].block.number == before
    assert past.wallets[0].balances[0].raw_balance == 10**18


def test_evm_balance_of_an_address_without_contract_names_it(anvil, w3, other_address):
    with pytest.raises(ChainReadError, match=f"no contract at {other_address}") as caught:
        _evm(anvil.url, [other_address], [Account.create().address])
    assert caught.value.transient is False


def test_evm_balances_refuse_a_node_on_another_chain(anvil, w3):
    token = evm_world.deploy_token(w3, name="A", symbol="Ax")
    with pytest.raises(ChainReadError, match="chain id 1, the registry expects 5"):
        evm.read_balances(
            rpc_url=anvil.url,
            chain_name="Local",
            expected_chain_id=5,
            tokens=[token],
            owners=[Account.create().address],
        )


def test_evm_balances_of_nobody_ask_nothing(closed_port_url):
    snapshot = _evm(closed_port_url, [], [Account.create().address])
    assert snapshot.wallets == () and snapshot.round_trips == 0


def test_evm_balances_keep_a_node_key_out_of_errors(closed_port_url):
    url = closed_port_url + "/v2/secret-key-123"
    with pytest.raises(ChainReadError) as caught:
        _evm(url, [Account.create().address], [Account.create().address])
    assert "secret-key-123" not in str(caught.value)
    assert caught.value.transient is True


# --- Solana ------------------------------------------------------------------------------


def _solana(url: str, owners: list[str], mints: list[str], **kwargs):
    return solana.read_token_balances(
        rpc_url=url, chain_name="Solana", owners=owners, mints=mints, **kwargs
    )


@pytest.fixture
def scaled_mint(chain: SolanaDevChain):
    return chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1.25"))


def test_solana_balances_sum_every_account_of_a_mint(chain, node, scaled_mint):
    owner = Keypair().pubkey()
    other_mint = chain.create_mint(decimals=6, token_2022=True)
    spl_mint = chain.create_mint(decimals=8)  # SPL Token: not an xStock program
    first = chain.create_token_account(mint=scaled_mint, owner=owner)
    second = chain.create_token_account(mint=scaled_mint, owner=owner)
    chain.mint_to(mint=scaled_mint, account=first, amount=150_000_000)
    chain.mint_to(mint=scaled_mint, account=second, amount=7)
    chain.mint_to(
        mint=other_mint, account=chain.create_token_account(mint=other_mint, owner=owner), amount=9
    )
    chain.mint_to(
        mint=spl_mint, account=chain.create_token_account(mint=spl_mint, owner=owner), amount=5
    )
    # Someone else's account of the same mint is not the owner's.
    chain.mint_to(
        mint=scaled_mint,
        account=chain.create_token_account(mint=scaled_mint, owner=Keypair().pubkey()),
        amount=10**12,
    )
    snapshot = _solana(node.url, [str(owner)], [str(scaled_mint), str(spl_mint)])
    (wallet,) = snapshot.wallets
    assert wallet.owner == str(owner)
    (reading,) = wallet.balances  # other mints and the SPL Token program are not read
    assert reading.token == str(scaled_mint)
    assert reading.raw_balance == 150_000_007  # raw, never the scaled uiAmount
    assert (reading.decimals, reading.accounts) == (8, 2)
    assert wallet.block.number == chain.slot
    assert snapshot.round_trips == 1
    assert chain.calls["getTokenAccountsByOwner"] == 1


def test_solana_owner_without_accounts_holds_nothing(chain, node, scaled_mint):
    snapshot = _solana(node.url, [str(Keypair().pubkey())], [str(scaled_mint)])
    assert snapshot.wallets[0].balances == ()


def test_solana_one_request_per_wallet(chain, node, scaled_mint):
    owners = [Keypair().pubkey() for _ in range(12)]
    for n, owner in enumerate(owners):
        account = chain.create_token_account(mint=scaled_mint, owner=owner)
        chain.mint_to(mint=scaled_mint, account=account, amount=n + 1)
    snapshot = _solana(node.url, [str(o) for o in owners], [str(scaled_mint)])
    assert snapshot.round_trips == 12 == node.http_requests
    assert [w.balances[0].raw_balance for w in snapshot.wallets] == list(range(1, 13))


def test_solana_balances_refuse_a_bad_address(node):
    with pytest.raises(ChainReadError, match="wallet 'not-base58!' is not a base58"):
        _solana(node.url, ["not-base58!"], [str(Keypair().pubkey())])


def test_solana_balances_closed_port_is_transient():
    port = closed_port()
    with pytest.raises(ChainReadError, match="cannot connect") as caught:
        _solana(f"http://127.0.0.1:{port}", [str(Keypair().pubkey())], [str(Keypair().pubkey())])
    assert caught.value.transient is True


@pytest.mark.parametrize("behaviour", ["garbage", "http500"])
def test_solana_balances_from_a_broken_node_fail(behaviour):
    with FaultyNode(behaviour) as node, pytest.raises(ChainReadError) as caught:
        _solana(node.url, [str(Keypair().pubkey())], [str(Keypair().pubkey())], timeout=2)
    assert caught.value.transient is (behaviour == "http500")


class _TamperingChain(SolanaDevChain):
    """A node whose getTokenAccountsByOwner answer is changed by `tamper(info)`."""

    tamper = staticmethod(lambda info: None)

    def _rpc_get_token_accounts_by_owner(self, params: list) -> dict:
        answer = super()._rpc_get_token_accounts_by_owner(params)
        for item in answer["value"]:
            type(self).tamper(item["account"]["data"]["parsed"]["info"])
        return answer


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda i: i["tokenAmount"].update(amount="1e5"), "has no u64 amount"),
        (lambda i: i["tokenAmount"].update(amount=str(2**64)), "has no u64 amount"),
        (lambda i: i["tokenAmount"].update(amount=5), "has no u64 amount"),
        (lambda i: i["tokenAmount"].update(decimals=300), "has no u8 decimals"),
        (lambda i: i.update(owner=str(Keypair().pubkey())), "belongs to"),
        (lambda i: i.update(state="closed"), "is in state 'closed'"),
    ],
)
def test_solana_garbled_token_accounts_fail_the_read(tamper, message):
    chain = _TamperingChain()
    _TamperingChain.tamper = staticmethod(tamper)
    mint = chain.create_mint(decimals=8, token_2022=True)
    owner = Keypair().pubkey()
    chain.mint_to(mint=mint, account=chain.create_token_account(mint=mint, owner=owner), amount=3)
    with SolanaRpcServer(chain) as server, pytest.raises(ChainReadError, match=message) as caught:
        _solana(server.url, [str(owner)], [str(mint)])
    assert "garbled reply" in str(caught.value)
    assert caught.value.transient is False


# --- the LiteSVM front answers like a node -----------------------------------------------


def _rpc(url: str, method: str, params: list) -> dict:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as reply:
        return json.loads(reply.read())


def _program_ui_amount(chain: SolanaDevChain, mint, amount: int) -> str:
    """What the Token-2022 program itself says (AmountToUiAmount, return data)."""
    ix = Instruction(
        TOKEN_2022_PROGRAM_ID,
        bytes([23]) + struct.pack("<Q", amount),
        [AccountMeta(mint, False, False)],
    )
    tx = Transaction(
        [chain.authority], Message([ix], chain.authority.pubkey()), chain.svm.latest_blockhash()
    )
    return bytes(chain.svm.simulate_transaction(tx).meta().return_data().data).decode()


def test_front_answers_jsonparsed_token_accounts_like_agave(chain, node):
    mint = chain.create_mint(
        decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1.0077209101501272")
    )
    owner = Keypair().pubkey()
    account = chain.create_token_account(mint=mint, owner=owner)
    chain.mint_to(mint=mint, account=account, amount=123_456_789)
    reply = _rpc(
        node.url,
        "getTokenAccountsByOwner",
        [str(owner), {"programId": TOKEN_2022}, {"encoding": "jsonParsed"}],
    )
    (item,) = reply["result"]["value"]
    assert reply["result"]["context"]["slot"] == chain.slot
    assert item["pubkey"] == str(account)
    assert item["account"]["owner"] == TOKEN_2022
    data = item["account"]["data"]
    assert (data["program"], data["space"], data["parsed"]["type"]) == (
        "spl-token-2022",
        165,
        "account",
    )
    info = data["parsed"]["info"]
    assert (info["mint"], info["owner"], info["state"], info["isNative"]) == (
        str(mint),
        str(owner),
        "initialized",
        False,
    )
    amount = info["tokenAmount"]
    assert (amount["amount"], amount["decimals"]) == ("123456789", 8)
    # The scaled UI amount, exactly as the Token-2022 program on this chain computes it.
    assert amount["uiAmountString"] == _program_ui_amount(chain, mint, 123_456_789) == "1.24409987"
    assert amount["uiAmount"] == 1.24409987


def test_front_filters_by_mint_and_answers_bytes(chain, node, scaled_mint):
    owner = Keypair().pubkey()
    other = chain.create_mint(decimals=8, token_2022=True)
    account = chain.create_token_account(mint=scaled_mint, owner=owner)
    chain.create_token_account(mint=other, owner=owner)
    reply = _rpc(
        node.url,
        "getTokenAccountsByOwner",
        [str(owner), {"mint": str(scaled_mint)}, {"encoding": "base64"}],
    )
    (item,) = reply["result"]["value"]
    assert item["pubkey"] == str(account)
    assert item["account"]["data"][1] == "base64"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], "expected a pubkey"),
        (["{owner}"], "expected a filter"),
        (["{owner}", {"programId": "11111111111111111111111111111111"}], "unrecognized Token"),
        (["{owner}", {"mint": "11111111111111111111111111111111"}], "could not find mint"),
        (["{owner}", {"mint": "{owner}", "programId": TOKEN_2022}], "expected a filter"),
    ],
)
def test_front_refuses_what_a_node_refuses(node, params, message):
    owner = str(Keypair().pubkey())
    params = [p.replace("{owner}", owner) if isinstance(p, str) else p for p in params]
    params = [
        {k: v.replace("{owner}", owner) for k, v in p.items()} if isinstance(p, dict) else p
        for p in params
    ]
    reply = _rpc(node.url, "getTokenAccountsByOwner", params)
    assert reply["error"]["code"] == -32602
    assert message in reply["error"]["message"]
