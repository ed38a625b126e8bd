"""A local Solana chain: solders' LiteSVM behind a small JSON-RPC HTTP front.

LiteSVM executes real transactions against the real SPL Token and Token-2022 programs it
bundles, but it only has a Python API; solana-py only speaks JSON-RPC. This module joins
the two so the project's own client (apps.chains.solana) runs its real code path locally:

    chain = SolanaDevChain()
    mint = chain.create_mint(decimals=8)
    account = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=account, amount=123_450_000_000)
    with SolanaRpcServer(chain) as server:      # 127.0.0.1, a free port
        read_supplies(rpc_url=server.url, ...)

Every successful transaction is its own slot (with a fresh blockhash and a block time of
now), so slots move as the chain is used; `advance_slot()` moves them without one. LiteSVM
has no forks, so every commitment level sees the same, final state. Requests are served on
threads and executed one at a time under the chain's lock.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import json
import logging
import math
import struct
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from solders.account import Account
from solders.clock import Clock
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.responses import RpcSimulateTransactionResult
from solders.signature import Signature
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata
from spl.token import instructions as token_ix
from spl.token.constants import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID
from spl.token.models import (
    BurnParams,
    InitializeAccount3Params,
    InitializeMint2Params,
    MintToParams,
    TransferCheckedParams,
)

from apps.core.identifiers import b58decode, b58encode

logger = logging.getLogger(__name__)

# Lamports given to the chain's authority (fee payer and mint authority): 100,000 SOL of
# LiteSVM's 1,000,000 SOL airdrop pool.
AUTHORITY_LAMPORTS = 100_000 * 10**9
# getMultipleAccounts limit of real Solana RPC nodes, enforced here so clients must batch.
MAX_MULTIPLE_ACCOUNTS = 100
# Largest request body accepted, in bytes (a 100-key getMultipleAccounts is about 5 KB).
MAX_BODY_BYTES = 1_000_000
# How often the serving thread checks for stop(), in seconds.
SHUTDOWN_POLL_SECONDS = 0.05
VERSION = {"solana-core": "2.2.0-litesvm", "feature-set": 0}

MINT_LEN = 82
ACCOUNT_LEN = 165
EXTENSION_SCALED_UI_AMOUNT = 25
# Token-2022 instruction ScaledUiAmountExtension (43), sub-instruction Initialize (0).
SCALED_UI_AMOUNT_INSTRUCTION = 43
SCALED_UI_MINT_LEN = ACCOUNT_LEN + 1 + 4 + 56
# spl-token-2022 ExtensionType::Pausable (26): PausableConfig = authority (32) + paused (1);
# its accounts must carry ExtensionType::PausableAccount (27, no data), which the program
# initializes in InitializeAccount when the account has room for it.
EXTENSION_PAUSABLE = 26
EXTENSION_PAUSABLE_ACCOUNT = 27
PAUSABLE_LEN = 33
PAUSABLE_EXTENSION_LEN = 4 + PAUSABLE_LEN
PAUSABLE_ACCOUNT_LEN = ACCOUNT_LEN + 1 + 4
# Token-2022 instruction PausableExtension (44): Initialize (0), Pause (1), Resume (2).
PAUSABLE_INSTRUCTION = 44


class RpcError(Exception):
    """A JSON-RPC error answered to the client (code and message as a Solana node uses them)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


def _pubkey(value: Any) -> Pubkey:
    if isinstance(value, Pubkey):
        return value
    try:
        return Pubkey.from_string(str(value))
    except ValueError as exc:
        raise RpcError(-32602, f"Invalid param: {value!r} is not a valid pubkey") from exc


def mint_bytes(
    *,
    authority: Pubkey,
    supply: int,
    decimals: int,
    scaled_ui_multiplier: Decimal | None = None,
    pausable: bool = False,
    paused: bool = False,
) -> bytes:
    """Mint account data laid out as SPL Token (or Token-2022 with the scaled-UI-amount
    and Pausable extensions)."""
    base = struct.pack("<I32sQBBI32s", 1, bytes(authority), supply, decimals, 1, 0, bytes(32))
    if scaled_ui_multiplier is None and not pausable:
        return base
    extensions = b""
    if scaled_ui_multiplier is not None:
        multiplier = float(scaled_ui_multiplier)
        config = bytes(authority) + struct.pack("<dqd", multiplier, 0, multiplier)
        extensions += struct.pack("<HH", EXTENSION_SCALED_UI_AMOUNT, len(config)) + config
    if pausable:
        config = bytes(authority) + bytes([1 if paused else 0])
        extensions += struct.pack("<HH", EXTENSION_PAUSABLE, len(config)) + config
    padding = bytes(ACCOUNT_LEN - MINT_LEN)
    return base + padding + bytes([1]) + extensions


def token_account_bytes(
    *, mint: Pubkey, owner: Pubkey, amount: int, pausable_mint: bool = False
) -> bytes:
    """Initialized token account data (no delegate, not native, no close authority); an
    account of a pausable Token-2022 mint carries the PausableAccount extension."""
    base = struct.pack(
        "<32s32sQI32sBIQQI32s",
        bytes(mint),
        bytes(owner),
        amount,
        0,
        bytes(32),
        1,
        0,
        0,
        0,
        0,
        bytes(32),
    )
    if not pausable_mint:
        return base
    return base + bytes([2]) + struct.pack("<HH", EXTENSION_PAUSABLE_ACCOUNT, 0)


def update_multiplier_instruction(
    mint: Pubkey, authority: Pubkey, multiplier: Decimal, effective_at: int = 0
) -> Instruction:
    """Token-2022 ScaledUiAmountExtension UpdateMultiplier (43, 1): `multiplier` (f64) from
    unix time `effective_at` (i64; a past time applies it at once), signed by `authority`."""
    data = bytes([SCALED_UI_AMOUNT_INSTRUCTION, 1])
    data += struct.pack("<dq", float(multiplier), effective_at)
    accounts = [AccountMeta(mint, False, True), AccountMeta(authority, True, False)]
    return Instruction(TOKEN_2022_PROGRAM_ID, data, accounts)


