"""The LiteSVM JSON-RPC front answers solana-py's own client, method by method."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from decimal import Decimal

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from apps.devchain.solana_rpc import SolanaRpcServer, mint_bytes


def run(node, work):
    """Run `work(client)` with a solana-py AsyncClient pointed at the node."""

    async def main():
        async with AsyncClient(node.url, http2=False) as client:
            return await work(client)

    return asyncio.run(main())


def post(node, payload) -> object:
    request = urllib.request.Request(
        node.url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_node_identity_and_clock(chain, node):
    async def work(client):
        return (
            await client.is_connected(),
            (await client.get_version()).value,
            (await client.get_genesis_hash()).value,
            (await client.get_slot()).value,
            (await client.get_minimum_ledger_slot()).value,
            (await client.get_latest_blockhash()).value.blockhash,
        )

    healthy, version, genesis, slot, first_slot, blockhash = run(node, work)

    assert healthy is True
    assert "litesvm" in version.solana_core
    assert genesis == chain.genesis_hash
    assert slot == chain.slot
    assert first_slot == 1
    assert blockhash == chain.svm.latest_blockhash()


def test_block_time_of_a_known_slot_and_error_for_an_unknown_one(chain, node):
    slot = chain.advance_slot()

    async def work(client):
        known = (await client.get_block_time(slot)).value
        with pytest.raises(RPCException):
            await client.get_block_time(slot + 1_000)
        return known

    assert run(node, work) == chain._block_times[slot]


def test_account_info_balance_and_token_supply(chain, node):
    mint = chain.create_mint(decimals=8)
    holder = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=123_450_000_000)

    async def work(client):
        return (
            await client.get_account_info(mint),
            await client.get_account_info(Keypair().pubkey()),
            await client.get_balance(chain.authority.pubkey()),
            await client.get_token_supply(mint),
        )

    info, missing, balance, supply = run(node, work)

    assert info.context.slot == chain.slot
    assert bytes(info.value.data) == bytes(chain.get_account(mint).data)
    assert missing.value is None
    assert balance.value > 0
    assert supply.value.amount == "123450000000"
    assert supply.value.decimals == 8
    assert supply.value.ui_amount_string == "1234.5"


def test_airdrop_transfer_and_signature_status(chain, node):
    sender, receiver = Keypair(), Keypair()

    async def work(client):
        airdrop = (await client.request_airdrop(sender.pubkey(), 10**9)).value
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        message = MessageV0.try_compile(
            sender.pubkey(),
            [
                transfer(
                    TransferParams(
                        from_pubkey=sender.pubkey(), to_pubkey=receiver.pubkey(), lamports=1_000_000
                    )
                )
            ],
            [],
            blockhash,
        )
        tx = VersionedTransaction(message, [sender])
        simulated = (await client.simulate_transaction(tx)).value
        sent = (await client.send_transaction(tx, TxOpts(skip_confirmation=False))).value
        statuses = (await client.get_signature_statuses([airdrop, sent])).value
        received = (await client.get_balance(receiver.pubkey())).value
        return simulated, statuses, received

    simulated, statuses, received = run(node, work)

    assert simulated.err is None
    assert any("success" in line for line in simulated.logs)
    assert all(status is not None and status.err is None for status in statuses)
    assert received == 1_000_000


def test_failed_transaction_is_a_preflight_error_with_logs(chain, node):
    pauper = Keypair()  # no lamports: cannot pay the fee

    async def work(client):
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        message = MessageV0.try_compile(
            pauper.pubkey(),
            [
                transfer(
                    TransferParams(
                        from_pubkey=pauper.pubkey(), to_pubkey=Pubkey.default(), lamports=1
                    )
                )
            ],
            [],
            blockhash,
        )
        await client.send_transaction(VersionedTransaction(message, [pauper]))

    with pytest.raises(RPCException, match="Transaction simulation failed"):
        run(node, work)


def test_more_than_100_keys_are_refused_like_a_real_node(node):
    keys = [Keypair().pubkey() for _ in range(101)]

    with pytest.raises(RPCException, match="Too many inputs"):
        run(node, lambda client: client.get_multiple_accounts(keys))


def test_protocol_errors_are_json_rpc_errors(node):
    assert post(node, {"jsonrpc": "2.0", "id": 1, "method": "nope"})["error"]["code"] == -32601
    assert post(node, {"jsonrpc": "2.0", "id": 2})["error"]["code"] == -32600
    bad_key = {"jsonrpc": "2.0", "id": 3, "method": "getAccountInfo", "params": ["zz"]}
    assert post(node, bad_key)["error"]["code"] == -32602
    request = urllib.request.Request(node.url, data=b"{not json", method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["error"]["code"] == -32700


def test_batch_requests_are_answered_in_order(chain, node):
    replies = post(
        node,
        [
            {"jsonrpc": "2.0", "id": 1, "method": "getSlot"},
            {"jsonrpc": "2.0", "id": 2, "method": "getHealth"},
            {"jsonrpc": "2.0", "id": 3, "method": "unknown"},
        ],
    )

    assert [r["id"] for r in replies] == [1, 2, 3]
    assert replies[0]["result"] == chain.slot
    assert replies[1]["result"] == "ok"
    assert replies[2]["error"]["code"] == -32601


def test_concurrent_clients_while_the_chain_moves(chain, node):
    mint = chain.create_mint(decimals=6)
    holder = chain.create_token_account(mint=mint)
    errors: list[BaseException] = []

    def reader():
        try:
            for _ in range(20):
                reply = post(
                    node,
                    {"jsonrpc": "2.0", "id": 1, "method": "getTokenSupply", "params": [str(mint)]},
                )
                assert "result" in reply, reply
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        chain.mint_to(mint=mint, account=holder, amount=1)
    for thread in threads:
        thread.join()

    assert errors == []
    assert (
        post(node, {"jsonrpc": "2.0", "id": 1, "method": "getTokenSupply", "params": [str(mint)]})[
            "result"
        ]["value"]["amount"]
        == "20"
    )


def test_token_2022_program_writes_the_same_bytes_as_put_mint(chain):
    mint = chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1.5"))

    written_by_program = bytes(chain.get_account(mint).data)

    assert written_by_program == mint_bytes(
        authority=chain.authority.pubkey(),
        supply=0,
        decimals=8,
        scaled_ui_multiplier=Decimal("1.5"),
    )


def test_server_stops_and_frees_its_port(chain):
    server = SolanaRpcServer(chain).start()
    url = server.url
    server.stop()

    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=1)
