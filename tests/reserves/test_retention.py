"""Retention: job runs, supply observations and resolved alerts are pruned by age, and
nothing a published snapshot refers to (or the latest of anything) is ever removed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.chains.models import SupplyObservation
from apps.chains.tasks import prune_supply_observations
from apps.core.models import JobRun
from apps.core.tasks import prune_job_runs
from apps.reserves.models import Alert, ReserveSnapshot
from apps.reserves.services import compute_snapshot
from apps.reserves.tasks import prune_resolved_alerts
from apps.reserves.verify import verify_snapshot
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import observe, semt002

pytestmark = pytest.mark.django_db

OLD = dt.timedelta(days=400)


def _age(observation: SupplyObservation, by: dt.timedelta) -> None:
    SupplyObservation.objects.filter(pk=observation.pk).update(
        observed_at=observation.observed_at - by
    )


def test_old_observations_go_except_the_latest_and_those_a_snapshot_names(aapl_world, settings):
    from apps.custody.services import import_statement

    settings.SUPPLY_OBSERVATION_RETENTION_DAYS = 30
    eth = aapl_world["eth"]
    import_statement(data=semt002(account="INC-001", holdings={AAPL_ISIN: "1000"}))
    # The snapshot names the observations current now (the conftest's two).
    snapshot = compute_snapshot(token=aapl_world["token"])
    named = {c["observation_id"] for c in snapshot.provenance["supply_by_chain"]}
    newer = observe(eth, supply="601", escrow="0", block=19_000_001)
    unnamed = observe(eth, supply="599", escrow="0", block=18_999_000)
    for obs in SupplyObservation.objects.all():
        _age(obs, OLD)
    latest = observe(eth, supply="602", escrow="0", block=19_000_002)

    deleted = prune_supply_observations.delay().get()

    left = set(SupplyObservation.objects.values_list("pk", flat=True))
    assert deleted == 2
    assert named <= left  # the published snapshot stays re-derivable
    assert latest.pk in left
    assert newer.pk not in left and unnamed.pk not in left
    snapshot.refresh_from_db()
    assert verify_snapshot(snapshot=snapshot, read_chains=False).ok


def test_each_deployment_keeps_its_latest_observation_however_old(aapl_world):
    for obs in SupplyObservation.objects.all():
        _age(obs, OLD)
    assert prune_supply_observations.delay().get() == 0
    assert SupplyObservation.objects.count() == 2


def test_old_job_runs_go_but_the_latest_of_each_job_stays(settings):
    settings.JOB_RUN_RETENTION_DAYS = 30
    now = timezone.now()
    for scope in ("ethereum", "solana"):
        for days in (90, 60, 45):
            JobRun.objects.create(
                job="sync_supply",
                scope=scope,
                started_at=now - dt.timedelta(days=days),
                finished_at=now,
                status=JobRun.Status.OK,
            )
    recent = JobRun.objects.create(job="sync_supply", scope="ethereum", started_at=now, status="ok")
    running = JobRun.objects.create(
        job="sync_prices", started_at=now - dt.timedelta(days=90), status=JobRun.Status.RUNNING
    )
    assert prune_job_runs.delay().get() == 5  # ethereum: 3 old; solana: 2 (its latest stays)
    left = set(JobRun.objects.values_list("pk", flat=True))
    assert recent.pk in left and running.pk in left
    assert JobRun.objects.filter(scope="solana").count() == 1


def test_resolved_alerts_go_after_their_age_open_ones_never(aapl_world, settings):
    settings.RESERVE_ALERT_RETENTION_DAYS = 365
    now = timezone.now()
    token = aapl_world["token"]
    old = Alert.objects.create(
        token=token,
        condition="stale",
        message="old",
        raised_at=now - OLD,
        resolved_at=now - OLD,
        emailed_at=now - OLD,
    )
    recent = Alert.objects.create(
        token=token,
        condition="stale",
        message="recent",
        raised_at=now - OLD,
        resolved_at=now - dt.timedelta(days=2),
    )
    still_open = Alert.objects.create(
        token=token, condition="under_backed", message="open", raised_at=now - OLD
    )
    assert prune_resolved_alerts.delay().get() == 1
    assert set(Alert.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert not Alert.objects.filter(pk=old.pk).exists()


def test_every_retention_task_is_scheduled(settings):
    tasks = {spec["task"] for spec in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "core.prune_job_runs",
        "chains.prune_supply_observations",
        "apps.reserves.tasks.prune_resolved_alerts",
    } <= tasks


def test_snapshots_are_never_pruned(aapl_world):
    compute_snapshot(token=aapl_world["token"])
    ReserveSnapshot.objects.update(computed_at=timezone.now() - OLD)
    call_command("compute_reserves")
    for task in (prune_job_runs, prune_supply_observations, prune_resolved_alerts):
        task.delay().get()
    assert ReserveSnapshot.objects.count() >= 1