def scaled_ui_config(mint_data: bytes) -> tuple[float, int, float] | None:
    """(multiplier, new multiplier's effective time, new multiplier) of a Token-2022 mint."""
    return _scaled_ui_config(mint_data)


def is_pausable(mint_data: bytes) -> bool:
    if len(mint_data) <= ACCOUNT_LEN or mint_data[ACCOUNT_LEN] != 1:
        return False
    return any(kind == EXTENSION_PAUSABLE for kind, _ in _tlv(mint_data))


class SolanaDevChain:
    """One LiteSVM instance with an authority keypair that pays fees and owns the mints."""

    def __init__(self, authority: Keypair | None = None) -> None:
        self.lock = threading.RLock()
        self.svm = LiteSVM().with_blockhash_check(False)
        # Given: another process (the demo world's corporate-action simulator) signs with it.
        self.authority = authority or Keypair()
        self.time_offset = 0  # seconds added to the wall clock (warp_time)
        funded = self.svm.airdrop(self.authority.pubkey(), AUTHORITY_LAMPORTS)
        if isinstance(funded, FailedTransactionMetadata):
            raise RuntimeError(f"cannot fund the dev chain authority: {funded.err()}")
        self.genesis_hash = self.svm.latest_blockhash()
        self._block_times: dict[int, int] = {}
        self._blockhashes: dict[int, Hash] = {}
        self._signatures: dict[Signature, int] = {}
        self._history: dict[Signature, dict] = {}  # every transaction sent, for getTransaction
        self._by_address: dict[Pubkey, list[Signature]] = {}  # oldest first
        self._first_slot = 1
        self.calls: collections.Counter[str] = collections.Counter()
        self._set_slot(self._first_slot)

    # -- slots ------------------------------------------------------------------------------

    @property
    def slot(self) -> int:
        return self.svm.get_clock().slot

    def _set_slot(self, slot: int) -> None:
        now = max(int(time.time()) + self.time_offset, self._block_times.get(slot - 1, 0))
        self.svm.warp_to_slot(slot)
        clock = self.svm.get_clock()
        self.svm.set_clock(
            Clock(slot, clock.epoch_start_timestamp, clock.epoch, clock.leader_schedule_epoch, now)
        )
        self.svm.expire_blockhash()
        self._block_times[slot] = now
        self._blockhashes[slot] = self.svm.latest_blockhash()

    def warp_time(self, seconds: int) -> int:
        """Move the chain's clock `seconds` ahead of the wall clock (a controlled clock for
        tests) and close a slot at that time; returns the new unix time."""
        with self.lock:
            self.time_offset += seconds
            self._set_slot(self.slot + 1)
            return self._block_times[self.slot]

    def advance_slot(self, slots: int = 1) -> int:
        """Move forward `slots` slots (each with a fresh blockhash); return the new slot."""
        with self.lock:
            for _ in range(slots):
                self._set_slot(self.slot + 1)
            return self.slot

    # -- transactions -----------------------------------------------------------------------

    def execute(self, instructions: list[Instruction], signers: list[Keypair] = ()) -> Signature:
        """Sign with the authority (fee payer) and `signers`, run, and close the slot."""
        with self.lock:
            payer = self.authority
            message = Message(list(instructions), payer.pubkey())
            tx = Transaction([payer, *signers], message, self.svm.latest_blockhash())
            return self._send(tx)

    def _send(self, tx: Transaction | VersionedTransaction) -> Signature:
        before = self._balances(tx)
        result = self.svm.send_transaction(tx)
        if isinstance(result, FailedTransactionMetadata):
            raise RpcError(
                -32002,
                f"Transaction simulation failed: {result.err()}",
                _simulation(result.meta(), result.err()),
            )
        self._signatures[result.signature()] = self.slot
        self._record_transaction(tx, result, before)
        self._set_slot(self.slot + 1)
        return result.signature()

    # -- token helpers ----------------------------------------------------------------------

    def create_mint(
        self,
        *,
        decimals: int,
        token_2022: bool = False,
        scaled_ui_multiplier: Decimal | None = None,
        keypair: Keypair | None = None,
        pausable: bool = False,
    ) -> Pubkey:
        """Create and initialize a mint through the token program; the authority mints.

        `scaled_ui_multiplier` (Token-2022 only) adds the scaled-UI-amount extension,
        `pausable` the Pausable extension (the authority pauses and resumes).
        """
        if (scaled_ui_multiplier is not None or pausable) and not token_2022:
            raise ValueError("these extensions exist only on Token-2022 mints")
        program = TOKEN_2022_PROGRAM_ID if token_2022 else TOKEN_PROGRAM_ID
        mint = keypair or Keypair()
        authority = self.authority.pubkey()
        space = MINT_LEN if scaled_ui_multiplier is None else SCALED_UI_MINT_LEN
        if pausable:
            space = SCALED_UI_MINT_LEN if scaled_ui_multiplier is not None else ACCOUNT_LEN + 1
            space += PAUSABLE_EXTENSION_LEN
        instructions = [
            create_account(
                CreateAccountParams(
                    from_pubkey=authority,
                    to_pubkey=mint.pubkey(),
                    lamports=self.svm.minimum_balance_for_rent_exemption(space),
                    space=space,
                    owner=program,
                )
            )
        ]
        if scaled_ui_multiplier is not None:
            data = bytes([SCALED_UI_AMOUNT_INSTRUCTION, 0]) + bytes(authority)
            data += struct.pack("<d", float(scaled_ui_multiplier))
            instructions.append(
                Instruction(program, data, [AccountMeta(mint.pubkey(), False, True)])
            )
        if pausable:
            data = bytes([PAUSABLE_INSTRUCTION, 0]) + bytes(authority)
            instructions.append(
                Instruction(program, data, [AccountMeta(mint.pubkey(), False, True)])
            )
        instructions.append(
            token_ix.initialize_mint2(
                InitializeMint2Params(
                    decimals=decimals,
                    program_id=program,
                    mint=mint.pubkey(),
                    mint_authority=authority,
                    freeze_authority=None,
                )
            )
        )
        self.execute(instructions, [mint])
        return mint.pubkey()

    def put_mint(
        self,
        address: Pubkey | str,
        *,
        decimals: int,
        supply: int = 0,
        token_2022: bool = False,
        scaled_ui_multiplier: Decimal | None = None,
        pausable: bool = False,
    ) -> Pubkey:
        """Write an initialized mint AT `address` (whose keypair nobody here holds).

        Used to put the registry's real mint addresses on the local chain; the authority of
        this chain is its mint authority, so mint_to and burn then run through the program.
        """
        if (scaled_ui_multiplier is not None or pausable) and not token_2022:
            raise ValueError("these extensions exist only on Token-2022 mints")
        key = _pubkey(address)
        data = mint_bytes(
            authority=self.authority.pubkey(),
            supply=supply,
            decimals=decimals,
            scaled_ui_multiplier=scaled_ui_multiplier,
            pausable=pausable,
        )
        self._put(key, data, TOKEN_2022_PROGRAM_ID if token_2022 else TOKEN_PROGRAM_ID)
        return key

    def put_token_account(self, address: Pubkey | str, *, mint: Pubkey, amount: int = 0) -> Pubkey:
        """Write an initialized token account AT `address`, owned by the authority."""
        key = _pubkey(address)
        mint_account = self.get_account(mint)
        self._put(
            key,
            token_account_bytes(
                mint=mint,
                owner=self.authority.pubkey(),
                amount=amount,
                pausable_mint=is_pausable(bytes(mint_account.data)),
            ),
            mint_account.owner,
        )
        return key

    def _put(self, key: Pubkey, data: bytes, owner: Pubkey) -> None:
        with self.lock:
            lamports = self.svm.minimum_balance_for_rent_exemption(len(data))
            self.svm.set_account(
                key, Account(lamports=lamports, data=data, owner=owner, executable=False)
            )
            self._set_slot(self.slot + 1)

    def create_token_account(self, *, mint: Pubkey, owner: Pubkey | None = None) -> Pubkey:
        """Create a token account for `mint` (owned by `owner`, the authority by default)."""
        with self.lock:
            mint_account = self.get_account(mint)
            program = mint_account.owner
            account = Keypair()
            # A pausable mint's accounts need room for PausableAccount.
            space = PAUSABLE_ACCOUNT_LEN if is_pausable(bytes(mint_account.data)) else ACCOUNT_LEN
            self.execute(
                [
                    create_account(
                        CreateAccountParams(
                            from_pubkey=self.authority.pubkey(),
                            to_pubkey=account.pubkey(),
                            lamports=self.svm.minimum_balance_for_rent_exemption(space),
                            space=space,
                            owner=program,
                        )
                    ),
                    token_ix.initialize_account3(
                        InitializeAccount3Params(
                            program_id=program,
                            account=account.pubkey(),
                            mint=mint,
                            owner=owner or self.authority.pubkey(),
                        )
                    ),
                ],
                [account],
            )
            return account.pubkey()

    def mint_to(self, *, mint: Pubkey, account: Pubkey, amount: int) -> Signature:
        """MintTo `amount` (smallest unit) into `account`, signed by the authority."""
        program = self.get_account(mint).owner
        return self.execute(
            [
                token_ix.mint_to(
                    MintToParams(
                        program_id=program,
                        mint=mint,
                        dest=account,
                        mint_authority=self.authority.pubkey(),
                        amount=amount,
                    )
                )
            ]
        )

    def burn(self, *, mint: Pubkey, account: Pubkey, amount: int) -> Signature:
        """Burn `amount` from `account` (an account the authority owns)."""
        program = self.get_account(mint).owner
        return self.execute(
            [
                token_ix.burn(
                    BurnParams(
                        program_id=program,
                        account=account,
                        mint=mint,
                        owner=self.authority.pubkey(),
                        amount=amount,
                    )
                )
            ]
        )

    def update_scaled_ui_multiplier(
        self, *, mint: Pubkey, multiplier: Decimal, effective_at: int = 0
    ) -> Signature:
        """Token-2022 UpdateMultiplier: `multiplier` from unix time `effective_at` (past = now)."""
        return self.execute(
            [update_multiplier_instruction(mint, self.authority.pubkey(), multiplier, effective_at)]
        )

    def set_paused(self, *, mint: Pubkey, paused: bool) -> Signature:
        """Token-2022 Pausable Pause or Resume, signed by the authority."""
        data = bytes([PAUSABLE_INSTRUCTION, 1 if paused else 2])
        accounts = [
            AccountMeta(mint, False, True),
            AccountMeta(self.authority.pubkey(), True, False),
        ]
        return self.execute([Instruction(TOKEN_2022_PROGRAM_ID, data, accounts)])

    def get_account(self, address: Pubkey | str) -> Account:
        with self.lock:
            account = self.svm.get_account(_pubkey(address))
        if account is None:
            raise LookupError(f"no account at {address}")
        return account

    # -- JSON-RPC ---------------------------------------------------------------------------

    def call(self, method: str, params: list | None) -> Any:
        """Answer one JSON-RPC call; raise RpcError for what a node would refuse."""
        name = _METHODS.get(method)
        if name is None:
            raise RpcError(-32601, f"Method not found: {method}")
        if params is None:
            params = []
        if not isinstance(params, list):
            raise RpcError(-32602, "Invalid params: expected an array")
        with self.lock:
            self.calls[method] += 1
            return getattr(self, name)(params)

    def _context(self) -> dict:
        return {"slot": self.slot, "apiVersion": VERSION["solana-core"]}

    def _encode(self, account: Account | None, config: dict) -> dict | None:
        if account is None:
            return None
        encoding = config.get("encoding", "base64")
        data = bytes(account.data)
        data_slice = config.get("dataSlice")
        if data_slice:
            offset, length = int(data_slice.get("offset", 0)), int(data_slice.get("length", 0))
            data = data[offset : offset + length]
        if encoding == "base64":
            encoded: Any = [base64.b64encode(data).decode(), "base64"]
        elif encoding == "base58":
            if len(data) > 128:
                raise RpcError(
                    -32600, "Encoded binary (base 58) data should be less than 128 bytes"
                )
            encoded = [b58encode(data), "base58"]
        else:
            raise RpcError(
                -32602, f"Invalid params: encoding {encoding!r} is not served by this node"
            )
        return {
            "lamports": account.lamports,
            "data": encoded,
            "owner": str(account.owner),
            "executable": account.executable,
            "rentEpoch": account.rent_epoch,
            "space": len(account.data),
        }

    def _rpc_get_account_info(self, params: list) -> dict:
        config = _config(params, 1)
        return {
            "context": self._context(),
            "value": self._encode(self.svm.get_account(_param_key(params)), config),
        }

    def _rpc_get_multiple_accounts(self, params: list) -> dict:
        keys = params[0] if params and isinstance(params[0], list) else None
        if keys is None:
            raise RpcError(-32602, "Invalid params: expected an array of pubkeys")
        if len(keys) > MAX_MULTIPLE_ACCOUNTS:
            raise RpcError(-32602, f"Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")
        config = _config(params, 1)
        accounts = [self.svm.get_account(_pubkey(key)) for key in keys]
        return {"context": self._context(), "value": [self._encode(a, config) for a in accounts]}

    def _rpc_get_balance(self, params: list) -> dict:
        return {"context": self._context(), "value": self.svm.get_balance(_param_key(params)) or 0}

    def _rpc_get_slot(self, params: list) -> int:
        return self.slot

    def _rpc_get_block_height(self, params: list) -> int:
        return self.slot - self._first_slot

    def _rpc_minimum_ledger_slot(self, params: list) -> int:
        return self._first_slot

    def _rpc_get_block_time(self, params: list) -> int:
        if not params or not isinstance(params[0], int):
            raise RpcError(-32602, "Invalid params: expected a slot number")
        if params[0] not in self._block_times:
            raise RpcError(-32004, f"Block not available for slot {params[0]}")
        return self._block_times[params[0]]

    def _rpc_get_latest_blockhash(self, params: list) -> dict:
        return {
            "context": self._context(),
            "value": {
                "blockhash": str(self.svm.latest_blockhash()),
                "lastValidBlockHeight": self.slot - self._first_slot + 150,
            },
        }

    def _rpc_is_blockhash_valid(self, params: list) -> dict:
        return {"context": self._context(), "value": True}

    def _rpc_get_version(self, params: list) -> dict:
        return dict(VERSION)

    def _rpc_get_genesis_hash(self, params: list) -> str:
        return str(self.genesis_hash)

    def _rpc_get_health(self, params: list) -> str:
        return "ok"

    def _rpc_get_epoch_info(self, params: list) -> dict:
        return {
            "absoluteSlot": self.slot,
            "blockHeight": self.slot - self._first_slot,
            "epoch": 0,
            "slotIndex": self.slot,
            "slotsInEpoch": 432_000,
            "transactionCount": len(self._signatures),
        }

    def _rpc_get_minimum_balance_for_rent_exemption(self, params: list) -> int:
        if not params or not isinstance(params[0], int):
            raise RpcError(-32602, "Invalid params: expected a data length")
        return self.svm.minimum_balance_for_rent_exemption(params[0])

    def _rpc_get_token_supply(self, params: list) -> dict:
        account = self.svm.get_account(_param_key(params))
        if (
            account is None
            or account.owner not in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID)
            or len(account.data) < 82
        ):
            raise RpcError(-32602, "Invalid param: not a Token mint")
        data = bytes(account.data)
        (supply,) = struct.unpack_from("<Q", data, 36)
        decimals = data[44]
        ui = Decimal(supply).scaleb(-decimals)
        return {
            "context": self._context(),
            "value": {
                "amount": str(supply),
                "decimals": decimals,
                "uiAmount": float(ui),
                "uiAmountString": format(ui.normalize(), "f"),
            },
        }

    def _rpc_request_airdrop(self, params: list) -> str:
        if len(params) < 2 or not isinstance(params[1], int):
            raise RpcError(-32602, "Invalid params: expected pubkey and lamports")
        result = self.svm.airdrop(_pubkey(params[0]), params[1])
        if isinstance(result, FailedTransactionMetadata):
            raise RpcError(-32603, f"Airdrop failed: {result.err()}")
        self._signatures[result.signature()] = self.slot
        self._set_slot(self.slot + 1)
        return str(result.signature())

    def _decode_tx(self, params: list) -> VersionedTransaction:
        if not params or not isinstance(params[0], str):
            raise RpcError(-32602, "Invalid params: expected an encoded transaction")
        encoding = _config(params, 1).get("encoding", "base58")
        try:
            raw = (
                base64.b64decode(params[0], validate=True)
                if encoding == "base64"
                else b58decode(params[0])
            )
            return VersionedTransaction.from_bytes(raw)
        except (ValueError, TypeError) as exc:
            raise RpcError(
                -32602, f"Invalid params: failed to deserialize transaction: {exc}"
            ) from exc

    def _rpc_send_transaction(self, params: list) -> str:
        return str(self._send(self._decode_tx(params)))

    def _rpc_simulate_transaction(self, params: list) -> dict:
        result = self.svm.simulate_transaction(self._decode_tx(params))
        if isinstance(result, FailedTransactionMetadata):
            value = _simulation(result.meta(), result.err())
        else:
            value = _simulation(result.meta(), None)
        return {"context": self._context(), "value": value}

    def _rpc_get_signature_statuses(self, params: list) -> dict:
        if not params or not isinstance(params[0], list):
            raise RpcError(-32602, "Invalid params: expected an array of signatures")
        statuses = []
        for raw in params[0]:
            try:
                slot = self._signatures.get(Signature.from_string(raw))
            except ValueError as exc:
                raise RpcError(-32602, f"Invalid param: {raw!r} is not a signature") from exc
            statuses.append(
                None
                if slot is None
                else {
                    "slot": slot,
                    "confirmations": None,
                    "err": None,
                    "status": {"Ok": None},
                    "confirmationStatus": "finalized",
                }
            )
        return {"context": self._context(), "value": statuses}

    # -- transaction history (getSignaturesForAddress, getTransaction; see the end of the module)

    def transfer_checked(
        self,
        *,
        mint: Pubkey,
        source: Pubkey,
        dest: Pubkey,
        owner: Keypair,
        amount: int,
    ) -> Signature:
        """TransferChecked `amount` (smallest unit) from `source` to `dest`, signed by `owner`."""
        program = self.get_account(mint).owner
        decimals = bytes(self.get_account(mint).data)[44]
        return self.execute(
            [
                token_ix.transfer_checked(
                    TransferCheckedParams(
                        program_id=program,
                        source=source,
                        mint=mint,
                        dest=dest,
                        owner=owner.pubkey(),
                        amount=amount,
                        decimals=decimals,
                    )
                )
            ],
            [owner],
        )

    def _balances(self, tx: Transaction | VersionedTransaction) -> dict:
        """Lamports and token accounts of every key of the transaction, by account index."""
        keys = list(tx.message.account_keys)
        lamports, tokens = [], {}
        for index, key in enumerate(keys):
            account = self.svm.get_account(key)
            lamports.append(account.lamports if account is not None else 0)
            token = _token_account(account)
            if token is not None:
                mint, owner, amount = token
                mint_account = self.svm.get_account(mint)
                decimals = bytes(mint_account.data)[44] if mint_account is not None else 0
                tokens[index] = (mint, owner, account.owner, amount, decimals)
        return {"lamports": lamports, "tokens": tokens}

    def _record_transaction(self, tx, result: Any, before: dict) -> None:
        after = self._balances(tx)
        keys = list(tx.message.account_keys)
        signature = result.signature()
        self._history[signature] = {
            "slot": self.slot,
            "block_time": self._block_times.get(self.slot),
            "tx": tx,
            "fee": 5000 * len(tx.signatures),
            "logs": list(result.logs()),
            "units": result.compute_units_consumed(),
            "inner": [list(group) for group in result.inner_instructions()],
            "before": before,
            "after": after,
        }
        for key in keys:
            self._by_address.setdefault(key, []).append(signature)
        if len(self._history) > MAX_TRANSACTION_HISTORY:
            # Like a node's ledger, history starts somewhere: the oldest transaction goes.
            oldest = next(iter(self._history))
            for key in self._history.pop(oldest)["tx"].message.account_keys:
                with contextlib.suppress(KeyError, ValueError):
                    self._by_address[key].remove(oldest)

    def _rpc_get_signatures_for_address(self, params: list) -> list[dict]:
        key = _param_key(params)
        config = _config(params, 1)
        limit = config.get("limit") or MAX_SIGNATURES_FOR_ADDRESS
        if not isinstance(limit, int) or not 1 <= limit <= MAX_SIGNATURES_FOR_ADDRESS:
            raise RpcError(-32602, f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}")
        bounds = {}
        for name in ("before", "until"):
            if config.get(name) is not None:
                try:
                    bounds[name] = Signature.from_string(config[name])
                except (ValueError, TypeError) as exc:
                    raise RpcError(-32602, f"Invalid param: {name} is not a signature") from exc
        newest_first = list(reversed(self._by_address.get(key, [])))
        if "before" in bounds:
            if bounds["before"] not in newest_first:
                return []
            newest_first = newest_first[newest_first.index(bounds["before"]) + 1 :]
        found = []
        for signature in newest_first:
            if signature == bounds.get("until") or len(found) == limit:
                break
            entry = self._history[signature]
            found.append(
                {
                    "signature": str(signature),
                    "slot": entry["slot"],
                    "err": None,
                    "memo": None,
                    "blockTime": entry["block_time"],
                    "confirmationStatus": "finalized",
                }
            )
        return found

    def _rpc_get_transaction(self, params: list) -> dict | None:
        if not params or not isinstance(params[0], str):
            raise RpcError(-32602, "Invalid params: expected a signature")
        try:
            signature = Signature.from_string(params[0])
        except ValueError as exc:
            raise RpcError(-32602, "Invalid param: not a signature") from exc
        config = _config(params, 1)
        encoding = config.get("encoding", "json")
        if encoding != "json":
            raise RpcError(
                -32602, f"Invalid params: encoding {encoding!r} is not served by this node"
            )
        entry = self._history.get(signature)
        if entry is None:
            return None
        tx = entry["tx"]
        message = tx.message
        version = tx.version if isinstance(tx, VersionedTransaction) else "legacy"
        version = "legacy" if str(version).lower().endswith("legacy") else 0
        supported = config.get("maxSupportedTransactionVersion")
        if version == 0 and supported is None:
            raise RpcError(
                UNSUPPORTED_TRANSACTION_VERSION,
                "Transaction version (0) is not supported by the requesting client. Please try the "
                "request again with the following configuration parameter: "
                '"maxSupportedTransactionVersion": 0',
            )
        header = message.header
        ui_message: dict[str, Any] = {
            "accountKeys": [str(k) for k in message.account_keys],
            "header": {
                "numRequiredSignatures": header.num_required_signatures,
                "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
                "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
            },
            "recentBlockhash": str(message.recent_blockhash),
            "instructions": [_instruction(ix) for ix in message.instructions],
        }
        if version == 0:
            ui_message["addressTableLookups"] = []
        reply: dict[str, Any] = {
            "slot": entry["slot"],
            "blockTime": entry["block_time"],
            "transaction": {"signatures": [str(s) for s in tx.signatures], "message": ui_message},
            "meta": {
                "err": None,
                "status": {"Ok": None},
                "fee": entry["fee"],
                "preBalances": entry["before"]["lamports"],
                "postBalances": entry["after"]["lamports"],
                "innerInstructions": [
                    {
                        "index": index,
                        "instructions": [
                            _instruction(i.instruction, i.stack_height) for i in group
                        ],
                    }
                    for index, group in enumerate(entry["inner"])
                    if group
                ],
                "logMessages": entry["logs"],
                "preTokenBalances": _token_balances(entry["before"]["tokens"]),
                "postTokenBalances": _token_balances(entry["after"]["tokens"]),
                "rewards": [],
                "loadedAddresses": {"writable": [], "readonly": []},
                "computeUnitsConsumed": entry["units"],
            },
        }
        if supported is not None:
            reply["version"] = version
        return reply

    def _rpc_get_token_accounts_by_owner(self, params: list) -> dict:
        """Token accounts whose owner is params[0], filtered by {"mint"} or {"programId"},
        as a node answers them: jsonParsed (Agave's layout, see token_account_json) or
        base64/base58 bytes. Accounts a jsonParsed answer cannot parse are left out, as a
        node leaves them out."""
        owner = _param_key(params)
        program, mint = self._token_filter(params)
        config = _config(params, 2)
        parsed = config.get("encoding") == "jsonParsed"
        now = self.svm.get_clock().unix_timestamp
        mints: dict[Pubkey, bytes | None] = {}
        value = []
        for key, account in sorted(self.svm.get_program_accounts(program), key=lambda a: str(a[0])):
            data = bytes(account.data)
            if not _is_token_account(data, program) or data[32:64] != bytes(owner):
                continue
            if mint is not None and data[:32] != bytes(mint):
                continue
            if not parsed:
                value.append({"pubkey": str(key), "account": self._encode(account, config)})
                continue
            mint_key = Pubkey.from_bytes(data[:32])
            if mint_key not in mints:
                mint_account = self.svm.get_account(mint_key)
                mints[mint_key] = bytes(mint_account.data) if mint_account else None
            info = token_account_json(data, mints[mint_key], program=program, unix_timestamp=now)
            if info is None:
                continue
            value.append(
                {
                    "pubkey": str(key),
                    "account": {
                        "lamports": account.lamports,
                        "data": info,
                        "owner": str(account.owner),
                        "executable": account.executable,
                        "rentEpoch": account.rent_epoch,
                        "space": len(data),
                    },
                }
            )
        return {"context": self._context(), "value": value}

    def _token_filter(self, params: list) -> tuple[Pubkey, Pubkey | None]:
        """(token program, mint or None) from the {"mint": ..} or {"programId": ..} filter."""
        if len(params) < 2 or not isinstance(params[1], dict) or len(params[1]) != 1:
            raise RpcError(-32602, "Invalid params: expected a filter with mint or programId")
        ((name, value),) = params[1].items()
        if name == "programId":
            program = _pubkey(value)
            if program not in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID):
                raise RpcError(-32602, "Invalid param: unrecognized Token program id")
            return program, None
        if name == "mint":
            mint = _pubkey(value)
            account = self.svm.get_account(mint)
            if account is None or account.owner not in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID):
                raise RpcError(-32602, "Invalid param: could not find mint")
            return account.owner, mint
        raise RpcError(-32602, f"Invalid params: unknown filter {str(name)[:20]!r}")


