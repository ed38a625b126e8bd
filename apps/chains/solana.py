"""Solana supply reads with solana-py: SPL Token and Token-2022 mints, batched and pinned.

The only project module (besides the dev chain) that imports solana or solders. It speaks
JSON-RPC to a node through solana-py's AsyncClient (solana-py 0.41 ships no synchronous
client) and returns the frozen dataclasses of apps.chains.readings.

One read of N mints and their escrow token accounts costs
ceil(accounts / 100) getMultipleAccounts calls, sent concurrently, plus one
getLatestBlockhash (for the slot's hash) and one getBlockTime: a constant handful of round
trips instead of one per mint. Solana nodes cannot serve past slots, so "one pinned slot"
means: every batch must report the same context slot; if they straddle a slot boundary the
whole read is repeated (SLOT_ATTEMPTS times), and a read that still straddles is recorded at
the highest slot seen (values are then at most one or two slots apart, never older data
labelled newer).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import math
import struct
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx2
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solders.pubkey import Pubkey
from solders.rpc.responses import (
    GetBlockTimeResp,
    GetLatestBlockhashResp,
    GetMultipleAccountsResp,
    GetSignaturesForAddressResp,
    GetSlotResp,
    GetTransactionResp,
)
from solders.signature import Signature

from apps.chains.readings import (
    BlockRef,
    ChainReadError,
    SupplyReading,
    SupplySnapshot,
    SupplyTarget,
    TokenTransfer,
    TransferScan,
    scrubbed_errors,
)
from apps.core import safejson
from apps.core.redaction import redact_url

# getMultipleAccounts refuses more than 100 keys per call on Solana RPC nodes.
MAX_ACCOUNTS_PER_CALL = 100
# Seconds allowed for each HTTP request (connect, write, read) before it counts as a timeout.
DEFAULT_TIMEOUT = 10.0
# Whole-read attempts when the batches come back from different context slots.
SLOT_ATTEMPTS = 3

COMMITMENTS = ("processed", "confirmed", "finalized")

TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
TOKEN_PROGRAMS = {TOKEN_PROGRAM_ID: "SPL Token", TOKEN_2022_PROGRAM_ID: "Token-2022"}

# SPL Token state layouts (little endian), shared by Token-2022 for the base state.
MINT_LEN = (
    82  # COption<Pubkey> authority, u64 supply, u8 decimals, bool initialized, COption<Pubkey>
)
MINT_SUPPLY_OFFSET = 36
MINT_DECIMALS_OFFSET = 44
MINT_INITIALIZED_OFFSET = 45
ACCOUNT_LEN = 165  # Pubkey mint, Pubkey owner, u64 amount, ...
ACCOUNT_AMOUNT_OFFSET = 64
ACCOUNT_STATE_OFFSET = 108  # u8: 0 uninitialized, 1 initialized, 2 frozen
MULTISIG_LEN = 355  # never an extended mint or account: Token-2022 pads those past it
# Token-2022 extended accounts: base state padded to ACCOUNT_LEN, one AccountType byte, then
# TLV entries (u16 type, u16 length, value).
ACCOUNT_TYPE_OFFSET = ACCOUNT_LEN
ACCOUNT_TYPE_MINT = 1
ACCOUNT_TYPE_ACCOUNT = 2
TLV_START = ACCOUNT_LEN + 1
EXTENSION_UNINITIALIZED = 0
# spl-token-2022 ExtensionType::ScaledUiAmount; value is ScaledUiAmountConfig:
# authority (32), multiplier f64, new_multiplier_effective_timestamp i64, new_multiplier f64.
EXTENSION_SCALED_UI_AMOUNT = 25
SCALED_UI_AMOUNT_LEN = 56
# spl-token-2022 ExtensionType::Pausable; value is PausableConfig: authority (32, zeros for
# none), paused (a one-byte bool).
EXTENSION_PAUSABLE = 26
PAUSABLE_LEN = 33


@dataclass(frozen=True)
class _Mint:
    program: Pubkey
    supply: int
    decimals: int
    scaled_ui: tuple[Decimal, int, Decimal] | None  # multiplier, effective ts, new multiplier
    paused: bool | None = None  # the Pausable extension's state; None: no such extension


T = TypeVar("T")


def _run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end from synchronous code; called from inside an event loop
    (an async view or test), on a private loop in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@scrubbed_errors
def read_supplies(
    *,
    rpc_url: str,
    chain_name: str,
    targets: Sequence[SupplyTarget],
    commitment: str = "finalized",
    timeout: float = DEFAULT_TIMEOUT,
) -> SupplySnapshot:
    """Read supply, decimals, escrow balances and scaled-UI multiplier of every target mint.

    All accounts are fetched with getMultipleAccounts at `commitment`, at most
    MAX_ACCOUNTS_PER_CALL per call. Raises ChainReadError naming the chain, the node and the
    cause; `transient` only for connection failures, timeouts and HTTP 5xx.
    """
    node = node_label(rpc_url)
    parts = urlsplit(rpc_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChainReadError(f"{chain_name} ({node}): the RPC URL must be http(s)://host[:port]")
    if commitment not in COMMITMENTS:
        raise ValueError(f"commitment must be one of {', '.join(COMMITMENTS)}, not {commitment!r}")
    mints = [_pubkey(t.address, chain_name, node, "mint") for t in targets]
    escrows = [
        [_pubkey(e, chain_name, node, f"escrow of mint {t.address}") for e in t.escrow_addresses]
        for t in targets
    ]
    # httpx's timeout bounds each wait for bytes; the whole read (at most SLOT_ATTEMPTS
    # rounds and the block time) is bounded too, so a node that drips cannot hold a worker.
    whole = timeout * (SLOT_ATTEMPTS + 1)
    coroutine = _bounded(
        _read(
            rpc_url=rpc_url,
            chain_name=chain_name,
            node=node,
            targets=targets,
            mints=mints,
            escrows=escrows,
            commitment=commitment,
            timeout=timeout,
        ),
        seconds=whole,
        where=f"{chain_name} ({node})",
    )
    return _run_sync(coroutine)


async def _bounded(coroutine: Any, *, seconds: float, where: str) -> SupplySnapshot:
    try:
        return await asyncio.wait_for(coroutine, timeout=seconds)
    except TimeoutError:
        raise ChainReadError(
            f"{where}: the read did not complete within {seconds:g} s", transient=True
        ) from None


def node_label(rpc_url: str) -> str:
    """The node as named in errors and logs: scheme, host and port only (providers put
    API keys in the path, the query or the user-info)."""
    return redact_url(rpc_url)


def _pubkey(address: str, chain_name: str, node: str, what: str) -> Pubkey:
    try:
        return Pubkey.from_string(address)
    except ValueError as exc:
        raise ChainReadError(
            f"{chain_name} ({node}): {what} {address!r} is not a base58 Solana address"
        ) from exc


async def _read(
    *,
    rpc_url: str,
    chain_name: str,
    node: str,
    targets: Sequence[SupplyTarget],
    mints: list[Pubkey],
    escrows: list[list[Pubkey]],
    commitment: str,
    timeout: float,
) -> SupplySnapshot:
    # Each key once, in first-seen order: a mint may also be listed twice or share escrows.
    keys = list(dict.fromkeys([*mints, *(e for group in escrows for e in group)]))
    batches = [
        keys[i : i + MAX_ACCOUNTS_PER_CALL] for i in range(0, len(keys), MAX_ACCOUNTS_PER_CALL)
    ]
    round_trips = 0
    client = AsyncClient(
        rpc_url,
        commitment=commitment,
        timeout=timeout,
        http2=False,
        # Retries belong to the sync job's backoff policy, not to the transport.
        max_transport_retries=0,
    )
    try:
        for _attempt in range(SLOT_ATTEMPTS):
            calls = [
                client.get_multiple_accounts(batch, commitment=commitment) for batch in batches
            ]
            calls.append(client.get_latest_blockhash(commitment=commitment))
            expected = [GetMultipleAccountsResp] * len(batches) + [GetLatestBlockhashResp]
            replies = await _gather(
                calls, expected, chain_name=chain_name, node=node, timeout=timeout
            )
            round_trips += len(calls)
            *account_replies, blockhash_reply = replies
            slots = {reply.context.slot for reply in account_replies}
            if len(slots) <= 1:
                break
        slot = max(slots) if slots else blockhash_reply.context.slot
        block_hash = (
            str(blockhash_reply.value.blockhash) if blockhash_reply.context.slot == slot else ""
        )
        block_time = await _block_time(
            client, slot, chain_name=chain_name, node=node, timeout=timeout
        )
        round_trips += 1
    finally:
        await client.close()

    accounts: dict[Pubkey, Any] = {}
    for batch, reply in zip(batches, account_replies, strict=True):
        if len(reply.value) != len(batch):
            raise ChainReadError(
                f"{chain_name} ({node}): getMultipleAccounts answered {len(reply.value)} accounts "
                f"for {len(batch)} keys at slot {slot}"
            )
        accounts.update(zip(batch, reply.value, strict=True))

    readings = []
    for target, mint_key, escrow_keys in zip(targets, mints, escrows, strict=True):
        mint = _parse_mint(
            accounts[mint_key], target.address, chain_name=chain_name, node=node, slot=slot
        )
        escrow_balance = sum(
            _token_amount(
                accounts[key],
                str(key),
                mint_key,
                mint.program,
                chain_name=chain_name,
                node=node,
                slot=slot,
            )
            for key in escrow_keys
        )
        in_force = _effective_multiplier(mint.scaled_ui, block_time)
        new_multiplier, new_at = _scheduled(mint.scaled_ui, target.address, chain_name, node)
        readings.append(
            SupplyReading(
                address=target.address,
                raw_supply=mint.supply,
                decimals=mint.decimals,
                escrow_balance=escrow_balance,
                ui_multiplier=in_force,
                # The raw supply is not scaled: UI amount = raw x multiplier.
                multiplier=in_force,
                supply_is_underlying=False,
                paused=mint.paused,
                new_multiplier=new_multiplier,
                new_multiplier_at=new_at,
            )
        )
    return SupplySnapshot(
        chain_id=None,
        block=BlockRef(number=slot, hash=block_hash, time=block_time),
        readings=tuple(readings),
        round_trips=round_trips,
        commitment=commitment,
    )


async def _gather(
    calls: list, expected: list[type], *, chain_name: str, node: str, timeout: float
) -> list:
    # return_exceptions also collects solders' PanicException (a BaseException) on bad replies.
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise _fault(result, chain_name=chain_name, node=node, timeout=timeout) from result
    for result, kind in zip(results, expected, strict=True):
        if not isinstance(result, kind):
            # solders parses a JSON-RPC error with a code it does not know into a bare value.
            raise ChainReadError(
                f"{chain_name} ({node}): unexpected reply (JSON-RPC error {result!r}?)"
            )
    return results


async def _block_time(
    client: AsyncClient, slot: int, *, chain_name: str, node: str, timeout: float
) -> dt.datetime | None:
    try:
        (reply,) = await _gather(
            [client.get_block_time(slot)],
            [GetBlockTimeResp],
            chain_name=chain_name,
            node=node,
            timeout=timeout,
        )
    except ChainReadError as exc:
        if isinstance(exc.__cause__, RPCException):
            # Nodes answer "block not available" for skipped or pruned slots: the time is optional.
            return None
        raise
    if reply.value is None:
        return None
    return dt.datetime.fromtimestamp(reply.value, tz=dt.UTC)


def _fault(exc: BaseException, *, chain_name: str, node: str, timeout: float) -> ChainReadError:
    """Translate what solana-py raised into a ChainReadError saying what went wrong."""
    where = f"{chain_name} ({node})"
    if isinstance(exc, SolanaRpcException):
        cause = exc.__cause__
        if isinstance(cause, httpx2.TimeoutException):
            return ChainReadError(
                f"{where}: no answer within {timeout:g} s ({type(cause).__name__})", transient=True
            )
        if isinstance(cause, httpx2.ConnectError):
            return ChainReadError(f"{where}: cannot connect: {cause}", transient=True)
        if isinstance(cause, httpx2.HTTPStatusError):
            status = cause.response.status_code
            return ChainReadError(f"{where}: HTTP {status} from the node", transient=status >= 500)
        if isinstance(cause, httpx2.TransportError):
            return ChainReadError(
                f"{where}: connection failed: {type(cause).__name__}: {cause}", transient=True
            )
        return ChainReadError(f"{where}: request failed: {cause or exc}")
    if isinstance(exc, RPCException):
        error = exc.args[0] if exc.args else exc
        code = getattr(error, "code", None)
        message = getattr(error, "message", None) or str(error)
        label = (
            f"JSON-RPC error {code}"
            if code is not None
            else f"JSON-RPC error ({type(error).__name__})"
        )
        return ChainReadError(f"{where}: {label}: {message}")
    return ChainReadError(f"{where}: garbled reply: {type(exc).__name__}: {exc}")


def _parse_mint(account: Any, address: str, *, chain_name: str, node: str, slot: int) -> _Mint:
    where = f"{chain_name} ({node})"
    if account is None:
        raise ChainReadError(f"{where}: mint {address} does not exist at slot {slot}")
    if account.owner not in TOKEN_PROGRAMS:
        raise ChainReadError(
            f"{where}: {address} is not a token mint (owned by program {account.owner})"
        )
    data = bytes(account.data)
    extended = (
        account.owner == TOKEN_2022_PROGRAM_ID
        and len(data) > ACCOUNT_LEN
        and len(data) != MULTISIG_LEN
    )
    if not (len(data) == MINT_LEN or (extended and data[ACCOUNT_TYPE_OFFSET] == ACCOUNT_TYPE_MINT)):
        raise ChainReadError(
            f"{where}: {address} is not a token mint "
            f"({TOKEN_PROGRAMS[account.owner]} account of {len(data)} bytes)"
        )
    if data[MINT_INITIALIZED_OFFSET] != 1:
        raise ChainReadError(f"{where}: mint {address} is not initialized")
    (supply,) = struct.unpack_from("<Q", data, MINT_SUPPLY_OFFSET)
    scaled_ui, paused = _mint_extensions(data, address, where) if extended else (None, None)
    return _Mint(
        program=account.owner,
        supply=supply,
        decimals=data[MINT_DECIMALS_OFFSET],
        scaled_ui=scaled_ui,
        paused=paused,
    )


def _mint_extensions(
    data: bytes, address: str, where: str
) -> tuple[tuple[Decimal, int, Decimal] | None, bool | None]:
    """Walk the Token-2022 TLV extensions of a mint: its ScaledUiAmountConfig and the
    Pausable extension's state, each None when the mint has no such extension."""
    scaled_ui: tuple[Decimal, int, Decimal] | None = None
    paused: bool | None = None
    offset = TLV_START
    while offset + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, offset)
        if kind == EXTENSION_UNINITIALIZED:
            break
        value = data[offset + 4 : offset + 4 + length]
        if len(value) != length:
            raise ChainReadError(
                f"{where}: mint {address} has a truncated extension {kind} at byte {offset}"
            )
        if kind == EXTENSION_SCALED_UI_AMOUNT:
            if length != SCALED_UI_AMOUNT_LEN:
                raise ChainReadError(
                    f"{where}: mint {address} scaled-UI-amount extension is {length} bytes, not 56"
                )
            multiplier, effective_at, new_multiplier = struct.unpack_from("<dqd", value, 32)
            scaled_ui = (
                _multiplier(multiplier, address, where),
                effective_at,
                _multiplier(new_multiplier, address, where),
            )
        elif kind == EXTENSION_PAUSABLE:
            if length != PAUSABLE_LEN or value[32] not in (0, 1):
                raise ChainReadError(
                    f"{where}: mint {address} has a garbled Pausable extension "
                    f"({length} bytes, paused byte {value[32] if length > 32 else None})"
                )
            paused = value[32] == 1
        offset += 4 + length
    return scaled_ui, paused


