"""EVM chain client (web3.py): ERC-20 supplies and AggregatorV3 oracle rounds.

The only module of the site that imports web3. Every read of one chain is pinned to
one block (latest minus the chain's confirmations, or a block asked for), and all
calls at that block travel in JSON-RPC batches (`w3.batch_requests()`), so reading N
deployments costs a constant number of HTTP round trips:

1. `eth_chainId` + `eth_blockNumber` (the chain is refused when its id is not the
   registry's);
2. `eth_getBlockByNumber` + every `eth_call` at the pinned block, in batches of
   `CALLS_PER_BATCH`.

A failure on the way only costs extra round trips to say precisely what went wrong.
Every fault becomes a ChainReadError naming the chain, the node and the cause.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any, TypeVar

import requests
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from web3 import HTTPProvider, Web3
from web3._utils.http_session_manager import HTTPSessionManager
from web3.exceptions import ContractLogicError, TimeExhausted, Web3Exception, Web3RPCError
from web3.method import Method, default_root_munger
from web3.types import RPCEndpoint

from apps.core import safejson
from apps.core.redaction import redact_url

from .readings import (
    BlockRef,
    ChainReadError,
    OracleReading,
    OracleSnapshot,
    SupplyReading,
    SupplySnapshot,
    SupplyTarget,
    TokenTransfer,
    TransferScan,
    scrubbed_errors,
)

DEFAULT_TIMEOUT = 10.0  # seconds per HTTP round trip, the whole reply included
# A batch of 1,000 eth_calls answers in about 300 kB; anything past this is refused.
MAX_REPLY_BYTES = 64 * 1024 * 1024
REPLY_CHUNK_BYTES = 64 * 1024
# What an oracle answer may be to be stored (OracleRound.answer: 78 digits, 18 decimals).
MAX_FEED_DECIMALS = 36
MAX_ANSWER_DIGITS = 60
# eth_calls per JSON-RPC batch: about 100 kB of request; public nodes accept 1,000.
CALLS_PER_BATCH = 1000

TOTAL_SUPPLY = function_signature_to_4byte_selector("totalSupply()")
DECIMALS = function_signature_to_4byte_selector("decimals()")
BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
LATEST_ROUND_DATA = function_signature_to_4byte_selector("latestRoundData()")
# The issuer's token contract (backed-fi/backed-token-contract,
# BackedAutoFeeTokenImplementation): multiplier() in 1e18 precision, isPaused(), and a
# scheduled multiplier (newMultiplier() from newMultiplierActivationTime()). A contract
# without them (revert or empty reply) is a plain ERC-20 with multiplier 1.
MULTIPLIER = function_signature_to_4byte_selector("multiplier()")
IS_PAUSED = function_signature_to_4byte_selector("isPaused()")
NEW_MULTIPLIER = function_signature_to_4byte_selector("newMultiplier()")
NEW_MULTIPLIER_TIME = function_signature_to_4byte_selector("newMultiplierActivationTime()")
MULTIPLIER_SCALE = 18  # the contract's multipliers have 18 decimals
# What SupplyObservation.multiplier holds: 22 digits before the point.
MAX_MULTIPLIER = 10**22
# Optional calls per deployment, after totalSupply() and decimals().
OPTIONAL_CALLS = 4

T = TypeVar("T")
_EXACT = Context(prec=80)  # enough digits for any uint256 multiplier


class _ReplyTooLarge(requests.exceptions.RequestException):
    pass


class _BoundedSessions(HTTPSessionManager):
    """POSTs whose whole answer must arrive within the timeout and fit in MAX_REPLY_BYTES.

    requests' timeout bounds each wait for bytes, not the whole reply: a node that drips
    one byte at a time, or answers without end, would otherwise hold the worker and its
    memory for as long as it likes.
    """

    def make_post_request(self, endpoint_uri: Any, data: Any, **kwargs: Any) -> bytes:
        timeout = float(kwargs.pop("timeout", DEFAULT_TIMEOUT))
        kwargs.pop("stream", None)
        deadline = time.monotonic() + timeout
        with self.get_response_from_post_request(
            endpoint_uri, data=data, timeout=timeout, stream=True, **kwargs
        ) as response:
            response.raise_for_status()
            body = bytearray()
            # read1: whatever has arrived (one socket read), so the deadline is checked
            # between small waits instead of after a whole chunk.
            while chunk := response.raw.read1(REPLY_CHUNK_BYTES, decode_content=True):
                body += chunk
                if len(body) > MAX_REPLY_BYTES:
                    raise _ReplyTooLarge(f"reply larger than {MAX_REPLY_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise requests.exceptions.ReadTimeout(f"reply not complete in {timeout:g} s")
        return bytes(body)


class _CountingProvider(HTTPProvider):
    """An HTTPProvider that counts its HTTP round trips (one per POST, batch or single)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_session_manager = _BoundedSessions()
        self.round_trips = 0

    def make_request(self, method: Any, params: Any) -> Any:
        self.round_trips += 1
        return super().make_request(method, params)

    def make_batch_request(self, requests_: Any) -> Any:
        self.round_trips += 1
        return super().make_batch_request(requests_)

    @staticmethod
    def decode_rpc_response(raw_response: bytes) -> Any:
        # Refuse deep nesting before json parses it: see apps.core.safejson.
        return safejson.loads(raw_response)