def _simulation(meta: Any, err: Any) -> dict:
    """RpcSimulateTransactionResult as JSON (solders serializes the TransactionError)."""
    result = RpcSimulateTransactionResult(
        err=err,
        logs=list(meta.logs()),
        accounts=None,
        units_consumed=meta.compute_units_consumed(),
        return_data=None,
    )
    return json.loads(result.to_json())


def _param_key(params: list) -> Pubkey:
    if not params:
        raise RpcError(-32602, "Invalid params: expected a pubkey")
    return _pubkey(params[0])


def _config(params: list, index: int) -> dict:
    if len(params) <= index or params[index] is None:
        return {}
    if not isinstance(params[index], dict):
        raise RpcError(-32602, "Invalid params: expected a configuration object")
    return params[index]


# JSON-RPC method -> SolanaDevChain method answering it (looked up on the instance, so a
# subclass can change how a method answers).
_METHODS: dict[str, str] = {
    "getAccountInfo": "_rpc_get_account_info",
    "getMultipleAccounts": "_rpc_get_multiple_accounts",
    "getBalance": "_rpc_get_balance",
    "getSlot": "_rpc_get_slot",
    "getBlockHeight": "_rpc_get_block_height",
    "minimumLedgerSlot": "_rpc_minimum_ledger_slot",
    "getBlockTime": "_rpc_get_block_time",
    "getLatestBlockhash": "_rpc_get_latest_blockhash",
    "isBlockhashValid": "_rpc_is_blockhash_valid",
    "getVersion": "_rpc_get_version",
    "getGenesisHash": "_rpc_get_genesis_hash",
    "getHealth": "_rpc_get_health",
    "getEpochInfo": "_rpc_get_epoch_info",
    "getMinimumBalanceForRentExemption": "_rpc_get_minimum_balance_for_rent_exemption",
    "getTokenSupply": "_rpc_get_token_supply",
    "requestAirdrop": "_rpc_request_airdrop",
    "sendTransaction": "_rpc_send_transaction",
    "simulateTransaction": "_rpc_simulate_transaction",
    "getSignatureStatuses": "_rpc_get_signature_statuses",
    "getSignaturesForAddress": "_rpc_get_signatures_for_address",
    "getTransaction": "_rpc_get_transaction",
    "getTokenAccountsByOwner": "_rpc_get_token_accounts_by_owner",
}


