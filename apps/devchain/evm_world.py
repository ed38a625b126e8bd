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


def deploy_token(w3: Web3, *, name: str, symbol: str, multiplier: Decimal | None = None) -> str:
    """Deploy an XStockToken (multiplier 1, or `multiplier` set at once)."""
    address = _deploy(w3, "XStockToken", name, symbol)
    if multiplier is not None and multiplier != 1:
        set_multiplier(w3, address, multiplier)
    return address


def deploy_plain_token(w3: Web3, *, name: str, symbol: str) -> str:
    """Deploy a PlainERC20: no multiplier(), no pause (a token that is not the issuer's)."""
    return _deploy(w3, "PlainERC20", name, symbol)


def plain_token(w3: Web3, address: str) -> Any:
    return w3.eth.contract(address=to_checksum_address(address), abi=artifact("PlainERC20").abi)


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


# XStockToken storage slots (contracts/XStockToken.sol).
SLOT_ISSUER_PAUSED = 0
SLOT_TOTAL_SHARES = 1
SLOT_NAME = 4
SLOT_SYMBOL = 5
SLOT_LAST_MULTIPLIER = 6
SLOT_NEW_MULTIPLIER = 7
SLOT_ACTIVATION_TIME = 8
MULTIPLIER_ONE = 10**18  # the contract's multipliers have 18 decimals


def multiplier_word(multiplier: Decimal) -> int:
    """A multiplier as the contract stores it (1e18 precision), refusing what it cannot."""
    raw = to_raw(multiplier, 18)
    if raw <= 0:
        raise ValueError(f"multiplier {multiplier} must be positive")
    return raw


def place_token(
    w3: Web3, *, address: str, name: str, symbol: str, multiplier: Decimal = Decimal(1)
) -> str:
    """Put an XStockToken at `address`, issued by the node's first account, with no shares
    and `multiplier` in force (storage written slot by slot: issuer, name, symbol, both
    multipliers; no activation time)."""
    address = to_checksum_address(address)
    code = _runtime_code(w3, "XStockToken", "template", "TPL")
    w3.provider.make_request("anvil_setCode", [address, "0x" + code.hex()])
    issuer = int(issuer_account(w3), 16)
    word = multiplier_word(multiplier)
    for slot, value in (
        (SLOT_ISSUER_PAUSED, _word(issuer)),
        (SLOT_NAME, _short_string(name)),
        (SLOT_SYMBOL, _short_string(symbol)),
        (SLOT_LAST_MULTIPLIER, _word(word)),
        (SLOT_NEW_MULTIPLIER, _word(word)),
        (SLOT_ACTIVATION_TIME, _word(0)),
    ):
        w3.provider.make_request("anvil_setStorageAt", [address, _word(slot), value])
    return address


def upgrade_token(w3: Web3, *, address: str, multiplier: Decimal = Decimal(1)) -> bool:
    """Give a token placed by an older demo world the current XStockToken code. The storage
    layout is compatible (slots 0-5 keep their meaning; balances read as shares): only the
    multiplier slots, empty before, are written. Returns whether anything changed."""
    address = to_checksum_address(address)
    code = _runtime_code(w3, "XStockToken", "template", "TPL")
    if bytes(w3.eth.get_code(address)) == code:
        return False
    w3.provider.make_request("anvil_setCode", [address, "0x" + code.hex()])
    stored = w3.eth.get_storage_at(address, SLOT_LAST_MULTIPLIER)
    if int.from_bytes(bytes(stored), "big") == 0:
        word = _word(multiplier_word(multiplier))
        for slot in (SLOT_LAST_MULTIPLIER, SLOT_NEW_MULTIPLIER):
            w3.provider.make_request("anvil_setStorageAt", [address, _word(slot), word])
    return True


BATCH = 500  # JSON-RPC calls per HTTP request when placing many tokens
MINE_SECONDS_PER_TX = 0.25  # allowance per mint transaction on a busy two-core machine


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


def outdated_code(w3: Web3, addresses: list[str]) -> list[str]:
    """The addresses (checksummed) holding code other than the current XStockToken's (a
    token an older demo world placed), in batched eth_getCode calls."""
    addresses = [to_checksum_address(a) for a in addresses]
    current = "0x" + _runtime_code(w3, "XStockToken", "template", "TPL").hex()
    codes = _batch(w3, [("eth_getCode", [a, "latest"]) for a in addresses])
    return [
        a
        for a, code in zip(addresses, codes, strict=True)
        if code not in (None, "0x", "") and code.lower() != current.lower()
    ]


def missing_code(w3: Web3, addresses: list[str]) -> list[str]:
    """The addresses (checksummed) that hold no code, in batched eth_getCode calls."""
    addresses = [to_checksum_address(a) for a in addresses]
    codes = _batch(w3, [("eth_getCode", [a, "latest"]) for a in addresses])
    return [a for a, code in zip(addresses, codes, strict=True) if code in (None, "0x", "")]


