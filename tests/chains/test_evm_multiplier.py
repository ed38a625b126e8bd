"""The issuer's contract interface read as the issuer's contract counts: totalSupply() is
shares x multiplier in underlying units, multiplier() and isPaused() travel in the same
batch, and a plain ERC-20 reads with multiplier 1."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from apps.chains import evm
from apps.chains.readings import ChainReadError, SupplyTarget
from apps.devchain import evm_world

pytestmark = [pytest.mark.chain]


def _read(anvil, *addresses: str):
    return evm.read_supplies(
        rpc_url=anvil.url,
        chain_name="Local Ethereum",
        expected_chain_id=1,
        targets=[SupplyTarget(a) for a in addresses],
    )


def test_contract_counts_shares_times_multiplier(anvil, w3, holder):
    token = evm_world.deploy_token(w3, name="Split Corp xStock", symbol="SPLx")
    evm_world.mint_shares(w3, token, holder, Decimal(1000))
    evm_world.set_multiplier(w3, token, Decimal("1.25"))

    assert evm_world.shares_of(w3, token, holder) == Decimal(1000)
    snapshot = _read(anvil, token)
    (reading,) = snapshot.readings
    assert reading.raw_supply == 1250 * 10**18  # totalSupply(): already underlying units
    assert reading.multiplier == Decimal("1.25")
    assert reading.supply_is_underlying is True
    assert reading.paused is False
    assert reading.new_multiplier is None and reading.new_multiplier_at is None
    # Header and every call of the token in one batch after the chain id check.
    assert snapshot.round_trips == 2


def test_plain_erc20_reads_with_multiplier_one(anvil, w3, holder):
    plain = evm_world.deploy_plain_token(w3, name="Plain", symbol="PLN")
    contract = evm_world.plain_token(w3, plain)
    contract.functions.mint(holder, 7 * 10**18).transact({"from": evm_world.issuer_account(w3)})
    issuer_token = evm_world.deploy_token(w3, name="Issuer", symbol="ISSx")
    evm_world.mint(w3, issuer_token, holder, Decimal(3))

    snapshot = _read(anvil, plain, issuer_token)
    plain_reading, issuer_reading = snapshot.readings
    assert plain_reading.raw_supply == 7 * 10**18
    assert plain_reading.multiplier is None  # no multiplier(): a plain ERC-20, multiplier 1
    assert plain_reading.supply_is_underlying is False
    assert plain_reading.paused is None
    assert issuer_reading.multiplier == Decimal(1)
    assert snapshot.round_trips == 2


def test_scheduled_multiplier_and_pause_are_read(anvil, w3, holder):
    token = evm_world.deploy_token(w3, name="Split Corp xStock", symbol="SPLx")
    evm_world.mint(w3, token, holder, Decimal(100))
    due = evm_world.latest_block_time(w3) + 3600
    evm_world.set_multiplier(w3, token, Decimal(4), activation_time=due)
    evm_world.set_paused(w3, token, True)

    (reading,) = _read(anvil, token).readings
    assert reading.multiplier == Decimal(1)  # not in force yet
    assert reading.raw_supply == 100 * 10**18
    assert reading.new_multiplier == Decimal(4)
    assert reading.new_multiplier_at == dt.datetime.fromtimestamp(due, tz=dt.UTC)
    assert reading.paused is True

    # Past the activation time the contract applies it by itself: a 4-for-1 split.
    evm_world.set_next_block_time(w3, due + 1)
    evm_world.mine(w3)
    (after,) = _read(anvil, token).readings
    assert after.multiplier == Decimal(4)
    assert after.raw_supply == 400 * 10**18


def test_garbled_multiplier_is_a_clear_error(anvil, w3, holder):
    token = evm_world.deploy_token(w3, name="Garbled", symbol="GRBx")
    evm_world.mint(w3, token, holder, Decimal(1))
    real = evm._Node.read_raw_at

    def garble(self, number, calls):
        ref, answers = real(self, number, calls)
        answers[2] = b"\x01" * 7  # multiplier(): 7 bytes, not a word
        return ref, answers

    with (
        mock.patch.object(evm._Node, "read_raw_at", autospec=True, side_effect=garble),
        pytest.raises(ChainReadError, match=r"garbled reply to multiplier\(\)"),
    ):
        _read(anvil, token)


def test_zero_multiplier_is_refused(anvil, w3, holder):
    token = evm_world.deploy_token(w3, name="Zero", symbol="ZROx")
    address = evm_world.to_checksum_address(token)
    for slot in (evm_world.SLOT_LAST_MULTIPLIER, evm_world.SLOT_NEW_MULTIPLIER):
        w3.provider.make_request(
            "anvil_setStorageAt", [address, evm_world._word(slot), evm_world._word(0)]
        )
    evm_world.mine(w3)
    with pytest.raises(ChainReadError, match=r"impossible multiplier\(\) 0"):
        _read(anvil, token)


def test_a_token_placed_by_an_older_demo_world_gets_the_current_code(anvil, w3, holder):
    address = evm_world.to_checksum_address("0x" + "ab" * 20)
    evm_world.place_token(w3, address=address, name="Old", symbol="OLDx")
    evm_world.mint(w3, address, holder, Decimal(5))
    # An older contract: other code, no multiplier stored (slots 6 and 7 empty).
    plain = evm_world.deploy_plain_token(w3, name="Plain", symbol="PLN")
    w3.provider.make_request("anvil_setCode", [address, w3.eth.get_code(plain).to_0x_hex()])
    for slot in (evm_world.SLOT_LAST_MULTIPLIER, evm_world.SLOT_NEW_MULTIPLIER):
        w3.provider.make_request(
            "anvil_setStorageAt", [address, evm_world._word(slot), evm_world._word(0)]
        )

    assert evm_world.upgrade_token(w3, address=address) is True
    assert evm_world.upgrade_token(w3, address=address) is False  # already current
    evm_world.mine(w3)
    (reading,) = _read(anvil, address).readings
    assert reading.multiplier == Decimal(1)
    assert reading.raw_supply == 5 * 10**18  # the balances read on as shares


@pytest.mark.django_db(transaction=True)
def test_a_garbled_multiplier_fails_the_sync_and_keeps_the_last_reading(
    anvil, w3, minted_token, write_registry, holder
):
    from django.core.management import call_command

    from apps.catalog.models import Chain
    from apps.chains import services
    from apps.chains.models import SupplyObservation
    from apps.core.models import JobRun

    call_command(
        "load_registry", str(write_registry(rpc_url=anvil.url, token_address=minted_token))
    )
    chain = Chain.objects.get(slug="anvil")
    assert services.sync_supply(chain=chain).status == JobRun.Status.OK
    evm_world.set_multiplier(w3, minted_token, Decimal(4))  # a new block to read
    real = evm._Node.read_raw_at

    def garble(self, number, calls):
        ref, answers = real(self, number, calls)
        answers[2] = b"\x00" * 31 + b"\x01" + b"\x00"  # 33 bytes: not one word
        return ref, answers

    with mock.patch.object(evm._Node, "read_raw_at", autospec=True, side_effect=garble):
        run = services.sync_supply(chain=chain)
    assert run.status == JobRun.Status.FAILED
    assert "garbled reply to multiplier()" in run.error and anvil.url in run.error
    last = SupplyObservation.objects.get()  # the good one, and only it
    assert (last.supply, last.multiplier) == (Decimal("1234.5"), Decimal(1))