# SupplyObservation.ui_multiplier holds 22 digits before the point and 18 after.
MULTIPLIER_RANGE = (1e-18, 1e21)


def _multiplier(value: float, address: str, where: str) -> Decimal:
    low, high = MULTIPLIER_RANGE
    if not math.isfinite(value) or not low <= value < high:
        raise ChainReadError(
            f"{where}: mint {address} has an invalid scaled-UI multiplier {value!r}"
        )
    # The shortest decimal that round-trips the stored f64 (1.5 -> 1.5, 0.1 -> 0.1), and
    # whole numbers without a fraction or exponent (1.0 -> 1, 1e+20 -> 100000000000000000000).
    exact = Decimal(repr(value))
    return exact.quantize(Decimal(1)) if exact == exact.to_integral_value() else exact


def _scheduled(
    scaled_ui: tuple[Decimal, int, Decimal] | None, address: str, chain_name: str, node: str
) -> tuple[Decimal | None, dt.datetime | None]:
    """The extension's new multiplier and the time it takes effect, as stored (none when the
    mint has no extension or never had a new multiplier set: timestamp 0)."""
    if scaled_ui is None or scaled_ui[1] <= 0:
        return None, None
    try:
        at = dt.datetime.fromtimestamp(scaled_ui[1], tz=dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ChainReadError(
            f"{chain_name} ({node}): mint {address} has an impossible new-multiplier time "
            f"{scaled_ui[1]}"
        ) from exc
    return scaled_ui[2], at


def _effective_multiplier(
    scaled_ui: tuple[Decimal, int, Decimal] | None, block_time: dt.datetime | None
) -> Decimal | None:
    """The multiplier in force at the block, as Token-2022 itself decides it."""
    if scaled_ui is None:
        return None
    multiplier, effective_at, new_multiplier = scaled_ui
    now = block_time or dt.datetime.now(tz=dt.UTC)
    return new_multiplier if now.timestamp() >= effective_at else multiplier


def _token_amount(
    account: Any,
    address: str,
    mint: Pubkey,
    program: Pubkey,
    *,
    chain_name: str,
    node: str,
    slot: int,
) -> int:
    """Balance of one escrow token account, checked to hold `mint` under the mint's program."""
    where = f"{chain_name} ({node})"
    if account is None:
        raise ChainReadError(
            f"{where}: escrow token account {address} of mint {mint} does not exist at slot {slot}"
        )
    data = bytes(account.data)
    is_account = len(data) == ACCOUNT_LEN or (
        account.owner == TOKEN_2022_PROGRAM_ID
        and len(data) > ACCOUNT_LEN
        and len(data) != MULTISIG_LEN
        and data[ACCOUNT_TYPE_OFFSET] == ACCOUNT_TYPE_ACCOUNT
    )
    if account.owner not in TOKEN_PROGRAMS or not is_account or data[ACCOUNT_STATE_OFFSET] == 0:
        raise ChainReadError(f"{where}: escrow {address} of mint {mint} is not a token account")
    held = Pubkey.from_bytes(data[:32])
    if held != mint or account.owner != program:
        raise ChainReadError(f"{where}: escrow {address} holds mint {held}, not {mint}")
    (amount,) = struct.unpack_from("<Q", data, ACCOUNT_AMOUNT_OFFSET)
    return amount


# --- wallet balances (the investor portfolio) ------------------------------------------
# Imported here rather than above so this section stays an addition to the module.
from solana.rpc.models import TokenAccountOpts  # noqa: E402
from solders.rpc.responses import GetTokenAccountsByOwnerJsonParsedResp  # noqa: E402

from apps.chains.readings import BalanceReading, BalanceSnapshot, WalletBalances  # noqa: E402

# getTokenAccountsByOwner requests in flight at once (one per wallet): a public node
# rate-limits a burst, and a handful keeps a read of hundreds of wallets to seconds.
MAX_CONCURRENT_OWNERS = 8
JSON_PARSED_PROGRAM = "spl-token-2022"  # how jsonParsed names the Token-2022 program
U64_MAX = 2**64 - 1
TOKEN_ACCOUNT_STATES = ("initialized", "frozen")  # a frozen account still holds its tokens


@scrubbed_errors
def read_token_balances(
    *,
    rpc_url: str,
    chain_name: str,
    owners: Sequence[str],
    mints: Sequence[str],
    commitment: str = "finalized",
    timeout: float = DEFAULT_TIMEOUT,
) -> BalanceSnapshot:
    """The Token-2022 balances of every owner for the given mints.

    One getTokenAccountsByOwner per owner (programId Token-2022, encoding jsonParsed), at
    most MAX_CONCURRENT_OWNERS at a time. Each owner's balances come from one reply, so
    they share its context slot (`block.number`; Solana nodes answer no block hash or time
    with it). The raw `amount` of every token account of a mint is summed as an integer;
    `uiAmount` is never used (it is a float, and scaled or not depending on the node's
    version). Accounts of other mints are ignored. Raises ChainReadError naming the chain,
    the node and the cause.
    """
    node = node_label(rpc_url)
    where = f"{chain_name} ({node})"
    parts = urlsplit(rpc_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChainReadError(f"{where}: the RPC URL must be http(s)://host[:port]")
    if commitment not in COMMITMENTS:
        raise ValueError(f"commitment must be one of {', '.join(COMMITMENTS)}, not {commitment!r}")
    keys = list(dict.fromkeys(_pubkey(o, chain_name, node, "wallet") for o in owners))
    wanted = {str(_pubkey(m, chain_name, node, "mint")) for m in mints}
    if not keys or not wanted:
        return BalanceSnapshot(chain_id=None, wallets=(), round_trips=0, commitment=commitment)
    rounds = math.ceil(len(keys) / MAX_CONCURRENT_OWNERS)
    coroutine = _bounded(
        _read_balances(
            rpc_url=rpc_url,
            chain_name=chain_name,
            node=node,
            owners=keys,
            wanted=wanted,
            commitment=commitment,
            timeout=timeout,
        ),
        seconds=timeout * (rounds + 1),
        where=where,
    )
    return _run_sync(coroutine)


async def _read_balances(
    *,
    rpc_url: str,
    chain_name: str,
    node: str,
    owners: list[Pubkey],
    wanted: set[str],
    commitment: str,
    timeout: float,
) -> BalanceSnapshot:
    where = f"{chain_name} ({node})"
    client = AsyncClient(
        rpc_url, commitment=commitment, timeout=timeout, http2=False, max_transport_retries=0
    )
    gate = asyncio.Semaphore(MAX_CONCURRENT_OWNERS)
    opts = TokenAccountOpts(program_id=TOKEN_2022_PROGRAM_ID, encoding="jsonParsed")

    async def one(owner: Pubkey) -> Any:
        async with gate:
            return await client.get_token_accounts_by_owner_json_parsed(
                owner, opts, commitment=commitment
            )

    try:
        replies = await _gather(
            [one(owner) for owner in owners],
            [GetTokenAccountsByOwnerJsonParsedResp] * len(owners),
            chain_name=chain_name,
            node=node,
            timeout=timeout,
        )
    finally:
        await client.close()
    wallets = tuple(
        _wallet_balances(owner, reply, wanted=wanted, where=where)
        for owner, reply in zip(owners, replies, strict=True)
    )
    return BalanceSnapshot(
        chain_id=None, wallets=wallets, round_trips=len(owners), commitment=commitment
    )


def _wallet_balances(
    owner: Pubkey, reply: GetTokenAccountsByOwnerJsonParsedResp, *, wanted: set[str], where: str
) -> WalletBalances:
    """Sum one owner's token accounts per wanted mint, checking every field used."""
    slot = reply.context.slot
    totals: dict[str, list[int]] = {}  # mint -> [raw sum, decimals, accounts]
    for keyed in reply.value:
        account = keyed.account
        data = account.data
        what = f"token account {keyed.pubkey} of {owner} at slot {slot}"
        parsed = getattr(data, "parsed", None)
        if (
            account.owner != TOKEN_2022_PROGRAM_ID
            or getattr(data, "program", None) != JSON_PARSED_PROGRAM
            or not isinstance(parsed, dict)
            or parsed.get("type") != "account"
            or not isinstance(parsed.get("info"), dict)
        ):
            raise ChainReadError(
                f"{where}: garbled reply: {what} is not a parsed Token-2022 account"
            )
        info = parsed["info"]
        if info.get("owner") != str(owner):
            raise ChainReadError(
                f"{where}: garbled reply: {what} belongs to {str(info.get('owner'))[:44]!r}"
            )
        mint = info.get("mint")
        if mint not in wanted:
            continue
        if info.get("state") not in TOKEN_ACCOUNT_STATES:
            raise ChainReadError(
                f"{where}: garbled reply: {what} is in state {str(info.get('state'))[:20]!r}"
            )
        raw, decimals = _token_amount_fields(info.get("tokenAmount"), what=what, where=where)
        total = totals.setdefault(mint, [0, decimals, 0])
        if total[1] != decimals:
            raise ChainReadError(
                f"{where}: garbled reply: {what} says {decimals} decimals for mint {mint}, "
                f"another account says {total[1]}"
            )
        total[0] += raw
        total[2] += 1
    return WalletBalances(
        owner=str(owner),
        block=BlockRef(number=slot, hash="", time=None),
        balances=tuple(
            BalanceReading(token=mint, raw_balance=raw, decimals=decimals, accounts=accounts)
            for mint, (raw, decimals, accounts) in sorted(totals.items())
        ),
    )


def _token_amount_fields(value: Any, *, what: str, where: str) -> tuple[int, int]:
    """(raw amount, decimals) of a jsonParsed tokenAmount: the amount is a u64 in a string."""
    amount = value.get("amount") if isinstance(value, dict) else None
    decimals = value.get("decimals") if isinstance(value, dict) else None
    if (
        not isinstance(amount, str)
        or not amount.isascii()
        or not amount.isdigit()
        or len(amount) > len(str(U64_MAX))
        or int(amount) > U64_MAX
    ):
        raise ChainReadError(f"{where}: garbled reply: {what} has no u64 amount")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 255:
        raise ChainReadError(f"{where}: garbled reply: {what} has no u8 decimals")
    return int(amount), decimals


# --- Token transfers (exposure scan) ---------------------------------------------------

# getSignaturesForAddress answers at most this many signatures per call on Solana nodes.
MAX_SIGNATURES_PER_CALL = 1000
# Pages of signatures read per mint and scan (10,000 transactions); the next scan goes on.
MAX_SIGNATURE_PAGES = 10
# A mint never scanned before is read back this many pages only (its newest transactions),
# not through its whole history.
FIRST_SCAN_PAGES = 1
# getTransaction requests per JSON-RPC batch (one HTTP request), and batches in flight.
TRANSACTIONS_PER_BATCH = 100
BATCHES_AT_ONCE = 4
# A batch of 100 transactions answers in well under 1 MB; anything past this is refused.
MAX_BATCH_REPLY_BYTES = 64 * 1024 * 1024
# The highest transaction version this reader decodes; a node answers -32015 for newer ones.
MAX_TRANSACTION_VERSION = 0


@scrubbed_errors
def read_transfers(
    *,
    rpc_url: str,
    chain_name: str,
    mints: Sequence[str],
    until: Mapping[str, str],
    max_pages: int = MAX_SIGNATURE_PAGES,
    timeout: float = DEFAULT_TIMEOUT,
) -> TransferScan:
    """Transfers of `mints` since the newest signature already read for each (`until`).

    Signatures come from getSignaturesForAddress on each mint, at "finalized" commitment
    (nothing read can be rolled back), newest first, paged with `before` down to the
    mint's `until` or `max_pages` pages (then `complete` is False: older ones were not
    read; a mint never read before goes back FIRST_SCAN_PAGES pages only, its newest
    transactions); each transaction from getTransaction ("json",
    maxSupportedTransactionVersion 0), TRANSACTIONS_PER_BATCH to a JSON-RPC batch.
    A transfer is a sender and a receiver of one mint in one transaction, from its token
    balances before and after (accountIndex, mint, owner): this sees transfers made by
    other programs too (inner instructions) and never needs the instruction decoded.
    Mints and burns have one side only and are not transfers. A transaction the node
    cannot give (pruned, or a version above MAX_TRANSACTION_VERSION) is counted in
    `unreadable`, never skipped silently.
    """
    node = node_label(rpc_url)
    parts = urlsplit(rpc_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChainReadError(f"{chain_name} ({node}): the RPC URL must be http(s)://host[:port]")
    keys = [_pubkey(m, chain_name, node, "mint") for m in mints]
    starts: dict[str, Signature | None] = {}
    for mint in mints:
        try:
            starts[mint] = Signature.from_string(until[mint]) if until.get(mint) else None
        except ValueError:
            starts[mint] = None  # a cursor that is not a signature: read from the newest
    coroutine = _bounded(
        _read_transfers(
            rpc_url=rpc_url,
            chain_name=chain_name,
            node=node,
            mints=list(zip(mints, keys, strict=True)),
            starts=starts,
            max_pages=max_pages,
            timeout=timeout,
        ),
        seconds=timeout * (2 + max_pages * max(1, len(mints))),
        where=f"{chain_name} ({node})",
    )
    return _run_sync(coroutine)


async def _read_transfers(
    *,
    rpc_url: str,
    chain_name: str,
    node: str,
    mints: list[tuple[str, Pubkey]],
    starts: dict[str, Signature | None],
    max_pages: int,
    timeout: float,
) -> TransferScan:
    client = AsyncClient(
        rpc_url, commitment="finalized", timeout=timeout, http2=False, max_transport_retries=0
    )
    round_trips = 0
    complete = True
    newest: dict[str, str] = {}
    signatures: dict[Signature, None] = {}
    try:
        (slot_reply,) = await _gather(
            [client.get_slot(commitment="finalized")],
            [GetSlotResp],
            chain_name=chain_name,
            node=node,
            timeout=timeout,
        )
        round_trips += 1
        for mint, key in mints:
            before: Signature | None = None
            pages = max_pages if starts[mint] is not None else min(max_pages, FIRST_SCAN_PAGES)
            for page in range(pages):
                (reply,) = await _gather(
                    [
                        client.get_signatures_for_address(
                            key,
                            before=before,
                            until=starts[mint],
                            limit=MAX_SIGNATURES_PER_CALL,
                            commitment="finalized",
                        )
                    ],
                    [GetSignaturesForAddressResp],
                    chain_name=chain_name,
                    node=node,
                    timeout=timeout,
                )
                round_trips += 1
                items = list(reply.value)
                if page == 0 and items:
                    newest[mint] = str(items[0].signature)
                for item in items:
                    if item.err is None:
                        signatures[item.signature] = None
                if len(items) < MAX_SIGNATURES_PER_CALL:
                    break
                before = items[-1].signature
            else:
                if starts[mint] is not None:
                    complete = False  # more than max_pages pages since the last scan
        transactions, unreadable, batches = await _transactions(
            rpc_url, list(signatures), chain_name=chain_name, node=node, timeout=timeout
        )
        round_trips += batches
    finally:
        await client.close()
    wanted = {mint for mint, _key in mints}
    transfers = [t for tx in transactions for t in _pairs(tx, wanted)]
    transfers.sort(key=lambda t: (t.block_number, t.tx_hash, t.log_index))
    return TransferScan(
        chain_id=None,
        head=slot_reply.value,
        from_block=None,
        to_block=None,
        rewound_from=None,
        transfers=tuple(transfers),
        block_range=0,
        windows=0,
        complete=complete,
        round_trips=round_trips,
        cursors=tuple(sorted(newest.items())),
        unreadable=unreadable,
    )


async def _transactions(
    rpc_url: str, signatures: list[Signature], *, chain_name: str, node: str, timeout: float
) -> tuple[list[Any], int, int]:
    """getTransaction of each signature in JSON-RPC batches of TRANSACTIONS_PER_BATCH, at
    most BATCHES_AT_ONCE in flight; (found, unreadable, round trips)."""
    found: list[Any] = []
    unreadable = 0
    batches = [
        signatures[i : i + TRANSACTIONS_PER_BATCH]
        for i in range(0, len(signatures), TRANSACTIONS_PER_BATCH)
    ]
    async with httpx2.AsyncClient(timeout=timeout) as http:
        for start in range(0, len(batches), BATCHES_AT_ONCE):
            group = batches[start : start + BATCHES_AT_ONCE]
            replies = await asyncio.gather(
                *(_transaction_batch(http, rpc_url, batch) for batch in group),
                return_exceptions=True,
            )
            for reply in replies:
                if isinstance(reply, BaseException):
                    raise _batch_fault(reply, chain_name=chain_name, node=node, timeout=timeout)
                for item in reply:
                    if "error" in item:
                        unreadable += 1  # e.g. -32015: a version this reader does not decode
                        continue
                    try:
                        parsed = GetTransactionResp.from_json(json.dumps(item))
                    except (KeyboardInterrupt, SystemExit):
                        raise
                    except BaseException as exc:  # solders raises PanicException (a BaseException)
                        raise ChainReadError(
                            f"{chain_name} ({node}): garbled getTransaction reply: "
                            f"{type(exc).__name__}"
                        ) from None
                    if parsed.value is None:
                        unreadable += 1  # not (or no longer) in the node's ledger
                    else:
                        found.append(parsed.value)
    return found, unreadable, len(batches)


async def _transaction_batch(http: Any, rpc_url: str, batch: list[Signature]) -> list[dict]:
    config = {
        "encoding": "json",
        "commitment": "finalized",
        "maxSupportedTransactionVersion": MAX_TRANSACTION_VERSION,
    }
    body = [
        {"jsonrpc": "2.0", "id": i, "method": "getTransaction", "params": [str(sig), config]}
        for i, sig in enumerate(batch)
    ]
    raw = bytearray()
    async with http.stream("POST", rpc_url, json=body) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            raw += chunk
            if len(raw) > MAX_BATCH_REPLY_BYTES:
                raise ValueError(f"reply larger than {MAX_BATCH_REPLY_BYTES} bytes")
    replies = safejson.loads(bytes(raw))
    if not isinstance(replies, list) or len(replies) != len(batch):
        raise ValueError(f"{len(batch)} requests in a batch, the reply is not {len(batch)} answers")
    if not all(isinstance(r, dict) and isinstance(r.get("id"), int) for r in replies):
        raise ValueError("a batch answer without its id")
    return sorted(replies, key=lambda r: r["id"])


def _batch_fault(
    exc: BaseException, *, chain_name: str, node: str, timeout: float
) -> ChainReadError:
    where = f"{chain_name} ({node})"
    if isinstance(exc, httpx2.TimeoutException):
        return ChainReadError(f"{where}: no answer within {timeout:g} s", transient=True)
    if isinstance(exc, httpx2.ConnectError):
        return ChainReadError(f"{where}: cannot connect", transient=True)
    if isinstance(exc, httpx2.HTTPStatusError):
        status = exc.response.status_code
        return ChainReadError(f"{where}: HTTP {status} from the node", transient=status >= 500)
    if isinstance(exc, httpx2.TransportError):
        return ChainReadError(f"{where}: connection failed: {type(exc).__name__}", transient=True)
    return ChainReadError(f"{where}: garbled getTransaction reply: {str(exc)[:200]}")


def _pairs(confirmed: Any, wanted: set[str]) -> list[TokenTransfer]:
    """Senders x receivers of each wanted mint in one transaction, from its token balances."""
    meta = confirmed.transaction.meta
    if meta is None or meta.err is not None:
        return []
    signature = str(confirmed.transaction.transaction.signatures[0])
    deltas: dict[tuple[str, str], int] = {}
    for sign, balances in ((-1, meta.pre_token_balances), (1, meta.post_token_balances)):
        for balance in balances or []:
            mint, owner = str(balance.mint), balance.owner
            if mint not in wanted or owner is None:
                continue
            key = (mint, str(owner))
            deltas[key] = deltas.get(key, 0) + sign * int(balance.ui_token_amount.amount)
    block_time = (
        dt.datetime.fromtimestamp(confirmed.block_time, tz=dt.UTC)
        if confirmed.block_time is not None
        else None
    )
    transfers: list[TokenTransfer] = []
    for mint in sorted({m for m, _o in deltas}):
        senders = sorted((o, -d) for (m, o), d in deltas.items() if m == mint and d < 0)
        receivers = sorted((o, d) for (m, o), d in deltas.items() if m == mint and d > 0)
        for sender, sent in senders:
            for receiver, received in receivers:
                transfers.append(
                    TokenTransfer(
                        token=mint,
                        from_address=sender,
                        to_address=receiver,
                        raw_amount=min(sent, received),
                        block_number=confirmed.slot,
                        block_hash="",
                        block_time=block_time,
                        tx_hash=signature,
                        log_index=len(transfers),
                    )
                )
    return transfers