def _error(code: int, message: str, request_id: Any = None, data: Any = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "error": error, "id": request_id}


def answer(chain: SolanaDevChain, request: Any) -> dict:
    """The JSON-RPC response object for one decoded request object."""
    if not isinstance(request, dict) or not isinstance(request.get("method"), str):
        return _error(
            -32600, "Invalid request", request.get("id") if isinstance(request, dict) else None
        )
    request_id = request.get("id")
    try:
        result = chain.call(request["method"], request.get("params"))
    except RpcError as exc:
        return _error(exc.code, exc.message, request_id, exc.data)
    except Exception as exc:
        logger.exception("solana dev chain: %s failed", request["method"])
        return _error(-32603, f"Internal error: {type(exc).__name__}: {exc}", request_id)
    return {"jsonrpc": "2.0", "result": result, "id": request_id}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; without TCP_NODELAY every keep-alive reply
    # waits for the client's delayed ACK (about 40 ms on Linux).
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        chain = self.server.chain
        chain_requests = self.server.http_requests
        with self.server.count_lock:
            chain_requests[self.path] += 1
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self._reply(
                413,
                {
                    "jsonrpc": "2.0",
                    "error": {"code": -32600, "message": "Request too large"},
                    "id": None,
                },
            )
            return
        body = self.rfile.read(length)
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            self._reply(200, _error(-32700, "Parse error"))
            return
        if isinstance(decoded, list):
            if not decoded:
                self._reply(200, _error(-32600, "Invalid request: empty batch"))
                return
            self._reply(200, [answer(chain, item) for item in decoded])
        else:
            self._reply(200, answer(chain, decoded))

    def do_GET(self) -> None:
        self._reply(405, _error(-32600, "Use POST for JSON-RPC"))

    def _reply(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("solana dev chain %s: " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], chain: SolanaDevChain) -> None:
        super().__init__(address, _Handler)
        self.chain = chain
        self.count_lock = threading.Lock()
        self.http_requests: collections.Counter[str] = collections.Counter()


