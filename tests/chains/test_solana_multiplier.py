"""Token-2022 mints as the chain counts them: the ScaledUiAmount multiplier in force, the
scheduled one and its time, and the Pausable extension, read from a real LiteSVM."""

from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal

import pytest
from solders.account import Account
from solders.keypair import Keypair

from apps.chains import solana
from apps.chains.readings import ChainReadError, SupplyTarget
from apps.devchain.solana_rpc import TOKEN_2022_PROGRAM_ID, mint_bytes


def read_one(node, mint):
    (reading,) = solana.read_supplies(
        rpc_url=node.url, chain_name="solana", targets=[SupplyTarget(address=str(mint))]
    ).readings
    return reading


def test_scheduled_multiplier_is_recorded_with_its_time(chain, node):
    mint = chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal(1))
    holder = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=250 * 10**8)
    due = int(dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp())
    chain.update_scaled_ui_multiplier(mint=mint, multiplier=Decimal(4), effective_at=due)

    reading = read_one(node, mint)
    assert reading.multiplier == Decimal(1) == reading.ui_multiplier
    assert reading.supply_is_underlying is False  # raw supply x multiplier = UI amount
    assert reading.new_multiplier == Decimal(4)
    assert reading.new_multiplier_at == dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    assert reading.paused is None  # no Pausable extension


def test_pausable_mint_reads_its_pause_state(chain, node):
    mint = chain.create_mint(
        decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1.5"), pausable=True
    )
    holder = chain.create_token_account(mint=mint)  # room for PausableAccount
    chain.mint_to(mint=mint, account=holder, amount=10**8)
    assert read_one(node, mint).paused is False

    chain.set_paused(mint=mint, paused=True)
    paused = read_one(node, mint)
    assert paused.paused is True
    assert paused.multiplier == Decimal("1.5")
    with pytest.raises(Exception, match="simulation failed"):
        chain.mint_to(mint=mint, account=holder, amount=1)  # the program refuses while paused

    chain.set_paused(mint=mint, paused=False)
    assert read_one(node, mint).paused is False


def test_mint_placed_at_an_address_can_be_pausable(chain, node):
    address = Keypair().pubkey()
    chain.put_mint(
        address, decimals=8, token_2022=True, scaled_ui_multiplier=Decimal(1), pausable=True
    )
    holder = chain.create_token_account(mint=address)
    chain.mint_to(mint=address, account=holder, amount=5)
    chain.set_paused(mint=address, paused=True)
    assert read_one(node, address).paused is True


def test_garbled_pausable_extension_is_a_clear_error(chain, node):
    address = Keypair().pubkey()
    data = bytearray(
        mint_bytes(
            authority=chain.authority.pubkey(),
            supply=1,
            decimals=8,
            scaled_ui_multiplier=Decimal(1),
            pausable=True,
        )
    )
    data[-1] = 7  # a bool that is neither 0 nor 1
    chain.svm.set_account(
        address,
        Account(lamports=10**9, data=bytes(data), owner=TOKEN_2022_PROGRAM_ID, executable=False),
    )
    with pytest.raises(ChainReadError, match="garbled Pausable extension"):
        read_one(node, address)
    assert struct.unpack_from("<H", bytes(data), 165 + 1 + 4 + 56)[0] == 26
