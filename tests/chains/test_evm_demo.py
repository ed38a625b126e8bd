from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.catalog.models import Chain, Deployment
from apps.chains import services
from apps.chains.models import SupplyObservation
from apps.core.models import JobRun
from apps.devchain import evm_demo, evm_world
from apps.devchain.anvil import AnvilNode

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]


@pytest.fixture
def demo_chains():
    """The shipped registry, the demo world's two EVM chains served by anvils on free ports
    (the other chains keep no node, as on a site that reads only some chains)."""
    call_command("load_registry", str(settings.REGISTRY_PATH))
    nodes = {}
    anvils = []
    try:
        for chain in Chain.objects.filter(slug__in=["ethereum", "bnb"]):
            node = AnvilNode(chain_id=chain.chain_id).start()
            anvils.append(node)
            Chain.objects.filter(pk=chain.pk).update(rpc_url=node.url)
            nodes[chain.slug] = evm_world.connect(node.url)
        yield nodes
    finally:
        for node in anvils:
            node.stop()


def test_demo_world_seeds_every_deployment_and_feed(demo_chains):
    demo = evm_demo.seed(demo_chains)
    assert {d.chain.slug for d in demo.canonical} == {"ethereum", "bnb"}
    assert len(demo.canonical) == Deployment.objects.filter(chain__slug__in=demo_chains).count()
    assert not demo.bridges and not demo.feeds  # xStocks: no bridge escrows, no push feeds
    # The contracts sit at the tokens' real addresses.
    aapl = "0x9d275685dC284C8eB1C79f6ABA7a63Dc75ec890a"
    for w3 in demo_chains.values():
        assert evm_world.has_code(w3, aapl)

    for chain in Chain.objects.filter(slug__in=demo_chains):
        run = services.sync_supply(chain=chain)
        assert run.status == JobRun.Status.OK, run.error
    read = SupplyObservation.objects.filter(deployment__address=aapl)
    assert {o.deployment.chain.slug for o in read} == {"ethereum", "bnb"}
    assert all(o.supply > 0 for o in read)

    # Seeding again finds the contracts and changes nothing.
    before = {a: evm_world.block_number(w3) for a, w3 in demo_chains.items()}
    evm_demo.seed(demo_chains)
    assert before == {a: evm_world.block_number(w3) for a, w3 in demo_chains.items()}


def test_simulator_moves_the_numbers(demo_chains):
    demo = evm_demo.seed(demo_chains)
    ethereum = Chain.objects.get(slug="ethereum")
    services.sync_supply(chain=ethereum)
    total_before = sum(
        o.supply for o in SupplyObservation.objects.filter(deployment__chain=ethereum)
    )
    rng = random.Random(7)
    events = [evm_demo.step(demo, rng) for _ in range(12)]
    assert any(e.startswith(("minted", "burned", "bridged")) for e in events)
    services.sync_supply(chain=ethereum)
    latest = services.supply_freshness(Deployment.objects.filter(chain=ethereum))
    total_after = sum(f.latest.supply for f in latest)
    assert total_after != total_before
    assert all(isinstance(f.latest.supply, Decimal) for f in latest)