class SolanaRpcServer:
    """Serve a SolanaDevChain over HTTP JSON-RPC on 127.0.0.1.

    `port=0` picks a free port; `start()` serves on a daemon thread, `stop()` shuts it down
    and closes the socket. Usable as a context manager. `serve_forever()` blocks instead.
    """

    def __init__(
        self, chain: SolanaDevChain | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.chain = chain or SolanaDevChain()
        self._server = _Server((host, port), self.chain)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    @property
    def http_requests(self) -> int:
        """HTTP requests received so far (a JSON-RPC batch is one)."""
        return sum(self._server.http_requests.values())

    def start(self) -> SolanaRpcServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="solana-devchain-rpc",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=SHUTDOWN_POLL_SECONDS)

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> SolanaRpcServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- jsonParsed token accounts (getTokenAccountsByOwner) ----------------------------------
# Agave's account decoder (account-decoder parse_token.rs, parse_token_extension.rs) as it
# prints a token account; see /work/notes/protocols.md section 2.5 for the sources.

ACCOUNT_TYPE_ACCOUNT = 2
MULTISIG_LEN = 355
ACCOUNT_STATES = ("uninitialized", "initialized", "frozen")
# ExtensionType -> the "extension" tag jsonParsed prints, for the marker extensions a token
# account can carry (no state). Others are printed as Agave prints an extension its decoder
# does not know, "unparseableExtension": this chain creates none of them.
ACCOUNT_EXTENSIONS = {7: "immutableOwner", 13: "nonTransferableAccount", 27: "pausableAccount"}