def place_tokens(
    w3: Web3,
    tokens: list[tuple[str, str, str]],
    *,
    mint_to: str = "",
    amounts: list | None = None,
    multipliers: list[Decimal] | None = None,
) -> None:
    """place_token for many (address, name, symbol) at once, in batched JSON-RPC calls, with
    `multipliers[i]` in force (default 1), and mint `amounts[i]` (whole tokens, 18
    decimals, underlying units) of each to `mint_to`: seconds, not minutes, for the whole
    catalogue."""
    if not tokens:
        return
    code = "0x" + _runtime_code(w3, "XStockToken", "template", "TPL").hex()
    issuer = issuer_account(w3)
    calls: list[tuple[str, list[Any]]] = []
    for i, (address, name, symbol) in enumerate(tokens):
        address = to_checksum_address(address)
        word = _word(multiplier_word(multipliers[i] if multipliers else Decimal(1)))
        calls.append(("anvil_setCode", [address, code]))
        for slot, value in (
            (SLOT_ISSUER_PAUSED, _word(int(issuer, 16))),
            (SLOT_NAME, _short_string(name)),
            (SLOT_SYMBOL, _short_string(symbol)),
            (SLOT_LAST_MULTIPLIER, word),
            (SLOT_NEW_MULTIPLIER, word),
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
    # anvil mines them one by one: allow time per transaction, and ask only for the
    # receipts still missing, so the polling does not slow the mining on a busy machine.
    wait = TX_TIMEOUT + MINE_SECONDS_PER_TX * len(hashes)
    deadline = time.monotonic() + wait
    receipts: list[Any] = [None] * len(hashes)
    while True:
        pending = [i for i, r in enumerate(receipts) if r is None]
        if not pending:
            break
        answers = _batch(w3, [("eth_getTransactionReceipt", [hashes[i]]) for i in pending])
        for i, answer in zip(pending, answers, strict=True):
            receipts[i] = answer
        if None not in receipts or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    reverted = [t[2] for t, r in zip(tokens, receipts, strict=True) if r and r["status"] != "0x1"]
    unmined = [t[2] for t, r in zip(tokens, receipts, strict=True) if not r]
    if reverted:
        raise RuntimeError(f"mint reverted for {', '.join(reverted[:10])}")
    if unmined:
        raise RuntimeError(
            f"{len(unmined)} mints not mined within {wait:.0f} s: {', '.join(unmined[:10])}"
        )


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
    """Mint `amount` in underlying units (what balanceOf and totalSupply count)."""
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


def mint_shares(w3: Web3, token_address: str, to: str, shares: Decimal) -> None:
    """Mint `shares` (whole shares, 18 decimals) at the multiplier in force: the amount
    minted is shares x multiplier, which the contract turns back into exactly those shares
    when the multiplication is exact (checked)."""
    contract = token(w3, token_address)
    raw_shares = to_raw(shares)
    current = contract.functions.multiplier().call()
    amount, rest = divmod(raw_shares * current, MULTIPLIER_ONE)
    if rest or amount * MULTIPLIER_ONE // current != raw_shares:
        raise ValueError(f"{shares} shares are not a whole amount at multiplier {current}")
    _send(w3, contract.functions.mint(to_checksum_address(to), amount), issuer_account(w3))


def set_multiplier(
    w3: Web3, token_address: str, multiplier: Decimal, *, activation_time: int = 0
) -> None:
    """updateMultiplierValue: `multiplier` from unix time `activation_time` (0 or a past
    time: at once), as the issuer's multiplier updater does it."""
    contract = token(w3, token_address)
    current = contract.functions.multiplier().call()
    _send(
        w3,
        contract.functions.updateMultiplierValue(
            multiplier_word(multiplier), current, activation_time
        ),
        issuer_account(w3),
    )


def set_paused(w3: Web3, token_address: str, paused: bool) -> None:
    _send(w3, token(w3, token_address).functions.setPause(paused), issuer_account(w3))


def read_multiplier(w3: Web3, token_address: str) -> Decimal:
    return Decimal(token(w3, token_address).functions.multiplier().call()).scaleb(-18)


def shares_of(w3: Web3, token_address: str, holder: str) -> Decimal:
    raw = token(w3, token_address).functions.sharesOf(to_checksum_address(holder)).call()
    return Decimal(raw).scaleb(-18)


def set_answer(w3: Web3, oracle_address: str, answer: Decimal, decimals: int = 8) -> None:
    _send(
        w3,
        oracle(w3, oracle_address).functions.setAnswer(to_raw(answer, decimals)),
        issuer_account(w3),
    )


def mine(w3: Web3, blocks: int = 1) -> None:
    w3.provider.make_request("anvil_mine", [hex(blocks)])


def set_next_block_time(w3: Web3, timestamp: int) -> None:
    """The next block's timestamp (anvil), for a controlled clock in tests."""
    w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])


def latest_block_time(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def block_number(w3: Web3) -> int:
    return w3.eth.block_number
