from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.catalog.models import Chain, Deployment
from apps.chains import services
from apps.chains.models import SupplyObservation
from apps.chains.signals import supply_synced
from apps.core.models import JobRun
from apps.devchain import evm_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]


def test_sync_supply_shows_minted_supply_on_page_and_api(
    client, w3, minted_token, write_registry, anvil, capsys
):
    call_command(
        "load_registry", str(write_registry(rpc_url=anvil.url, token_address=minted_token))
    )
    block = w3.eth.block_number

    call_command("sync_supply")

    out = capsys.readouterr().out
    assert f"anvil: ok, 1 read, 1 new, 0 already recorded at block {block}" in out
    obs = SupplyObservation.objects.get()
    assert obs.block_number == block
    assert obs.supply == Decimal("1234.5")
    assert obs.raw_supply == Decimal(1234500000000000000000)

    page = client.get("/tokens/XSTx/").content.decode()
    assert 'data-supply="1234.5"' in page
    assert f"<td>{block}</td>" in page

    supply = client.get("/api/v1/tokens/XSTx/").json()["deployments"][0]["supply"]
    assert supply["supply"] == "1234.5"
    assert supply["circulating"] == "1234.5"
    assert supply["block_number"] == block
    assert supply["stale"] is False


def test_rerun_at_the_same_block_creates_nothing(w3, minted_token, write_registry, anvil):
    call_command(
        "load_registry", str(write_registry(rpc_url=anvil.url, token_address=minted_token))
    )
    chain = Chain.objects.get(slug="anvil")
    first = services.sync_supply(chain=chain)
    second = services.sync_supply(chain=chain)
    assert first.counts["created"] == 1
    assert second.status == JobRun.Status.OK
    assert second.counts["created"] == 0 and second.counts["existing"] == 1
    assert SupplyObservation.objects.count() == 1
    assert SupplyObservation.objects.get().sync_run == first


def test_new_block_adds_an_observation_and_keeps_the_old(
    w3, minted_token, write_registry, anvil, holder
):
    call_command(
        "load_registry", str(write_registry(rpc_url=anvil.url, token_address=minted_token))
    )
    chain = Chain.objects.get(slug="anvil")
    services.sync_supply(chain=chain)
    evm_world.burn(w3, minted_token, holder, Decimal("0.5"))
    services.sync_supply(chain=chain)
    supplies = [o.supply for o in SupplyObservation.objects.order_by("block_number")]
    assert supplies == [Decimal("1234.5"), Decimal("1234")]


def test_confirmation_depth_reads_an_older_block(w3, minted_token, write_registry, anvil, holder):
    call_command(
        "load_registry",
        str(write_registry(rpc_url=anvil.url, token_address=minted_token, confirmations=3)),
    )
    confirmed = w3.eth.block_number
    evm_world.mint(w3, minted_token, holder, Decimal(1))  # one block
    evm_world.mine(w3, 2)  # the mint has 2 confirmations: not final yet
    assert w3.eth.block_number == confirmed + 3

    run = services.sync_supply(chain=Chain.objects.get(slug="anvil"))

    obs = SupplyObservation.objects.get()
    assert run.counts["block"] == confirmed
    assert obs.block_number == confirmed
    assert obs.supply == Decimal("1234.5")


def test_escrow_balance_is_not_circulating(
    w3, write_registry, anvil, holder, escrow_holder, client
):
    token = evm_world.deploy_token(w3, name="Bridged", symbol="BRGx")
    evm_world.mint(w3, token, holder, Decimal(100))
    evm_world.mint(w3, token, escrow_holder, Decimal("40.25"))
    call_command(
        "load_registry",
        str(write_registry(rpc_url=anvil.url, token_address=token, escrows=[escrow_holder])),
    )
    run = services.sync_supply(chain=Chain.objects.get(slug="anvil"))
    assert run.counts["round_trips"] == 2
    obs = SupplyObservation.objects.get()
    assert obs.supply == Decimal("140.25")
    assert obs.circulating == Decimal(100)
    supply = client.get("/api/v1/tokens/XSTx/").json()["deployments"][0]["supply"]
    assert supply["circulating"] == "100"


def test_signal_is_sent_after_commit_with_the_tokens(minted_token, write_registry, anvil):
    call_command(
        "load_registry", str(write_registry(rpc_url=anvil.url, token_address=minted_token))
    )
    received = []

    def listener(sender, chain, token_ids, **kwargs):
        received.append((chain.slug, token_ids))

    supply_synced.connect(listener)
    try:
        services.sync_supply(chain=Chain.objects.get(slug="anvil"))
        services.sync_supply(chain=Chain.objects.get(slug="anvil"))  # nothing new: no signal
    finally:
        supply_synced.disconnect(listener)
    token_id = Deployment.objects.get().token_id
    assert received == [("anvil", [token_id])]


def test_unknown_chain_or_token_is_refused(minted_token, write_registry, anvil):
    call_command(
        "load_registry", str(write_registry(rpc_url=anvil.url, token_address=minted_token))
    )
    with pytest.raises(CommandError, match="unknown chain 'nope'"):
        call_command("sync_supply", chain="nope")
    with pytest.raises(CommandError, match="unknown token 'NOPEx'"):
        call_command("sync_supply", token="NOPEx")
    call_command("sync_supply", chain="anvil", token="XSTx")
    assert SupplyObservation.objects.count() == 1