def _is_token_account(data: bytes, program: Pubkey) -> bool:
    if len(data) == ACCOUNT_LEN:
        return data[108] != 0  # an uninitialized account holds nothing
    return (
        program == TOKEN_2022_PROGRAM_ID
        and len(data) > ACCOUNT_LEN
        and len(data) != MULTISIG_LEN
        and data[ACCOUNT_LEN] == ACCOUNT_TYPE_ACCOUNT
        and data[108] != 0
    )


def _tlv(data: bytes) -> list[tuple[int, bytes]]:
    entries, offset = [], ACCOUNT_LEN + 1
    while offset + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, offset)
        if kind == 0:
            break
        entries.append((kind, data[offset + 4 : offset + 4 + length]))
        offset += 4 + length
    return entries


def _scaled_ui_config(mint_data: bytes) -> tuple[float, int, float] | None:
    """(multiplier, new multiplier's effective time, new multiplier) of a Token-2022 mint."""
    if len(mint_data) <= ACCOUNT_LEN or mint_data[ACCOUNT_LEN] != 1:
        return None
    for kind, value in _tlv(mint_data):
        if kind == EXTENSION_SCALED_UI_AMOUNT and len(value) == 56:
            return struct.unpack_from("<dqd", value, 32)
    return None


def _trimmed(amount: int, decimals: int) -> str:
    """Agave's real_number_string_trimmed: the exact decimal, trailing zeros dropped."""
    text = f"{amount:0{decimals + 1}d}"
    if decimals:
        text = (text[:-decimals] + "." + text[-decimals:]).rstrip("0").rstrip(".")
    return text


