from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.system_program import CreateAccountParams, create_account
from spl.token.instructions import initialize_mint2
from spl.token.models import InitializeMint2Params

from apps.chains import solana
from apps.chains.readings import ChainReadError, SupplyTarget
from apps.devchain.solana_rpc import RpcError, SolanaDevChain, SolanaRpcServer


def read(node, *targets, **kwargs):
    return solana.read_supplies(rpc_url=node.url, chain_name="solana", targets=targets, **kwargs)


def test_reads_spl_mint_supply_decimals_and_slot(chain, node):
    mint = chain.create_mint(decimals=8)
    holder = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=1_234_5 * 10**7)  # 1,234.5 tokens

    snapshot = read(node, SupplyTarget(address=str(mint)))

    (reading,) = snapshot.readings
    assert reading.address == str(mint)
    assert reading.raw_supply == 123_450_000_000
    assert reading.decimals == 8
    assert reading.escrow_balance == 0
    assert reading.ui_multiplier is None
    assert snapshot.chain_id is None
    assert snapshot.commitment == "finalized"
    assert snapshot.block.number == chain.slot
    assert snapshot.block.hash == str(chain.svm.latest_blockhash())
    assert snapshot.block.time.tzinfo is not None
    assert abs(snapshot.block.time - dt.datetime.now(tz=dt.UTC)) < dt.timedelta(minutes=1)
    # one getMultipleAccounts, one getLatestBlockhash, one getBlockTime
    assert snapshot.round_trips == 3


def test_supply_follows_mints_and_burns_slot_by_slot(chain, node):
    mint = chain.create_mint(decimals=6)
    holder = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=5_000_000)
    first = read(node, SupplyTarget(address=str(mint)))
    chain.burn(mint=mint, account=holder, amount=1_500_000)
    second = read(node, SupplyTarget(address=str(mint)), commitment="confirmed")

    assert first.readings[0].raw_supply == 5_000_000
    assert second.readings[0].raw_supply == 3_500_000
    assert second.block.number > first.block.number
    assert second.commitment == "confirmed"


def test_reads_token_2022_mint_without_extensions(chain, node):
    mint = chain.create_mint(decimals=9, token_2022=True)
    holder = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=42)

    (reading,) = read(node, SupplyTarget(address=str(mint))).readings

    assert (reading.raw_supply, reading.decimals, reading.ui_multiplier) == (42, 9, None)


def test_reads_scaled_ui_amount_multiplier_of_token_2022_mint(chain, node):
    mint = chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1.5"))
    holder = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=holder, amount=10**8)

    (reading,) = read(node, SupplyTarget(address=str(mint))).readings

    assert reading.raw_supply == 10**8
    assert isinstance(reading.ui_multiplier, Decimal)
    assert str(reading.ui_multiplier) == "1.5"


def test_scaled_ui_multiplier_update_applies_from_its_effective_time(chain, node):
    mint = chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1"))
    far_future = int(dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp())
    chain.update_scaled_ui_multiplier(mint=mint, multiplier=Decimal("2"), effective_at=far_future)
    pending = read(node, SupplyTarget(address=str(mint))).readings[0]

    chain.update_scaled_ui_multiplier(mint=mint, multiplier=Decimal("0.1"))  # immediately
    applied = read(node, SupplyTarget(address=str(mint))).readings[0]

    assert pending.ui_multiplier == Decimal("1")
    assert applied.ui_multiplier == Decimal("0.1")


def test_mint_written_at_a_given_address_reads_like_a_program_made_one(chain, node):
    address = Keypair().pubkey()
    chain.put_mint(address, decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("1.25"))
    holder = chain.create_token_account(mint=address)
    chain.mint_to(mint=address, account=holder, amount=777)  # the real program accepts it

    (reading,) = read(node, SupplyTarget(address=str(address))).readings

    assert (reading.raw_supply, reading.decimals, reading.ui_multiplier) == (
        777,
        8,
        Decimal("1.25"),
    )


def test_escrow_balances_are_summed_per_mint(chain, node):
    mint = chain.create_mint(decimals=8)
    treasury = chain.create_token_account(mint=mint)
    escrow_a = chain.create_token_account(mint=mint)
    escrow_b = chain.create_token_account(mint=mint)
    chain.mint_to(mint=mint, account=treasury, amount=1_000)
    chain.mint_to(mint=mint, account=escrow_a, amount=200)
    chain.mint_to(mint=mint, account=escrow_b, amount=30)
    other = chain.create_mint(decimals=8, token_2022=True)
    other_escrow = chain.create_token_account(mint=other)
    chain.mint_to(mint=other, account=other_escrow, amount=5)

    snapshot = read(
        node,
        SupplyTarget(address=str(mint), escrow_addresses=(str(escrow_a), str(escrow_b))),
        SupplyTarget(address=str(other), escrow_addresses=(str(other_escrow),)),
    )

    assert [(r.raw_supply, r.escrow_balance) for r in snapshot.readings] == [(1_230, 230), (5, 5)]


def test_escrow_holding_another_mint_is_refused(chain, node):
    mint = chain.create_mint(decimals=8)
    other = chain.create_mint(decimals=8)
    wrong_escrow = chain.create_token_account(mint=other)

    with pytest.raises(ChainReadError, match=f"escrow {wrong_escrow} holds mint {other}") as caught:
        read(node, SupplyTarget(address=str(mint), escrow_addresses=(str(wrong_escrow),)))
    assert caught.value.transient is False


def test_missing_escrow_account_names_it_and_its_mint(chain, node):
    mint = chain.create_mint(decimals=8)
    ghost = Keypair().pubkey()

    with pytest.raises(ChainReadError, match=f"escrow token account {ghost} of mint {mint}"):
        read(node, SupplyTarget(address=str(mint), escrow_addresses=(str(ghost),)))


