"""The demo world's corporate-action simulator on real local chains with a controlled
clock: a 4-for-1 split announced on anvil and LiteSVM, Solana three minutes behind, read
by the site's own chain sync, raises "new multiplier due", then "chains disagree", and
both clear once every chain has applied it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from solders.keypair import Keypair

from apps.catalog.models import Chain
from apps.chains import services
from apps.core.models import JobRun
from apps.devchain import evm_world
from apps.devchain.anvil import AnvilNode
from apps.devchain.corporate_actions import (
    CorporateActionSimulator,
    SolanaControl,
    registry_legs,
)
from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer
from apps.reserves.models import Alert
from apps.reserves.services import compute_snapshot
from tests.chains.conftest import load_with_custodian, registry_doc
from tests.factories import make_isin
from tests.reserves.helpers import semt002

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]

LEAD = dt.timedelta(minutes=1)
LAG = dt.timedelta(minutes=3)


@pytest.fixture
def own_anvil():
    """An anvil of its own: this test moves its clock."""
    with AnvilNode(chain_id=1) as node:
        yield node


@pytest.fixture
def solana():
    authority = Keypair()
    chain = SolanaDevChain(authority=authority)
    with SolanaRpcServer(chain) as server:
        yield chain, server, authority


def _sync_and_compute(now: dt.datetime) -> set[str]:
    for chain in Chain.objects.all():
        assert services.sync_supply(chain=chain).status == JobRun.Status.OK
    from apps.catalog.models import Token

    compute_snapshot(token=Token.objects.get(), now=now)
    return set(Alert.objects.filter(resolved_at__isnull=True).values_list("condition", flat=True))


def _demo_shares(at: dt.datetime) -> Decimal:
    from apps.devchain.custody_demo import demo_holdings

    (positions,) = demo_holdings(at=at, under_backed_symbol=None).values()
    return positions[make_isin(4242)]


def test_a_split_shows_due_then_disagreement_then_clears(tmp_path, own_anvil, solana):
    sol_chain, sol_server, authority = solana
    w3 = evm_world.connect(own_anvil.url)
    holder = w3.eth.accounts[1]
    token = evm_world.deploy_token(w3, name="Example Corp xStock", symbol="XSTx")
    evm_world.mint(w3, token, holder, Decimal(100))
    mint = sol_chain.create_mint(
        decimals=8, token_2022=True, scaled_ui_multiplier=Decimal(1), pausable=True
    )
    account = sol_chain.create_token_account(mint=mint)
    sol_chain.mint_to(mint=mint, account=account, amount=50 * 10**8)
    doc = registry_doc(rpc_url=own_anvil.url, token_address=token)
    doc["chains"].append(
        {"slug": "solana", "kind": "solana", "name": "Solana", "rpc_url": sol_server.url}
    )
    doc["tokens"][0]["deployments"].append({"chain": "solana", "address": str(mint), "decimals": 8})
    load_with_custodian(tmp_path, doc)
    statement = tmp_path / "incore.xml"
    statement.write_bytes(semt002(account="INC-001", holdings={make_isin(4242): "1000"}))
    call_command("import_custody_statement", str(statement), "--custodian", "incore")

    nodes = {"anvil": w3}
    simulator = CorporateActionSimulator(
        legs=registry_legs(nodes, solana=True),
        evm_nodes=nodes,
        solana=SolanaControl(sol_server.url, authority),
        every=dt.timedelta(minutes=10),
        lead=LEAD,
        lag=LAG,
        rng=random.Random(7),
    )
    effective: list[str] = []
    simulator.on_effective = lambda split, slug: effective.append(slug)
    t0 = timezone.now().replace(microsecond=0)
    assert _sync_and_compute(t0) == set()

    announced = simulator.step(t0)
    assert announced.startswith("XSTx: 4-for-1 split (simulated)")
    split = simulator.current
    assert split.effective == {"anvil": t0 + LEAD, "solana": t0 + LEAD + LAG}
    assert simulator.step(t0 + dt.timedelta(seconds=30)) is None  # nothing more to do yet

    # Announced: both chains have it scheduled, neither applies it yet.
    assert _sync_and_compute(t0) == {Alert.Condition.MULTIPLIER_DUE}

    # Ethereum's time passes: its contract applies 4 by itself, Solana still 1.
    evm_at = t0 + LEAD + dt.timedelta(seconds=1)
    evm_world.set_next_block_time(w3, int(evm_at.timestamp()))
    evm_world.mine(w3)
    assert _sync_and_compute(evm_at) == {
        Alert.Condition.MULTIPLIER_DUE,
        Alert.Condition.CHAINS_DISAGREE,
    }
    assert simulator.step(evm_at) == "XSTx: in force on anvil"
    assert effective == ["anvil"]
    # The demo custodians' shares split with the chains: 400 on Ethereum + 50 on Solana
    # (not split there yet), 1 % headroom.
    assert _demo_shares(evm_at) == Decimal(455)
    disagree = Alert.objects.get(condition=Alert.Condition.CHAINS_DISAGREE)
    assert disagree.message == (
        "XSTx: the chains apply different multipliers: 4 on Local Ethereum, 1 on Solana."
    )

    # Three minutes later Solana applies it too: everything clears.
    sol_at = t0 + LEAD + LAG + dt.timedelta(seconds=1)
    # At Solana's time, before any new reading, the custodian counts its split too.
    assert _demo_shares(sol_at) == Decimal(606)
    sol_chain.warp_time(int(sol_at.timestamp()) - int(timezone.now().timestamp()))
    evm_world.set_next_block_time(w3, int(sol_at.timestamp()))
    evm_world.mine(w3)
    assert _sync_and_compute(sol_at) == set()
    assert Alert.objects.filter(condition=Alert.Condition.CHAINS_DISAGREE).get().resolved_at
    assert simulator.step(sol_at) == "XSTx: split applied on every chain"
    assert effective == ["anvil", "solana"]
    assert simulator.next_at == t0 + dt.timedelta(minutes=10)
    # 400 on Ethereum (shares x 4) + 50 x 4 on Solana.
    from apps.reserves.models import ReserveSnapshot

    assert ReserveSnapshot.objects.latest("pk").shares_required == Decimal(600)
    # Each chain's change is a public event (feeds, e-mail subscriptions).
    from apps.reserves.models import PublicEvent

    events = PublicEvent.objects.filter(kind=PublicEvent.Kind.MULTIPLIER_CHANGED)
    assert sorted(e.title for e in events) == [
        "XSTx: multiplier on anvil 1 -> 4",
        "XSTx: multiplier on solana 1 -> 4",
    ]