def ui_token_amount(amount: int, decimals: int, scaled: tuple | None, unix_timestamp: int) -> dict:
    """UiTokenAmount as Agave prints it. With the scaled-UI-amount extension the amount is
    scaled by the multiplier in force at the node's clock, floored as the Token-2022 program
    this chain runs floors it (trunc(amount * multiplier) / 10^decimals, in f64)."""
    if scaled is None:
        return {
            "uiAmount": amount / 10**decimals,
            "decimals": decimals,
            "amount": str(amount),
            "uiAmountString": _trimmed(amount, decimals),
        }
    multiplier, effective_at, new_multiplier = scaled
    in_force = new_multiplier if unix_timestamp >= effective_at else multiplier
    value = math.trunc(float(amount) * in_force) / 10.0**decimals
    text = f"{value:.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if decimals else text
    return {
        "uiAmount": float(text),
        "decimals": decimals,
        "amount": str(amount),
        "uiAmountString": text,
    }


def _coption_key(data: bytes, offset: int) -> str | None:
    (tag,) = struct.unpack_from("<I", data, offset)
    return str(Pubkey.from_bytes(data[offset + 4 : offset + 36])) if tag == 1 else None


def token_account_json(
    data: bytes, mint_data: bytes | None, *, program: Pubkey, unix_timestamp: int
) -> dict | None:
    """A token account as jsonParsed prints it, or None where the decoder cannot parse it
    (its mint is missing or is not a mint)."""
    if mint_data is None or len(mint_data) < MINT_LEN:
        return None
    decimals = mint_data[44]
    scaled = _scaled_ui_config(mint_data) if program == TOKEN_2022_PROGRAM_ID else None
    (amount,) = struct.unpack_from("<Q", data, 64)
    (native_tag, native_reserve) = struct.unpack_from("<IQ", data, 109)
    (delegated,) = struct.unpack_from("<Q", data, 121)
    info: dict[str, Any] = {
        "mint": str(Pubkey.from_bytes(data[:32])),
        "owner": str(Pubkey.from_bytes(data[32:64])),
        "tokenAmount": ui_token_amount(amount, decimals, scaled, unix_timestamp),
    }
    delegate = _coption_key(data, 72)
    if delegate:
        info["delegate"] = delegate
    info["state"] = ACCOUNT_STATES[data[108]] if data[108] < len(ACCOUNT_STATES) else "unknown"
    info["isNative"] = native_tag == 1
    if native_tag == 1:
        info["rentExemptReserve"] = ui_token_amount(native_reserve, decimals, None, 0)
    if delegate:
        info["delegatedAmount"] = ui_token_amount(delegated, decimals, scaled, unix_timestamp)
    close_authority = _coption_key(data, 129)
    if close_authority:
        info["closeAuthority"] = close_authority
    if len(data) > ACCOUNT_LEN:
        info["extensions"] = [
            {"extension": ACCOUNT_EXTENSIONS.get(kind, "unparseableExtension")}
            for kind, _ in _tlv(data)
        ]
    name = "spl-token-2022" if program == TOKEN_2022_PROGRAM_ID else "spl-token"
    return {"program": name, "parsed": {"type": "account", "info": info}, "space": len(data)}


