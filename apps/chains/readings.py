"""What the chain clients return: frozen dataclasses, no model instances, no web3/solana types.

`apps/chains/evm.py` (web3.py) and `apps/chains/solana.py` (solana-py) are the only
modules that talk to a chain; both return these, and the sync services turn them into
SupplyObservation and OracleRound rows. Their entry points:

    evm.read_supplies(*, rpc_url: str, chain_name: str, expected_chain_id: int,
                      targets: Sequence[SupplyTarget], confirmations: int = 0,
                      block: int | None = None, timeout: float = ...) -> SupplySnapshot
    evm.read_oracles(*, rpc_url: str, chain_name: str, expected_chain_id: int,
                     addresses: Sequence[str], confirmations: int = 0,
                     block: int | None = None, timeout: float = ...) -> OracleSnapshot
    solana.read_supplies(*, rpc_url: str, chain_name: str, targets: Sequence[SupplyTarget],
                         commitment: str = "finalized", timeout: float = ...) -> SupplySnapshot

`block=None` reads at the latest block less `confirmations`; a number re-reads a past
block (verify_reserves). Failures raise ChainReadError.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ParamSpec, TypeVar

from apps.core.redaction import scrub

P = ParamSpec("P")
R = TypeVar("R")


class ChainReadError(Exception):
    """A read failed. The message names the chain, the node and the cause.

    `transient` is True for faults worth retrying with backoff (connection refused,
    timeout, HTTP 5xx) and False for bad data or a misconfigured chain (garbled reply,
    wrong chain id, no contract at the address, a revert).
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def scrubbed_errors(read: Callable[P, R]) -> Callable[P, R]:
    """A chain client's entry point whose ChainReadError never carries the node URL's
    user, password, path or query (providers put API keys there), nor a long message.

    The original exception is not chained: its text (and that of the HTTP client's
    exception under it) may contain the URL.
    """

    @functools.wraps(read)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return read(*args, **kwargs)
        except ChainReadError as exc:
            url = str(kwargs.get("rpc_url", ""))
            raise ChainReadError(scrub(str(exc), urls=[url]), transient=exc.transient) from None

    return wrapped


@dataclass(frozen=True)
class BlockRef:
    """The block (EVM) or slot (Solana) every value of one snapshot was read at."""

    number: int
    hash: str
    time: dt.datetime | None  # timezone-aware UTC


@dataclass(frozen=True)
class SupplyTarget:
    """What to read for one deployment: its contract or mint, and its bridge escrows."""

    address: str  # EIP-55 contract address or base58 mint
    escrow_addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class SupplyReading:
    """One deployment's supply at a block, in the token's smallest unit.

    `multiplier` is what the chain itself says a token is worth in underlying units, at
    the block: the issuer's EVM contract's multiplier() (None for a plain ERC-20), or the
    Token-2022 scaled-UI-amount multiplier in force (None for a mint without it).
    `supply_is_underlying` is True when `raw_supply` already counts it (the EVM contract's
    totalSupply() is shares x multiplier); on Solana the raw supply does not, and
    raw x multiplier is the UI amount. `new_multiplier` from `new_multiplier_at` is the
    multiplier the chain has scheduled (EVM newMultiplier() / newMultiplierActivationTime(),
    Token-2022 new_multiplier / new_multiplier_effective_timestamp), as read; `paused` is
    the contract's isPaused() or the mint's Pausable extension (None: the token has none).
    """

    address: str  # EIP-55 contract address or base58 mint
    raw_supply: int
    decimals: int
    escrow_balance: int = 0  # sum of the bridge-escrow balances, smallest unit
    ui_multiplier: Decimal | None = None  # Token-2022 scaled-UI-amount extension
    multiplier: Decimal | None = None
    supply_is_underlying: bool = False
    paused: bool | None = None
    new_multiplier: Decimal | None = None
    new_multiplier_at: dt.datetime | None = None


