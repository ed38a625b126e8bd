from __future__ import annotations

from decimal import Decimal

import pytest

from apps.chains import evm
from apps.chains.readings import ChainReadError, SupplyTarget
from apps.devchain import evm_world
from apps.devchain.anvil import AnvilNode

pytestmark = pytest.mark.chain


def _read(url: str, targets: list[SupplyTarget], **kwargs):
    return evm.read_supplies(
        rpc_url=url, chain_name="Local", expected_chain_id=1, targets=targets, **kwargs
    )


def test_a_past_block_is_read_as_it_was(anvil, w3, minted_token, holder):
    before = w3.eth.block_number
    evm_world.mint(w3, minted_token, holder, Decimal("0.5"))
    past = _read(anvil.url, [SupplyTarget(minted_token)], block=before)
    now = _read(anvil.url, [SupplyTarget(minted_token)])
    assert past.block.number == before
    assert past.readings[0].raw_supply == 1234500000000000000000
    assert now.readings[0].raw_supply == 1235000000000000000000
    assert past.block.hash.startswith("0x") and past.block.time.tzinfo is not None


def test_a_future_block_is_refused(anvil, w3, minted_token):
    with pytest.raises(ChainReadError, match="is not in the chain") as exc:
        _read(anvil.url, [SupplyTarget(minted_token)], block=w3.eth.block_number + 100)
    assert exc.value.transient is False


def test_too_few_blocks_for_the_confirmations_is_transient():
    with AnvilNode(chain_id=1) as fresh, pytest.raises(ChainReadError) as exc:
        _read(fresh.url, [], confirmations=5)
    assert "fewer than the 5 confirmations" in str(exc.value)
    assert exc.value.transient is True


def test_round_trips_stay_constant_with_more_deployments(anvil, w3, holder):
    tokens = []
    for n in range(12):
        address = evm_world.deploy_token(w3, name=f"T{n}", symbol=f"T{n}x")
        evm_world.mint(w3, address, holder, Decimal(n + 1))
        tokens.append(address)
    one = _read(anvil.url, [SupplyTarget(tokens[0], (holder,))])
    twelve = _read(anvil.url, [SupplyTarget(t, (holder,)) for t in tokens])
    assert one.round_trips == twelve.round_trips == 2
    assert [r.raw_supply for r in twelve.readings] == [10**18 * (n + 1) for n in range(12)]
    assert all(r.escrow_balance == r.raw_supply for r in twelve.readings)


def test_a_bad_address_is_refused_before_any_call(anvil):
    with pytest.raises(ChainReadError, match="is not an EVM address"):
        _read(anvil.url, [SupplyTarget("0x1234")])