def test_batches_at_most_100_accounts_per_call(chain, node):
    mints = [chain.put_mint(Keypair().pubkey(), decimals=6, supply=i) for i in range(250)]
    chain.calls.clear()

    snapshot = read(node, *(SupplyTarget(address=str(m)) for m in mints))

    assert chain.calls["getMultipleAccounts"] == 3
    assert snapshot.round_trips == 5
    assert [r.raw_supply for r in snapshot.readings] == list(range(250))
    assert {r.decimals for r in snapshot.readings} == {6}


def test_missing_mint_is_a_clear_non_transient_error(chain, node):
    ghost = Keypair().pubkey()

    with pytest.raises(ChainReadError) as caught:
        read(node, SupplyTarget(address=str(ghost)))

    assert str(ghost) in str(caught.value)
    assert "does not exist" in str(caught.value)
    assert node.url.removeprefix("http://") in str(caught.value)
    assert caught.value.transient is False


def test_token_account_is_not_a_mint(chain, node):
    mint = chain.create_mint(decimals=8)
    holder = chain.create_token_account(mint=mint)

    with pytest.raises(ChainReadError, match=f"{holder} is not a token mint") as caught:
        read(node, SupplyTarget(address=str(holder)))
    assert caught.value.transient is False


def test_wallet_owned_by_system_program_is_not_a_mint(chain, node):
    wallet = chain.authority.pubkey()

    with pytest.raises(ChainReadError, match=f"{wallet} is not a token mint"):
        read(node, SupplyTarget(address=str(wallet)))


def test_malformed_address_is_refused_before_any_request(chain, node):
    with pytest.raises(ChainReadError, match="'not-a-mint' is not a base58 Solana address"):
        read(node, SupplyTarget(address="not-a-mint"))
    assert node.http_requests == 0


def test_unknown_commitment_is_refused(node):
    with pytest.raises(ValueError, match="commitment"):
        read(node, commitment="latest")


class RestlessChain(SolanaDevChain):
    """A node whose slot moves on after every getMultipleAccounts answer."""

    def _rpc_get_multiple_accounts(self, params):
        reply = super()._rpc_get_multiple_accounts(params)
        self.advance_slot()
        return reply


def test_batches_from_different_slots_are_read_again_then_pinned_to_the_latest():
    chain = RestlessChain()
    mints = [chain.put_mint(Keypair().pubkey(), decimals=6, supply=7) for _ in range(150)]
    chain.calls.clear()

    with SolanaRpcServer(chain) as node:
        snapshot = read(node, *(SupplyTarget(address=str(m)) for m in mints))

    attempts = solana.SLOT_ATTEMPTS
    assert chain.calls["getMultipleAccounts"] == 2 * attempts
    assert snapshot.round_trips == 3 * attempts + 1
    # the highest slot any batch reported: the last answer moved the node one slot on
    assert snapshot.block.number == chain.slot - 1
    assert {r.raw_supply for r in snapshot.readings} == {7}


def test_batches_from_one_slot_are_read_once(chain, node):
    mints = [chain.put_mint(Keypair().pubkey(), decimals=6, supply=7) for _ in range(150)]
    chain.calls.clear()

    snapshot = read(node, *(SupplyTarget(address=str(m)) for m in mints))

    assert chain.calls["getMultipleAccounts"] == 2
    assert snapshot.round_trips == 4


def test_scaled_ui_extension_is_found_after_other_extensions(chain, node):
    mint = Keypair()
    program = solana.TOKEN_2022_PROGRAM_ID
    authority = chain.authority.pubkey()
    space = 165 + 1 + (4 + 32) + (4 + 56)  # MintCloseAuthority, then ScaledUiAmount
    chain.execute(
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=authority,
                    to_pubkey=mint.pubkey(),
                    lamports=chain.svm.minimum_balance_for_rent_exemption(space),
                    space=space,
                    owner=program,
                )
            ),
            # InitializeMintCloseAuthority (25) with Some(authority)
            Instruction(
                program,
                bytes([25, 1]) + bytes(authority),
                [AccountMeta(mint.pubkey(), False, True)],
            ),
            # ScaledUiAmountExtension (43) Initialize (0): authority, multiplier 3.0
            Instruction(
                program,
                bytes([43, 0]) + bytes(authority) + struct.pack("<d", 3.0),
                [AccountMeta(mint.pubkey(), False, True)],
            ),
            initialize_mint2(
                InitializeMint2Params(
                    decimals=8, program_id=program, mint=mint.pubkey(), mint_authority=authority
                )
            ),
        ],
        [mint],
    )
    data = bytes(chain.get_account(mint.pubkey()).data)
    assert struct.unpack_from("<H", data, 166)[0] == 3  # the close authority comes first

    (reading,) = read(node, SupplyTarget(address=str(mint.pubkey()))).readings

    assert reading.ui_multiplier == Decimal("3")


class NoBlockTimeChain(SolanaDevChain):
    """A node that has pruned block times (answers -32004 like a real one)."""

    def _rpc_get_block_time(self, params):
        raise RpcError(-32004, f"Block not available for slot {params[0]}")


def test_read_succeeds_without_block_time():
    chain = NoBlockTimeChain()
    mint = chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal("2"))

    with SolanaRpcServer(chain) as node:
        snapshot = read(node, SupplyTarget(address=str(mint)))

    assert snapshot.block.time is None
    assert snapshot.block.number == chain.slot
    assert snapshot.readings[0].ui_multiplier == Decimal("2")


def test_no_targets_still_reports_the_slot(chain, node):
    snapshot = read(node)

    assert snapshot.readings == ()
    assert snapshot.block.number == chain.slot
    assert snapshot.round_trips == 2
