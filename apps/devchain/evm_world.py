"""Deploy and drive the demo contracts on a local EVM node (anvil).

Tokens and oracles are either deployed normally (`deploy_token`, `deploy_oracle`) or
placed at a chosen address with anvil's `anvil_setCode`/`anvil_setStorageAt`
(`place_token`, `place_oracle`), which is how the shipped registry's demo addresses
get real contracts behind them. The storage slots written here follow the fixed
layouts documented in contracts/*.sol.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import requests
from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3

from .contracts import artifact

TX_TIMEOUT = 30  # seconds to wait for a receipt on a local node


def connect(url: str) -> Web3:
    return Web3(HTTPProvider(url, request_kwargs={"timeout": 30}))


def issuer_account(w3: Web3) -> str:
    """anvil's first unlocked development account acts as the issuer."""
    return w3.eth.accounts[0]


def _send(w3: Web3, fn: Any, sender: str) -> Any:
    tx_hash = fn.transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=TX_TIMEOUT)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} failed")
    return receipt


def _deploy(w3: Web3, name: str, *args: Any) -> str:
    art = artifact(name)
    contract = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    receipt = _send(w3, contract.constructor(*args), issuer_account(w3))
    return to_checksum_address(receipt["contractAddress"])


def token(w3: Web3, address: str) -> Any:
    return w3.eth.contract(address=to_checksum_address(address), abi=artifact("XStockToken").abi)


def oracle(w3: Web3, address: str) -> Any:
    return w3.eth.contract(address=to_checksum_address(address), abi=artifact("DemoOracle").abi)


def deploy_token(w3: Web3, *, name: str, symbol: str) -> str:
    return _deploy(w3, "XStockToken", name, symbol)


def deploy_oracle(w3: Web3, *, decimals: int = 8, description: str = "") -> str:
    return _deploy(w3, "DemoOracle", decimals, description)


def _short_string(text: str) -> str:
    data = text.encode()[:31]
    return "0x" + (data.ljust(31, b"\0") + bytes([len(data) * 2])).hex()


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


_runtime: dict[tuple[str, str], bytes] = {}


def _runtime_code(w3: Web3, name: str, *args: Any) -> bytes:
    """Runtime code of a contract, from one template deployment per node."""
    key = (w3.provider.endpoint_uri, name)  # type: ignore[attr-defined]
    if key not in _runtime:
        _runtime[key] = bytes(w3.eth.get_code(_deploy(w3, name, *args)))
    return _runtime[key]


def has_code(w3: Web3, address: str) -> bool:
    return len(w3.eth.get_code(to_checksum_address(address))) > 0


def place_token(w3: Web3, *, address: str, name: str, symbol: str) -> str:
    """Put an XStockToken at `address`, issued by the node's first account."""
    address = to_checksum_address(address)
    code = _runtime_code(w3, "XStockToken", "template", "TPL")
    w3.provider.make_request("anvil_setCode", [address, "0x" + code.hex()])
    issuer = int(issuer_account(w3), 16)
    for slot, value in ((0, _word(issuer)), (4, _short_string(name)), (5, _short_string(symbol))):
        w3.provider.make_request("anvil_setStorageAt", [address, _word(slot), value])
    return address


BATCH = 500  # JSON-RPC calls per HTTP request when placing many tokens


def _batch(w3: Web3, calls: list[tuple[str, list[Any]]]) -> list[Any]:
    """Send JSON-RPC calls in batches of BATCH; the results in order (an error raises)."""
    url = w3.provider.endpoint_uri  # type: ignore[attr-defined]
    out: list[Any] = []
    for start in range(0, len(calls), BATCH):
        chunk = calls[start : start + BATCH]
        body = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
            for i, (method, params) in enumerate(chunk)
        ]
        reply = requests.post(url, json=body, timeout=120)
        reply.raise_for_status()
        answers = sorted(reply.json(), key=lambda a: a["id"])
        for answer in answers:
            if "error" in answer:
                method = chunk[answer["id"]][0]
                raise RuntimeError(f"{method}: {answer['error'].get('message', answer['error'])}")
            out.append(answer.get("result"))
    return out


def missing_code(w3: Web3, addresses: list[str]) -> list[str]:
    """The addresses (checksummed) that hold no code, in batched eth_getCode calls."""
    addresses = [to_checksum_address(a) for a in addresses]
    codes = _batch(w3, [("eth_getCode", [a, "latest"]) for a in addresses])
    return [a for a, code in zip(addresses, codes, strict=True) if code in (None, "0x", "")]


