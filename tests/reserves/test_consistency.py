"""Cross-chain consistency: chains applying different multipliers, a scheduled multiplier
due, a paused deployment. Each raises an alert like an under-backing, shows on the token and
transparency pages and in the API, and clears when the chains agree again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.chains.models import SupplyObservation
from apps.reserves.models import Alert
from apps.reserves.services import compute_snapshot
from tests.reserves.helpers import observe, semt002

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(aapl_world, tmp_path, django_capture_on_commit_callbacks):
    """AAPLx read on Ethereum (the issuer's contract, multiplier 1) and Solana (scaled UI 1),
    with a statement covering it."""
    SupplyObservation.objects.filter(deployment=aapl_world["eth"]).update(
        multiplier=Decimal(1), supply_is_underlying=True, paused=False
    )
    SupplyObservation.objects.filter(deployment=aapl_world["sol"]).update(
        multiplier=Decimal(1), ui_multiplier=Decimal(1)
    )
    path = tmp_path / "incore.xml"
    path.write_bytes(semt002(account="INC-001", holdings={"US0378331005": "4000"}))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_custody_statement", str(path), "--custodian", "incore")
    return aapl_world


def _read(deployment, *, supply: str, block: int, **fields) -> SupplyObservation:
    obs = observe(deployment, supply=supply, block=block)
    SupplyObservation.objects.filter(pk=obs.pk).update(**fields)
    return obs


@pytest.fixture
def compute(django_capture_on_commit_callbacks):
    """compute_snapshot with its after-commit work (the cache versions) done."""

    def run(token, now=None):
        with django_capture_on_commit_callbacks(execute=True):
            return compute_snapshot(token=token, now=now)

    return run


def _open(token) -> set[str]:
    return set(
        Alert.objects.filter(token=token, resolved_at__isnull=True).values_list(
            "condition", flat=True
        )
    )


def test_a_split_on_one_chain_only_raises_chains_disagree_until_the_other_follows(
    world, client, compute
):
    token = world["token"]
    # Ethereum applied a 4-for-1 split: its contract reports 4x the supply, multiplier 4.
    _read(world["eth"], supply="2400", block=19_000_001, multiplier=4, supply_is_underlying=True)
    compute(token)
    assert Alert.Condition.CHAINS_DISAGREE in _open(token)
    alert = Alert.objects.get(condition=Alert.Condition.CHAINS_DISAGREE)
    assert alert.message == (
        "AAPLx: the chains apply different multipliers: 4 on Ethereum, 1 on Solana."
    )
    reserves = client.get("/api/v1/tokens/AAPLx/reserves/").json()
    assert reserves["consistency"]["chains_disagree"] is True
    assert reserves["consistency"]["multipliers"] == [
        {"chain": "ethereum", "multiplier": "4"},
        {"chain": "solana", "multiplier": "1"},
    ]
    page = client.get("/transparency/AAPLx/").content.decode()
    assert "different multipliers" in page and "Chains disagree" in page
    assert "Chains disagree" in client.get("/tokens/AAPLx/").content.decode()
    assert client.get("/api/v1/tokens/AAPLx/").json()["chain_agreement"]["chains_disagree"]

    # Solana follows a few minutes later: its UI multiplier is 4 on the same raw supply.
    _read(world["sol"], supply="380", block=250_000_001, multiplier=4, ui_multiplier=4)
    compute(token)
    assert Alert.Condition.CHAINS_DISAGREE not in _open(token)
    reserves = client.get("/api/v1/tokens/AAPLx/reserves/").json()
    assert reserves["consistency"]["chains_disagree"] is False
    # 2,400 on Ethereum (already underlying) + 380 x 4 on Solana.
    assert reserves["shares_required"] == "3920"
    assert (
        "The chains agree: 4 on Ethereum, 4 on Solana"
        in client.get("/transparency/AAPLx/").content.decode()
    )


def test_a_scheduled_multiplier_is_due_until_it_is_read_in_force(world, client, compute):
    token = world["token"]
    now = timezone.now()
    at = now + dt.timedelta(minutes=5)
    _read(
        world["sol"],
        supply="380",
        block=250_000_001,
        multiplier=1,
        ui_multiplier=1,
        new_multiplier=4,
        new_multiplier_at=at,
    )
    compute(token, now)
    assert _open(token) == {Alert.Condition.MULTIPLIER_DUE}
    message = Alert.objects.get(condition=Alert.Condition.MULTIPLIER_DUE).message
    assert message.startswith("AAPLx: new multiplier 4 on Solana from ")
    due = client.get("/api/v1/tokens/AAPLx/reserves/").json()["consistency"]["multiplier_due"]
    assert [(d["chain"], d["new_multiplier"], d["in_force"]) for d in due] == [
        ("solana", "4", False)
    ]

    # Past its time, Solana applies 4 while Ethereum's last reading still says 1, and
    # Solana's reading predates the change: both are said.
    later = at + dt.timedelta(minutes=1)
    compute(token, later)
    assert _open(token) == {Alert.Condition.MULTIPLIER_DUE, Alert.Condition.CHAINS_DISAGREE}
    due = client.get("/api/v1/tokens/AAPLx/reserves/").json()["consistency"]["multiplier_due"]
    assert [(d["chain"], d["in_force"]) for d in due] == [("solana", True)]
    assert "in force since" in client.get("/transparency/AAPLx/").content.decode()

    # The next reading shows it in force: nothing is due, and Ethereum follows.
    _read(
        world["sol"],
        supply="380",
        block=250_000_002,
        multiplier=4,
        ui_multiplier=4,
        new_multiplier=4,
        new_multiplier_at=at,
    )
    _read(world["eth"], supply="2400", block=19_000_001, multiplier=4, supply_is_underlying=True)
    SupplyObservation.objects.filter(block_number__in=[250_000_002, 19_000_001]).update(
        observed_at=later
    )
    compute(token, later)
    assert _open(token) == set()


def test_a_paused_deployment_raises_paused(world, client, compute):
    token = world["token"]
    _read(
        world["eth"],
        supply="600",
        block=19_000_002,
        multiplier=1,
        supply_is_underlying=True,
        paused=True,
    )
    compute(token)
    assert _open(token) == {Alert.Condition.PAUSED}
    assert Alert.objects.get().message == (
        "AAPLx is paused on Ethereum (block 19000002): transfers are stopped there."
    )
    assert "Paused on ethereum" in client.get("/transparency/AAPLx/").content.decode()
    assert client.get("/api/v1/tokens/AAPLx/reserves/").json()["consistency"]["paused"] == [
        "ethereum"
    ]
    _read(
        world["eth"],
        supply="600",
        block=19_000_003,
        multiplier=1,
        supply_is_underlying=True,
        paused=False,
    )
    compute(token)
    assert _open(token) == set()
