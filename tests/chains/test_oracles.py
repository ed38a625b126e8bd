from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.catalog.models import Chain
from apps.chains import services
from apps.chains.models import OracleFeed, OracleRound
from apps.core.models import JobRun
from apps.devchain import evm_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]


@pytest.fixture
def feed(w3, minted_token, write_registry, anvil) -> str:
    oracle = evm_world.deploy_oracle(w3, decimals=8, description="XST / USD")
    evm_world.set_answer(w3, oracle, Decimal("187.12345678"))
    call_command(
        "load_registry",
        str(write_registry(rpc_url=anvil.url, token_address=minted_token, oracle=oracle)),
    )
    return oracle


def test_sync_oracles_records_each_round_once(w3, feed, capsys):
    call_command("sync_oracles")
    assert "anvil: ok, 1 read, 1 new" in capsys.readouterr().out
    call_command("sync_oracles")  # same round: nothing new
    evm_world.set_answer(w3, feed, Decimal("190.5"))
    call_command("sync_oracles")

    rounds = list(OracleRound.objects.order_by("round_id"))
    assert [r.answer for r in rounds] == [Decimal("187.12345678"), Decimal("190.5")]
    assert [int(r.round_id) for r in rounds] == [1, 2]
    assert rounds[0].updated_at.tzinfo is not None
    assert OracleFeed.objects.get().decimals == 8


def test_a_feed_without_answer_reverts_and_fails_the_run(w3, minted_token, write_registry, anvil):
    empty = evm_world.deploy_oracle(w3, decimals=8, description="no answer yet")
    call_command(
        "load_registry",
        str(write_registry(rpc_url=anvil.url, token_address=minted_token, oracle=empty)),
    )
    with pytest.raises(CommandError, match="oracle sync failed on anvil"):
        call_command("sync_oracles")
    run = JobRun.objects.get(job=services.ORACLE_JOB)
    assert run.status == JobRun.Status.FAILED
    assert f"latestRoundData() reverted on {empty}" in run.error
    assert anvil.url in run.error
    assert not OracleRound.objects.exists()


def test_oracle_feed_on_a_chain_is_listed_on_status(client, feed):
    services.sync_oracles(chain=Chain.objects.get(slug="anvil"))
    page = client.get("/status/").content.decode()
    assert "sync_oracles" in page


@pytest.mark.parametrize(
    ("decimals", "answer", "cause"),
    [
        (0, Decimal(10) ** 70, "more than 60 digits before the point"),
        (200, Decimal("1E-190"), "reports 200 decimals"),
    ],
)
def test_an_impossible_oracle_answer_fails_the_run_and_stores_nothing(
    w3, minted_token, write_registry, anvil, decimals, answer, cause
):
    oracle = evm_world.deploy_oracle(w3, decimals=decimals, description="garbled")
    evm_world.set_answer(w3, oracle, answer, decimals=decimals)
    call_command(
        "load_registry",
        str(write_registry(rpc_url=anvil.url, token_address=minted_token, oracle=oracle)),
    )
    run = services.sync_oracles(chain=Chain.objects.get(slug="anvil"))
    assert run.status == JobRun.Status.FAILED and cause in run.error
    assert not OracleRound.objects.exists()


def test_a_crash_while_recording_ends_the_run_failed(feed, monkeypatch):
    from unittest import mock

    from apps.chains.services import oracles

    chain = Chain.objects.get(slug="anvil")
    with (
        mock.patch.object(
            oracles.OracleRound.objects,
            "bulk_create",
            autospec=True,
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        oracles.sync_oracles(chain=chain)
    run = JobRun.objects.get(job=services.ORACLE_JOB)
    assert run.status == JobRun.Status.FAILED and "disk full" in run.error