def place_tokens(
    w3: Web3, tokens: list[tuple[str, str, str]], *, mint_to: str = "", amounts: list | None = None
) -> None:
    """place_token for many (address, name, symbol) at once, in batched JSON-RPC calls, and
    mint `amounts[i]` (whole tokens, 18 decimals) of each to `mint_to`: seconds, not
    minutes, for the whole catalogue."""
    if not tokens:
        return
    code = "0x" + _runtime_code(w3, "XStockToken", "template", "TPL").hex()
    issuer = issuer_account(w3)
    calls: list[tuple[str, list[Any]]] = []
    for address, name, symbol in tokens:
        address = to_checksum_address(address)
        calls.append(("anvil_setCode", [address, code]))
        for slot, value in (
            (0, _word(int(issuer, 16))),
            (4, _short_string(name)),
            (5, _short_string(symbol)),
        ):
            calls.append(("anvil_setStorageAt", [address, _word(slot), value]))
    _batch(w3, calls)
    if not mint_to or amounts is None:
        return
    abi_token = token(w3, tokens[0][0])
    # Explicit nonces: calls of one batch may be handled concurrently.
    nonce = w3.eth.get_transaction_count(issuer, "pending")
    sends = []
    for i, ((address, _name, _symbol), amount) in enumerate(zip(tokens, amounts, strict=True)):
        data = abi_token.encode_abi("mint", args=[to_checksum_address(mint_to), to_raw(amount)])
        tx = {
            "from": issuer,
            "to": to_checksum_address(address),
            "data": data,
            "gas": hex(200_000),
            "nonce": hex(nonce + i),
        }
        sends.append(("eth_sendTransaction", [tx]))
    hashes = _batch(w3, sends)
    deadline = time.monotonic() + TX_TIMEOUT
    receipts = _batch(w3, [("eth_getTransactionReceipt", [h]) for h in hashes])
    while None in receipts and time.monotonic() < deadline:
        time.sleep(0.2)  # anvil mines them one by one
        receipts = _batch(w3, [("eth_getTransactionReceipt", [h]) for h in hashes])
    failed = [t[2] for t, r in zip(tokens, receipts, strict=True) if not r or r["status"] != "0x1"]
    if failed:
        raise RuntimeError(f"mint failed or not mined for {', '.join(failed[:10])}")


def place_oracle(w3: Web3, *, address: str, decimals: int = 8, description: str = "") -> str:
    """Put a DemoOracle at `address`, owned by the node's first account."""
    address = to_checksum_address(address)
    code = _runtime_code(w3, "DemoOracle", 8, "template")
    w3.provider.make_request("anvil_setCode", [address, "0x" + code.hex()])
    owner = int(issuer_account(w3), 16)
    slot0 = (decimals << 160) | owner
    for slot, value in ((0, _word(slot0)), (1, _short_string(description))):
        w3.provider.make_request("anvil_setStorageAt", [address, _word(slot), value])
    return address


def to_raw(amount: Decimal, decimals: int = 18) -> int:
    raw = amount.scaleb(decimals)
    if raw != raw.to_integral_value():
        raise ValueError(f"{amount} has more than {decimals} decimals")
    return int(raw)


def mint(w3: Web3, token_address: str, to: str, amount: Decimal, decimals: int = 18) -> None:
    _send(
        w3,
        token(w3, token_address).functions.mint(to_checksum_address(to), to_raw(amount, decimals)),
        issuer_account(w3),
    )


def burn(w3: Web3, token_address: str, holder: str, amount: Decimal, decimals: int = 18) -> None:
    _send(
        w3,
        token(w3, token_address).functions.burn(
            to_checksum_address(holder), to_raw(amount, decimals)
        ),
        issuer_account(w3),
    )


def set_answer(w3: Web3, oracle_address: str, answer: Decimal, decimals: int = 8) -> None:
    _send(
        w3,
        oracle(w3, oracle_address).functions.setAnswer(to_raw(answer, decimals)),
        issuer_account(w3),
    )


def mine(w3: Web3, blocks: int = 1) -> None:
    w3.provider.make_request("anvil_mine", [hex(blocks)])


def block_number(w3: Web3) -> int:
    return w3.eth.block_number
