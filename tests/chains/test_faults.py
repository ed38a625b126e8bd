from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from apps.catalog.models import Chain, Deployment
from apps.chains import services, tasks
from apps.chains.models import SupplyObservation
from apps.core.models import JobRun
from apps.devchain import evm_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.CHAIN_RPC_TIMEOUT_SECONDS = 1


@pytest.fixture
def synced(minted_token, write_registry, anvil) -> Chain:
    """A chain with one good observation of 1,234.5 on record."""
    call_command(
        "load_registry", str(write_registry(rpc_url=anvil.url, token_address=minted_token))
    )
    chain = Chain.objects.get(slug="anvil")
    assert services.sync_supply(chain=chain).status == JobRun.Status.OK
    return chain


def _assert_failed_and_intact(chain: Chain, run: JobRun, node: str, cause: str) -> None:
    assert run.status == JobRun.Status.FAILED
    assert chain.name in run.error
    assert node in run.error
    assert cause in run.error
    assert run.node == node
    obs = SupplyObservation.objects.get()  # the previous observation, and only it
    assert obs.supply == Decimal("1234.5")


@pytest.mark.parametrize(
    ("fault", "cause", "transient"),
    [
        ("stall", "timed out", True),
        ("http_500", "HTTP 500", True),
        ("garbage", "garbled reply", False),
    ],
)
def test_misbehaving_node_fails_the_run_and_keeps_the_last_value(
    synced, fault_server, fault, cause, transient
):
    url = fault_server(fault)
    Chain.objects.filter(pk=synced.pk).update(rpc_url=url)
    synced.refresh_from_db()
    run = services.sync_supply(chain=synced)
    _assert_failed_and_intact(synced, run, url, cause)
    assert run.counts["transient"] is transient


def test_closed_port_fails_with_connection_refused(synced, closed_port_url, capsys):
    Chain.objects.filter(pk=synced.pk).update(rpc_url=closed_port_url)
    with pytest.raises(CommandError, match="supply sync failed on anvil"):
        call_command("sync_supply")
    assert "connection refused" in capsys.readouterr().err
    run = JobRun.objects.filter(status=JobRun.Status.FAILED).get()
    _assert_failed_and_intact(synced, run, closed_port_url, "connection refused")
    assert run.counts["transient"] is True


def test_node_on_the_wrong_chain_is_refused(synced, anvil):
    Chain.objects.filter(pk=synced.pk).update(chain_id=8453)
    synced.refresh_from_db()
    run = services.sync_supply(chain=synced)
    _assert_failed_and_intact(synced, run, anvil.url, "node is on chain id 1")
    assert "expects 8453" in run.error
    assert run.counts["transient"] is False


def test_no_contract_at_the_address(synced, anvil, other_address):
    Deployment.objects.update(address=other_address)
    run = services.sync_supply(chain=synced)
    assert run.status == JobRun.Status.FAILED
    assert f"no contract at {other_address}" in run.error
    assert anvil.url in run.error
    assert SupplyObservation.objects.get().supply == Decimal("1234.5")


def test_a_revert_names_the_contract(synced, anvil, w3):
    # A DemoOracle has no totalSupply() and no fallback: the call reverts.
    not_a_token = evm_world.deploy_oracle(w3, decimals=8, description="not a token")
    Deployment.objects.update(address=not_a_token)
    run = services.sync_supply(chain=synced)
    assert run.status == JobRun.Status.FAILED
    assert f"reverted on {not_a_token}" in run.error
    assert anvil.url in run.error and synced.name in run.error
    assert run.counts["transient"] is False
    assert SupplyObservation.objects.get().supply == Decimal("1234.5")


def test_after_max_age_the_token_reads_stale(synced, closed_port_url, client, settings):
    # Time passing is played by rewriting rows: no whole answer is kept across it here (the
    # site keeps one at most PUBLIC_CACHE_SECONDS).
    settings.PUBLIC_CACHE_SECONDS = 0
    Chain.objects.filter(pk=synced.pk).update(rpc_url=closed_port_url, max_age_seconds=60)
    synced.refresh_from_db()
    assert services.sync_supply(chain=synced).status == JobRun.Status.FAILED
    api = client.get("/api/v1/tokens/XSTx/").json()["deployments"][0]["supply"]
    assert api["stale"] is False  # failed a moment ago, but the value is fresh enough

    # Two minutes pass: the last good observation is now older than the allowed 60 s.
    SupplyObservation.objects.update(observed_at=timezone.now() - dt.timedelta(minutes=2))

    api = client.get("/api/v1/tokens/XSTx/").json()["deployments"][0]["supply"]
    assert api["stale"] is True
    assert api["supply"] == "1234.5"
    page = client.get("/tokens/XSTx/").content.decode()
    assert 'data-supply="1234.5"' in page
    assert "status-stale" in page
    status = client.get("/status/").content.decode()
    assert "XSTx" in status and "connection refused" in status


def test_task_retries_transient_failures_only(synced, closed_port_url, anvil):
    Chain.objects.filter(pk=synced.pk).update(rpc_url=closed_port_url)
    with pytest.raises(Retry) as retry:
        tasks.sync_supply.apply(args=[synced.pk])
    assert isinstance(retry.value.exc, tasks.TransientSyncError)
    assert "connection refused" in str(retry.value.exc)
    failed = JobRun.objects.filter(status=JobRun.Status.FAILED).count()
    assert failed == 1

    Chain.objects.filter(pk=synced.pk).update(rpc_url=anvil.url, chain_id=5)
    result = tasks.sync_supply.apply(args=[synced.pk])
    assert result.successful()
    assert result.result["status"] == "failed"
    assert JobRun.objects.filter(status=JobRun.Status.FAILED).count() == failed + 1


def test_beat_fan_out_queues_one_sync_per_chain(synced):
    assert tasks.sync_supply_all.apply().result == [synced.pk]
    runs = JobRun.objects.filter(job=services.SUPPLY_JOB).order_by("started_at")
    assert [r.status for r in runs] == [JobRun.Status.OK, JobRun.Status.OK]
    assert runs.last().counts["created"] == 0