@dataclass(frozen=True)
class SupplySnapshot:
    """All supplies read from one chain at one pinned block, and what it cost."""

    chain_id: int | None  # as the node reported it (EVM); None for Solana
    block: BlockRef
    readings: tuple[SupplyReading, ...]
    round_trips: int
    commitment: str = ""  # Solana commitment used ("finalized" by default)


@dataclass(frozen=True)
class OracleReading:
    """AggregatorV3 latestRoundData() of one feed, answer scaled by the feed's decimals."""

    address: str
    round_id: int
    answer: Decimal
    decimals: int
    started_at: dt.datetime | None
    updated_at: dt.datetime
    answered_in_round: int


@dataclass(frozen=True)
class OracleSnapshot:
    chain_id: int
    block: BlockRef
    readings: tuple[OracleReading, ...]
    round_trips: int


@dataclass(frozen=True)
class BalanceReading:
    """One wallet's balance of one token, in the token's smallest unit.

    EVM: balanceOf() of the token contract (the issuer's contract already counts in
    underlying units). Solana: the raw amounts of every token account the wallet owns for
    the mint, summed (the scaled-UI multiplier is not applied: the raw amount is the fact).
    """

    token: str  # EIP-55 contract address or base58 mint
    raw_balance: int
    decimals: int
    accounts: int = 1  # Solana: token accounts summed into raw_balance


@dataclass(frozen=True)
class WalletBalances:
    """The balances of one wallet, all read at one block (EVM) or slot (Solana).

    Tokens that were asked for and are missing from `balances` are held 0.
    """

    owner: str  # EIP-55 or base58 address
    block: BlockRef
    balances: tuple[BalanceReading, ...]


@dataclass(frozen=True)
class BalanceSnapshot:
    """Balances of several wallets on one chain, and what reading them cost."""

    chain_id: int | None  # as the node reported it (EVM); None for Solana
    wallets: tuple[WalletBalances, ...]
    round_trips: int
    commitment: str = ""  # Solana commitment used


# --- Token transfers (the exposure scan of apps.onboarding) ------------------------------
#
#     evm.read_transfers(*, rpc_url: str, chain_name: str, expected_chain_id: int,
#                        tokens: Sequence[str], wallets: Sequence[str],
#                        resume_after: BlockRef | None, lookback: int = 0,
#                        confirmations: int = 0, block_range: int = ..., max_block_range: int = ...,
#                        max_windows: int = ..., timeout: float = ...) -> TransferScan
#     solana.read_transfers(*, rpc_url: str, chain_name: str, mints: Sequence[str],
#                           until: Mapping[str, str], max_pages: int = ...,
#                           timeout: float = ...) -> TransferScan


@dataclass(frozen=True)
class TokenTransfer:
    """One movement of a token between two owners, as a chain logged it.

    EVM: an ERC-20 Transfer log (log_index as the node numbers it). Solana: a sender and a
    receiver of one mint in one transaction, paired from its token balances (log_index
    numbers the pairs in a fixed order), amounts in the smallest unit, not scaled.
    """

    token: str  # EIP-55 contract address or base58 mint
    from_address: str  # EIP-55 address or base58 owner
    to_address: str
    raw_amount: int
    block_number: int  # block (EVM) or slot (Solana)
    block_hash: str
    block_time: dt.datetime | None
    tx_hash: str  # 0x transaction hash or base58 signature
    log_index: int


@dataclass(frozen=True)
class TransferScan:
    """What one scan of a chain read, and where the next one goes on from."""

    chain_id: int | None
    head: int  # the node's latest block or slot
    from_block: int | None  # first block read (None: nothing new)
    to_block: BlockRef | None  # last block read: the next scan resumes after it
    rewound_from: int | None  # a stored block whose hash changed: re-read from from_block
    transfers: tuple[TokenTransfer, ...]
    block_range: int  # blocks per eth_getLogs call the node accepted last
    windows: int  # eth_getLogs block windows read
    complete: bool  # everything up to head - confirmations was read
    round_trips: int
    # Solana: (mint, newest signature read) and transactions the node could not give.
    cursors: tuple[tuple[str, str], ...] = ()
    unreadable: int = 0