# --- Transaction history: getSignaturesForAddress and getTransaction ----------------------
#
# Every transaction sent through the chain is kept (signature, slot, block time, message,
# fee, logs, lamport and token balances before and after), so the two methods answer as a
# real node with full history does: signatures newest first, `before`/`until` paging, at
# most MAX_SIGNATURES_FOR_ADDRESS per call; a transaction in "json" encoding with its
# preTokenBalances/postTokenBalances (raw amounts, never scaled), "version" only when the
# client gives maxSupportedTransactionVersion, and -32015 for a v0 transaction without it.

# getSignaturesForAddress limit of Solana nodes (MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT).
MAX_SIGNATURES_FOR_ADDRESS = 1000
# Transactions kept for getTransaction (a few kB each): a long demo run stays bounded.
MAX_TRANSACTION_HISTORY = 50_000
UNSUPPORTED_TRANSACTION_VERSION = -32015
TOKEN_PROGRAMS = (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID)


def _token_account(account: Account | None) -> tuple[Pubkey, Pubkey, int] | None:
    """(mint, owner, amount) of a token account, None for anything else."""
    if account is None or account.owner not in TOKEN_PROGRAMS:
        return None
    data = bytes(account.data)
    is_account = len(data) == ACCOUNT_LEN or (
        len(data) > ACCOUNT_LEN and data[ACCOUNT_LEN] == ACCOUNT_TYPE_ACCOUNT
    )
    if not is_account or data[108] == 0:  # 0: uninitialized
        return None
    (amount,) = struct.unpack_from("<Q", data, 64)
    return Pubkey.from_bytes(data[:32]), Pubkey.from_bytes(data[32:64]), amount


def _instruction(ix: Any, stack_height: int | None = None) -> dict:
    return {
        "programIdIndex": ix.program_id_index,
        "accounts": list(bytes(ix.accounts)),
        "data": b58encode(bytes(ix.data)),
        "stackHeight": stack_height,
    }


def _token_balances(tokens: dict) -> list[dict]:
    rows = []
    for index, (mint, owner, program, amount, decimals) in sorted(tokens.items()):
        ui = Decimal(amount).scaleb(-decimals)
        rows.append(
            {
                "accountIndex": index,
                "mint": str(mint),
                "owner": str(owner),
                "programId": str(program),
                "uiTokenAmount": {
                    "amount": str(amount),
                    "decimals": decimals,
                    "uiAmount": float(ui),
                    "uiAmountString": format(ui.normalize(), "f"),
                },
            }
        )
    return rows