@dataclass(frozen=True)
class _Call:
    """One eth_call: what it is for (said in errors), where, and its calldata."""

    label: str
    to: str
    data: bytes

    @property
    def wire(self) -> dict[str, str]:
        return {"to": self.to, "data": "0x" + self.data.hex()}


class _Node:
    """One chain's node, with the context every error message needs."""

    def __init__(self, *, rpc_url: str, chain_name: str, timeout: float) -> None:
        self.rpc_url = rpc_url
        self.label = redact_url(rpc_url)  # what messages show: scheme://host[:port]
        self.chain_name = chain_name
        # No retries inside web3: the caller's task retries with backoff, and a
        # failed read must fail fast with its real cause.
        self.provider = _CountingProvider(
            rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
        )
        # No middleware: its validation asks eth_chainId before every eth_call (2 extra round
        # trips per single call) and its formatting costs more than the reads themselves.
        self.w3 = Web3(self.provider, middleware=[])
        # eth_call with params already in wire form (hex strings): skips web3's generic
        # transaction-dict formatting, the main CPU cost of a batch of a thousand calls.
        # Results still go through web3's eth_call result formatters and error checks.
        self._wire_call = Method(
            RPCEndpoint("eth_call"),
            mungers=[default_root_munger],
            request_formatters=lambda _method: _identity,
        )

    def error(self, cause: str, *, transient: bool = False) -> ChainReadError:
        return ChainReadError(f"{self.chain_name} ({self.label}): {cause}", transient=transient)

    @contextmanager
    def faults(self, doing: str) -> Iterator[None]:
        """Turn whatever the transport or the node raises into a ChainReadError."""
        try:
            yield
        except ChainReadError:
            raise
        except _ReplyTooLarge as exc:
            raise self.error(f"garbled reply ({exc}) while {doing}") from exc
        except requests.exceptions.Timeout as exc:
            raise self.error(f"timed out while {doing}", transient=True) from exc
        except TimeExhausted as exc:
            raise self.error(f"timed out while {doing}", transient=True) from exc
        except requests.exceptions.ConnectionError as exc:
            raise self.error(
                f"connection failed while {doing}: {_root_cause(exc)}", transient=True
            ) from exc
        except requests.exceptions.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            raise self.error(f"HTTP {status} while {doing}", transient=status >= 500) from exc
        except ContractLogicError as exc:
            raise self.error(f"call reverted while {doing} ({_revert_reason(exc)})") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self.error(f"garbled reply (not JSON) while {doing}") from exc
        except Web3RPCError as exc:
            raise self.error(f"node error while {doing}: {exc}") from exc
        except (RecursionError, safejson.JSONTooDeep) as exc:
            raise self.error(f"garbled reply (nested too deep) while {doing}") from exc
        except (Web3Exception, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise self.error(f"garbled reply while {doing}: {type(exc).__name__}: {exc}") from exc
        except requests.exceptions.RequestException as exc:
            raise self.error(f"request failed while {doing}: {exc}") from exc

    def batch(self, doing: str, add: Callable[[Any], None]) -> list[Any]:
        with self.faults(doing), self.w3.batch_requests() as batch:
            add(batch)
            responses = batch.execute()
        if not isinstance(responses, list):
            raise self.error(f"garbled reply while {doing}: not a batch response")
        return responses

    def pin_block(
        self, *, expected_chain_id: int, confirmations: int, block: int | None
    ) -> tuple[int, int]:
        """Check the chain id and choose the block: one round trip. Returns (chain id, block)."""

        def add(batch: Any) -> None:
            batch.add(self.w3.eth.chain_id)
            batch.add(self.w3.eth.get_block_number())

        responses = self.batch("asking the chain id and the latest block", add)
        try:
            chain_id, latest = int(responses[0]), int(responses[1])
        except (IndexError, TypeError, ValueError) as exc:
            raise self.error("garbled reply to eth_chainId/eth_blockNumber") from exc
        if chain_id != expected_chain_id:
            raise self.error(
                f"node is on chain id {chain_id}, the registry expects {expected_chain_id}; "
                "refusing to read it"
            )
        if block is None:
            pinned = latest - confirmations
            if pinned < 0:
                raise self.error(
                    f"only {latest + 1} blocks, fewer than the {confirmations} confirmations "
                    "required",
                    transient=True,
                )
            return chain_id, pinned
        if not 0 <= block <= latest:
            raise self.error(f"block {block} is not in the chain (latest is {latest})")
        return chain_id, block

    def read_at(self, number: int, calls: Sequence[_Call]) -> tuple[BlockRef, list[bytes]]:
        """The block header and every call's return data at one block."""
        results: list[bytes] = []
        header: Any = None
        for start in range(0, max(len(calls), 1), CALLS_PER_BATCH):
            chunk = calls[start : start + CALLS_PER_BATCH]
            first = start == 0

            def add(batch: Any, chunk: Sequence[_Call] = chunk, first: bool = first) -> None:
                if first:
                    batch.add(self.w3.eth.get_block(number))
                block_hex = hex(number)
                # Bound while batching, so it queues the request instead of sending it.
                wire_call = self._wire_call.__get__(self.w3.eth)
                for call in chunk:
                    batch.add(wire_call(call.wire, block_hex))

            try:
                responses = self.batch(f"reading {len(chunk)} calls at block {number}", add)
            except ChainReadError as exc:
                if exc.transient or not isinstance(exc.__cause__, ContractLogicError):
                    raise
                raise self._which_reverted(number, chunk, exc) from exc.__cause__
            if first:
                header, responses = responses[0], responses[1:]
            if len(responses) != len(chunk):
                raise self.error(f"garbled reply: {len(responses)} answers to {len(chunk)} calls")
            results.extend(bytes(r) for r in responses)
        try:
            ref = BlockRef(
                number=int(header["number"]),
                hash=Web3.to_hex(header["hash"]),
                time=dt.datetime.fromtimestamp(int(header["timestamp"]), tz=dt.UTC),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self.error(f"garbled block header for block {number}") from exc
        if ref.number != number:
            raise self.error(f"asked for block {number}, the node answered block {ref.number}")
        self._check_empty(number, calls, results)
        return ref, results

    def read_raw_at(
        self, number: int, calls: Sequence[_Call]
    ) -> tuple[BlockRef, list[bytes | _Failed]]:
        """The block header and every call's answer at one block, in the same batches as
        read_at, but a call that fails comes back as a _Failed instead of failing the batch:
        the caller decides which calls may fail (a plain ERC-20 has no multiplier())."""
        answers: list[bytes | _Failed] = []
        header: Any = None
        block_hex = hex(number)
        for start in range(0, max(len(calls), 1), CALLS_PER_BATCH):
            chunk = calls[start : start + CALLS_PER_BATCH]
            requests_: list[tuple[Any, Any]] = []
            if start == 0:
                requests_.append((RPCEndpoint("eth_getBlockByNumber"), [block_hex, False]))
            requests_.extend((RPCEndpoint("eth_call"), [c.wire, block_hex]) for c in chunk)
            doing = f"reading {len(chunk)} calls at block {number}"
            with self.faults(doing):
                replies = self.provider.make_batch_request(requests_)
            if not isinstance(replies, list):
                raise self.error(f"node error while {doing}: {_rpc_message(replies)}")
            if len(replies) != len(requests_):
                raise self.error(f"garbled reply: {len(replies)} answers to {len(requests_)} calls")
            if start == 0:
                header, replies = _raw_result(self, replies[0], "eth_getBlockByNumber"), replies[1:]
            for call, reply in zip(chunk, replies, strict=True):
                if isinstance(reply, dict) and "error" in reply:
                    answers.append(_Failed(_rpc_message(reply), _is_revert(reply)))
                else:
                    answers.append(_hex_bytes(self, _raw_result(self, reply, call.label), call))
        try:
            ref = BlockRef(
                number=int(header["number"], 16),
                hash=str(header["hash"]),
                time=dt.datetime.fromtimestamp(int(header["timestamp"], 16), tz=dt.UTC),
            )
        except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
            raise self.error(f"garbled block header for block {number}") from exc
        if ref.number != number or not re.fullmatch(r"0x[0-9a-fA-F]{64}", ref.hash):
            raise self.error(f"garbled block header for block {number}")
        return ref, answers

    def _check_empty(self, number: int, calls: Sequence[_Call], results: list[bytes]) -> None:
        """An empty reply means no contract, or one without the function: say which."""
        empty = [c for c, r in zip(calls, results, strict=True) if not r]
        if not empty:
            return
        addresses = list(dict.fromkeys(c.to for c in empty))

        def add(batch: Any) -> None:
            for address in addresses:
                batch.add(self.w3.eth.get_code(address, number))

        codes = self.batch(f"checking code of {len(addresses)} addresses", add)
        for address, code in zip(addresses, codes, strict=False):
            if not code:
                raise self.error(f"no contract at {address} (block {number})")
        first = empty[0]
        raise self.error(f"{first.to} returned no data for {first.label} at block {number}")

    def _which_reverted(
        self, number: int, calls: Sequence[_Call], exc: ChainReadError
    ) -> ChainReadError:
        """Find the reverting call one by one (failure path only) to name its contract."""
        for call in calls:
            try:
                with self.faults(f"calling {call.label} on {call.to}"):
                    self.w3.eth.call({"to": call.to, "data": call.data}, number)
            except ChainReadError as probe:
                if isinstance(probe.__cause__, ContractLogicError):
                    return self.error(
                        f"{call.label} reverted on {call.to} at block {number}"
                        f" ({_revert_reason(probe.__cause__)})"
                    )
                return probe
        return exc

    def decode(self, types: list[str], data: bytes, call: _Call) -> tuple[Any, ...]:
        try:
            return abi_decode(types, data)
        except (DecodingError, ValueError, OverflowError) as exc:
            raise self.error(
                f"garbled reply to {call.label} from {call.to}: {data.hex()[:80]!r}"
            ) from exc


def _identity(params: Any) -> Any:
    return params


@dataclass(frozen=True)
class _Failed:
    """A call of a raw batch that the node answered with an error."""

    message: str
    revert: bool


def _rpc_message(reply: Any) -> str:
    error = reply.get("error") if isinstance(reply, dict) else None
    if not isinstance(error, dict):
        return "garbled error reply"
    message = error.get("message")
    return str(message)[:200] if isinstance(message, str) else f"code {error.get('code')}"


def _is_revert(reply: dict) -> bool:
    """A revert (EIP-1474 code 3, or geth's and anvil's 'execution reverted' message)."""
    error = reply.get("error")
    if not isinstance(error, dict):
        return False
    message = error.get("message")
    return error.get("code") == 3 or (isinstance(message, str) and "revert" in message.lower())


def _raw_result(node: _Node, reply: Any, label: str) -> Any:
    if not isinstance(reply, dict) or "result" not in reply:
        raise node.error(f"garbled reply to {label}")
    if "error" in reply:
        raise node.error(f"node error on {label}: {_rpc_message(reply)}")
    return reply["result"]


def _hex_bytes(node: _Node, result: Any, call: _Call) -> bytes:
    if not isinstance(result, str) or not re.fullmatch(r"0x(?:[0-9a-fA-F]{2})*", result):
        raise node.error(f"garbled reply to {call.label} from {call.to}: {str(result)[:80]!r}")
    return bytes.fromhex(result[2:])


def _revert_reason(exc: ContractLogicError) -> str:
    message = exc.message if isinstance(exc.message, str) else ""
    data = exc.data if isinstance(exc.data, str) else ""
    return message or (f"revert data {data[:74]}" if data else "no reason given")


def _root_cause(exc: BaseException) -> str:
    text = str(exc)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "Name or service not known" in text:
        return "unknown host"
    return text[:200]


def _address(node: _Node, address: str) -> str:
    try:
        return to_checksum_address(address)
    except ValueError as exc:
        raise node.error(f"{address!r} is not an EVM address") from exc


@scrubbed_errors
def read_supplies(
    *,
    rpc_url: str,
    chain_name: str,
    expected_chain_id: int,
    targets: Sequence[SupplyTarget],
    confirmations: int = 0,
    block: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> SupplySnapshot:
    """totalSupply(), decimals(), the issuer contract's multiplier(), isPaused(),
    newMultiplier() and newMultiplierActivationTime(), and escrow balanceOf() of every
    target at one pinned block, all in the same JSON-RPC batches.

    The four multiplier calls may fail (revert or empty reply): such a contract is a plain
    ERC-20 whose reading has multiplier 1 and no pause state. totalSupply() of the issuer's
    contract is already in underlying units (shares x multiplier), so the reading says so
    (`supply_is_underlying`) and nothing is scaled again.
    """
    node = _Node(rpc_url=rpc_url, chain_name=chain_name, timeout=timeout)
    chain_id, number = node.pin_block(
        expected_chain_id=expected_chain_id, confirmations=confirmations, block=block
    )
    calls: list[_Call] = []
    required: list[int] = []  # indexes of the calls that must answer
    layout: list[tuple[str, int]] = []  # per target: address, number of escrow calls
    for target in targets:
        token = _address(node, target.address)
        required.extend((len(calls), len(calls) + 1))
        calls.append(_Call("totalSupply()", token, TOTAL_SUPPLY))
        calls.append(_Call("decimals()", token, DECIMALS))
        calls.append(_Call("multiplier()", token, MULTIPLIER))
        calls.append(_Call("isPaused()", token, IS_PAUSED))
        calls.append(_Call("newMultiplier()", token, NEW_MULTIPLIER))
        calls.append(_Call("newMultiplierActivationTime()", token, NEW_MULTIPLIER_TIME))
        escrows = [_address(node, e) for e in target.escrow_addresses]
        for escrow in escrows:
            data = BALANCE_OF + abi_encode(["address"], [escrow])
            required.append(len(calls))
            calls.append(_Call(f"balanceOf({escrow})", token, data))
        layout.append((token, len(escrows)))

    ref, answers = node.read_raw_at(number, calls)
    for k in required:
        answer = answers[k]
        if isinstance(answer, _Failed):
            call = calls[k]
            if answer.revert:
                raise node.error(
                    f"{call.label} reverted on {call.to} at block {number} ({answer.message})"
                )
            raise node.error(f"node error on {call.label} of {call.to}: {answer.message}")
    required_calls = [calls[k] for k in required]
    node._check_empty(number, required_calls, [answers[k] for k in required])  # type: ignore[misc]

    def optional(k: int, types: list[str]) -> Any:
        answer = answers[k]
        if isinstance(answer, _Failed):
            if answer.revert:
                return None
            raise node.error(f"node error on {calls[k].label} of {calls[k].to}: {answer.message}")
        if not answer:
            return None
        if len(answer) != 32:
            raise node.error(
                f"garbled reply to {calls[k].label} from {calls[k].to}: {answer.hex()[:80]!r}"
            )
        return node.decode(types, answer, calls[k])[0]

    readings = []
    i = 0
    for token, n_escrows in layout:
        (raw_supply,) = node.decode(["uint256"], answers[i], calls[i])  # type: ignore[arg-type]
        (decimals,) = node.decode(["uint8"], answers[i + 1], calls[i + 1])  # type: ignore[arg-type]
        raw_multiplier = optional(i + 2, ["uint256"])
        paused = optional(i + 3, ["bool"])
        raw_new = optional(i + 4, ["uint256"])
        activation = optional(i + 5, ["uint256"])
        escrow = 0
        for j in range(n_escrows):
            k = i + 2 + OPTIONAL_CALLS + j
            (balance,) = node.decode(["uint256"], answers[k], calls[k])  # type: ignore[arg-type]
            escrow += balance
        if escrow > raw_supply:
            raise node.error(
                f"escrow balance {escrow} of {token} exceeds its total supply {raw_supply}"
            )
        multiplier = _contract_multiplier(node, token, "multiplier()", raw_multiplier)
        new_multiplier, new_at = None, None
        if multiplier is not None and raw_new is not None and activation:
            try:
                new_at = dt.datetime.fromtimestamp(activation, tz=dt.UTC)
            except (OverflowError, OSError, ValueError) as exc:
                raise node.error(
                    f"{token} reported an impossible activation time {activation}"
                ) from exc
            new_multiplier = _contract_multiplier(node, token, "newMultiplier()", raw_new)
        readings.append(
            SupplyReading(
                address=token,
                raw_supply=raw_supply,
                decimals=decimals,
                escrow_balance=escrow,
                multiplier=multiplier,
                supply_is_underlying=multiplier is not None,
                paused=paused,
                new_multiplier=new_multiplier,
                new_multiplier_at=new_at,
            )
        )
        i += 2 + OPTIONAL_CALLS + n_escrows
    return SupplySnapshot(
        chain_id=chain_id,
        block=ref,
        readings=tuple(readings),
        round_trips=node.provider.round_trips,
    )


def _contract_multiplier(node: _Node, token: str, label: str, raw: int | None) -> Decimal | None:
    """A 1e18-precision multiplier as a Decimal; 0 or absurdly large is a garbled reply."""
    if raw is None:
        return None
    if not 0 < raw < MAX_MULTIPLIER * 10**MULTIPLIER_SCALE:
        raise node.error(f"{token} reports an impossible {label} {raw}")
    value = Decimal(raw).scaleb(-MULTIPLIER_SCALE)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1), context=_EXACT)
    return value.normalize(context=_EXACT)


@scrubbed_errors
def read_oracles(
    *,
    rpc_url: str,
    chain_name: str,
    expected_chain_id: int,
    addresses: Sequence[str],
    confirmations: int = 0,
    block: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> OracleSnapshot:
    """AggregatorV3 latestRoundData() and decimals() of every feed at one pinned block."""
    node = _Node(rpc_url=rpc_url, chain_name=chain_name, timeout=timeout)
    chain_id, number = node.pin_block(
        expected_chain_id=expected_chain_id, confirmations=confirmations, block=block
    )
    feeds = [_address(node, a) for a in addresses]
    calls: list[_Call] = []
    for feed in feeds:
        calls.append(_Call("latestRoundData()", feed, LATEST_ROUND_DATA))
        calls.append(_Call("decimals()", feed, DECIMALS))
    ref, results = node.read_at(number, calls)
    readings = []
    for n, feed in enumerate(feeds):
        round_call, decimals_call = calls[2 * n], calls[2 * n + 1]
        round_id, answer, started, updated, answered_in = node.decode(
            ["uint80", "int256", "uint256", "uint256", "uint80"], results[2 * n], round_call
        )
        (decimals,) = node.decode(["uint8"], results[2 * n + 1], decimals_call)
        if updated == 0:
            raise node.error(f"feed {feed} has no answer yet (updatedAt is 0)")
        if decimals > MAX_FEED_DECIMALS:
            raise node.error(
                f"feed {feed} reports {decimals} decimals (at most {MAX_FEED_DECIMALS})"
            )
        if len(str(abs(answer))) - decimals > MAX_ANSWER_DIGITS:
            raise node.error(
                f"feed {feed} answer has more than {MAX_ANSWER_DIGITS} digits before the point"
            )
        try:
            updated_at = dt.datetime.fromtimestamp(updated, tz=dt.UTC)
            started_at = dt.datetime.fromtimestamp(started, tz=dt.UTC) if started else None
        except (OverflowError, OSError, ValueError) as exc:
            raise node.error(f"feed {feed} reported an impossible time {updated}") from exc
        readings.append(
            OracleReading(
                address=feed,
                round_id=round_id,
                answer=Decimal(answer).scaleb(-decimals),
                decimals=decimals,
                started_at=started_at,
                updated_at=updated_at,
                answered_in_round=answered_in,
            )
        )
    return OracleSnapshot(
        chain_id=chain_id,
        block=ref,
        readings=tuple(readings),
        round_trips=node.provider.round_trips,
    )


# --- wallet balances (the investor portfolio) ------------------------------------------
# Imported here rather than above so this section stays an addition to the module.
from .readings import BalanceReading, BalanceSnapshot, WalletBalances  # noqa: E402


@scrubbed_errors
def read_balances(
    *,
    rpc_url: str,
    chain_name: str,
    expected_chain_id: int,
    tokens: Sequence[str],
    owners: Sequence[str],
    confirmations: int = 0,
    block: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> BalanceSnapshot:
    """balanceOf(owner) of every token for every owner, and each token's decimals(), at one
    pinned block, in the same JSON-RPC batches as the supply reads (CALLS_PER_BATCH calls a
    batch): tokens x (owners + 1) calls in 2 + ceil(calls / CALLS_PER_BATCH) round trips.

    The issuer's contract rebases: balanceOf() is already in underlying units, so nothing
    is scaled here. Every owner gets a WalletBalances at the same block, with one reading
    per token (zeros included).
    """
    node = _Node(rpc_url=rpc_url, chain_name=chain_name, timeout=timeout)
    contracts = list(dict.fromkeys(_address(node, t) for t in tokens))
    holders = list(dict.fromkeys(_address(node, o) for o in owners))
    if not contracts or not holders:
        return BalanceSnapshot(chain_id=None, wallets=(), round_trips=0)
    chain_id, number = node.pin_block(
        expected_chain_id=expected_chain_id, confirmations=confirmations, block=block
    )
    calls = [_Call("decimals()", token, DECIMALS) for token in contracts]
    for owner in holders:
        data = BALANCE_OF + abi_encode(["address"], [owner])
        calls.extend(_Call(f"balanceOf({owner})", token, data) for token in contracts)
    ref, results = node.read_at(number, calls)
    decimals = [node.decode(["uint8"], results[i], calls[i])[0] for i in range(len(contracts))]
    wallets = []
    for n, owner in enumerate(holders):
        start = len(contracts) * (n + 1)
        balances = []
        for k, token in enumerate(contracts):
            (raw,) = node.decode(["uint256"], results[start + k], calls[start + k])
            balances.append(BalanceReading(token=token, raw_balance=raw, decimals=decimals[k]))
        wallets.append(WalletBalances(owner=owner, block=ref, balances=tuple(balances)))
    return BalanceSnapshot(
        chain_id=chain_id, wallets=tuple(wallets), round_trips=node.provider.round_trips
    )


# --- ERC-20 Transfer logs (exposure scan) ----------------------------------------------

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
# Entries per eth_getLogs filter list (token addresses, and the wallets OR-ed in one topic
# position): nodes cap request sizes; a hundred is accepted everywhere we know of.
ADDRESSES_PER_FILTER = 100
# Blocks re-read below a stored block whose hash changed (a reorganisation deeper than the
# chain's confirmations).
REORG_REWIND_BLOCKS = 64
# Block windows one read_transfers call reads at most; the cursor carries on next time.
MAX_LOG_WINDOWS = 200
# What providers say when a range or a result is too large for them (codes -32005, -32602,
# -32600; HTTP 413); Infura adds the range to try.
_RANGE_WORDS = ("range", "limit", "more than", "exceed", "too many", "too large", "http 413")
_RANGE_HINT = re.compile(r"\[0x([0-9a-fA-F]+),\s*0x([0-9a-fA-F]+)\]")


def _topic(address: str) -> str:
    return "0x" + "00" * 12 + address.lower().removeprefix("0x")


def _topic_address(topic: Any) -> str:
    raw = bytes(topic)
    if len(raw) != 32 or any(raw[:12]):
        raise ValueError("not an address topic")
    return to_checksum_address(raw[12:])


def _range_hint(exc: ChainReadError, asked: int) -> int | None:
    """A smaller block range to try when the node refused this one for its size, else None."""
    text = str(exc).lower()
    if not any(word in text for word in _RANGE_WORDS):
        return None
    hint = _RANGE_HINT.search(str(exc))
    if hint:
        suggested = int(hint.group(2), 16) - int(hint.group(1), 16) + 1
        if 0 < suggested < asked:
            return suggested
    return asked // 2 if asked > 1 else None


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _header(node: _Node, raw: Any, number: int) -> BlockRef:
    try:
        ref = BlockRef(
            number=int(raw["number"]),
            hash=Web3.to_hex(raw["hash"]),
            time=dt.datetime.fromtimestamp(int(raw["timestamp"]), tz=dt.UTC),
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise node.error(f"garbled block header for block {number}") from exc
    if ref.number != number:
        raise node.error(f"asked for block {number}, the node answered block {ref.number}")
    return ref


def _headers(node: _Node, numbers: Sequence[int]) -> dict[int, BlockRef]:
    found: dict[int, BlockRef] = {}
    for begin in range(0, len(numbers), CALLS_PER_BATCH):
        chunk = numbers[begin : begin + CALLS_PER_BATCH]

        def add(batch: Any, chunk: Sequence[int] = chunk) -> None:
            for number in chunk:
                batch.add(node.w3.eth.get_block(number))

        replies = node.batch(f"reading {len(chunk)} block headers", add)
        if len(replies) != len(chunk):
            raise node.error(f"garbled reply: {len(replies)} headers for {len(chunk)} blocks")
        for number, raw in zip(chunk, replies, strict=True):
            found[number] = _header(node, raw, number)
    return found


def _transfer(node: _Node, log: Any, times: dict[int, BlockRef]) -> TokenTransfer | None:
    """A Transfer log as a TokenTransfer; None for a removed log or another event's shape
    (ERC-721 Transfer has a fourth topic)."""
    try:
        if log.get("removed"):
            return None
        topics = log["topics"]
        data = bytes(log["data"])
        if len(topics) != 3 or len(data) != 32:
            return None
        number = int(log["blockNumber"])
        return TokenTransfer(
            token=to_checksum_address(log["address"]),
            from_address=_topic_address(topics[1]),
            to_address=_topic_address(topics[2]),
            raw_amount=int.from_bytes(data, "big"),
            block_number=number,
            block_hash=Web3.to_hex(log["blockHash"]),
            block_time=times[number].time if number in times else None,
            tx_hash=Web3.to_hex(log["transactionHash"]),
            log_index=int(log["logIndex"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise node.error(f"garbled Transfer log: {type(exc).__name__}: {exc}") from exc


@scrubbed_errors
def read_transfers(
    *,
    rpc_url: str,
    chain_name: str,
    expected_chain_id: int,
    tokens: Sequence[str],
    wallets: Sequence[str],
    resume_after: BlockRef | None,
    lookback: int = 0,
    confirmations: int = 0,
    block_range: int = 1000,
    max_block_range: int = 1000,
    max_windows: int = MAX_LOG_WINDOWS,
    timeout: float = DEFAULT_TIMEOUT,
) -> TransferScan:
    """ERC-20 Transfer logs of `tokens` from or to any of `wallets`, up to head - confirmations.

    Reads on from the block after `resume_after` (the last block a previous scan read), or,
    the first time, the last `lookback` blocks up to head - confirmations. The stored
    block's hash is checked first: when the chain no longer has it, REORG_REWIND_BLOCKS are
    read again (`rewound_from`). Logs are
    asked with eth_getLogs in windows of `block_range` blocks, two filters per window and
    per ADDRESSES_PER_FILTER tokens x wallets (`[Transfer, wallets]`, `[Transfer, None,
    wallets]`), each window in one JSON-RPC batch with the header of its last block. A node
    that refuses a window for its size gets half of it (or the range it suggests), down to
    one block; the size grows back by a quarter after each window it accepts, up to
    `max_block_range`. At most `max_windows` windows per call (`complete` says whether it
    reached the head).
    """
    node = _Node(rpc_url=rpc_url, chain_name=chain_name, timeout=timeout)
    chain_id, safe = node.pin_block(
        expected_chain_id=expected_chain_id, confirmations=confirmations, block=None
    )
    token_addresses = sorted({_address(node, t) for t in tokens})
    wallet_topics = sorted({_topic(_address(node, w)) for w in wallets})
    rewound_from = None
    last: BlockRef | None = resume_after
    if resume_after is None:
        start = max(0, safe - lookback + 1)
    else:
        start = resume_after.number + 1
        still = None
        if resume_after.number <= safe:
            still = _headers(node, [resume_after.number])[resume_after.number]
        if still is None or still.hash != resume_after.hash:
            rewound_from = resume_after.number
            start = max(0, min(resume_after.number, safe) - REORG_REWIND_BLOCKS + 1)
            last = None
    first = start if start <= safe else None
    size = max(1, min(block_range or max_block_range, max_block_range))
    found: dict[tuple[str, int], Any] = {}
    windows = 0
    filters = [
        (token_chunk, wallet_chunk)
        for token_chunk in _chunks(token_addresses, ADDRESSES_PER_FILTER)
        for wallet_chunk in _chunks(wallet_topics, ADDRESSES_PER_FILTER)
    ]
    while start <= safe and windows < max_windows:
        end = min(start + size - 1, safe)

        def add(batch: Any, start: int = start, end: int = end) -> None:
            batch.add(node.w3.eth.get_block(end))
            for token_chunk, wallet_chunk in filters:
                for topics in (
                    [TRANSFER_TOPIC, wallet_chunk],
                    [TRANSFER_TOPIC, None, wallet_chunk],
                ):
                    batch.add(
                        node.w3.eth.get_logs(
                            {
                                "fromBlock": start,
                                "toBlock": end,
                                "address": token_chunk,
                                "topics": topics,
                            }
                        )
                    )

        try:
            replies = node.batch(f"reading Transfer logs of blocks {start}-{end}", add)
        except ChainReadError as exc:
            smaller = None if exc.transient else _range_hint(exc, end - start + 1)
            if smaller is None:
                raise
            size = smaller
            continue
        if len(replies) != 1 + 2 * len(filters):
            raise node.error(f"garbled reply: {len(replies)} answers to {1 + 2 * len(filters)}")
        last = _header(node, replies[0], end)
        for logs in replies[1:]:
            if not isinstance(logs, list):
                raise node.error(f"garbled reply to eth_getLogs for blocks {start}-{end}")
            for log in logs:
                try:
                    key = (Web3.to_hex(log["transactionHash"]), int(log["logIndex"]))
                except (KeyError, TypeError, ValueError) as exc:
                    raise node.error("garbled Transfer log: no transaction hash or index") from exc
                found[key] = log
        windows += 1
        start = end + 1
        size = min(max_block_range, size + max(1, size // 4))
    numbers = sorted({int(log["blockNumber"]) for log in found.values()})
    times = _headers(node, numbers) if numbers else {}
    transfers = [t for log in found.values() if (t := _transfer(node, log, times)) is not None]
    transfers.sort(key=lambda t: (t.block_number, t.log_index))
    return TransferScan(
        chain_id=chain_id,
        head=safe + confirmations,
        from_block=first,
        to_block=last,
        rewound_from=rewound_from,
        transfers=tuple(transfers),
        block_range=size,
        windows=windows,
        complete=start > safe,
        round_trips=node.provider.round_trips,
    )
