"""chains.SyncRun moved to core.JobRun: a database migrated across the move keeps its runs,
their chain (as the scope slug) and their observations' link, and loses the node's key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("chains", "0001_initial"), ("catalog", "0002_chain_confirmations_chain_max_age_seconds")]
AFTER = [("chains", "0003_syncrun_to_core_jobrun"), ("core", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_sync_runs_survive_the_move_to_core():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Chain = old.get_model("catalog", "Chain")
    SyncRun = old.get_model("chains", "SyncRun")
    chain = Chain.objects.create(slug="ethereum", kind="evm", name="Ethereum", chain_id=1)
    now = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    run = SyncRun.objects.create(
        job="sync_supply",
        chain=chain,
        node="https://eth-mainnet.g.alchemy.com/v2/OldLeakedKey123",
        started_at=now,
        status="failed",
        error="Ethereum (https://eth-mainnet.g.alchemy.com/v2/OldLeakedKey123): timed out",
    )
    SyncRun.objects.create(job="sync_prices", started_at=now, status="ok")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    executor.loader.build_graph()
    new = executor.loader.project_state(AFTER).apps
    JobRun = new.get_model("core", "JobRun")
    assert JobRun._meta.db_table == "core_jobrun"
    moved = JobRun.objects.get(pk=run.pk)
    assert moved.scope == "ethereum"
    assert moved.node == "https://eth-mainnet.g.alchemy.com"
    assert "OldLeakedKey123" not in moved.error
    assert JobRun.objects.get(job="sync_prices").scope == ""

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
