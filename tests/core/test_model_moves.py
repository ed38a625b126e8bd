"""Models moved between apps keep their rows: chains.SyncRun is core.JobRun (runs keep
their chain as the scope slug and lose the node's key); Custodian, CustodyAccount and
OracleFeed are catalogue models on the same tables."""

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


@pytest.mark.django_db(transaction=True)
def test_custodians_accounts_and_feeds_keep_their_rows_in_the_catalogue():
    before = [
        # The catalogue before the move, so its later migrations (price feeds) go back too.
        ("catalog", "0002_chain_confirmations_chain_max_age_seconds"),
        ("custody", "0002_holdingstatement_holding_and_more"),
        ("chains", "0003_syncrun_to_core_jobrun"),
    ]
    after = [
        ("catalog", "0003_registry_entities"),
        ("custody", "0003_custodians_to_catalog"),
        ("chains", "0004_oraclefeed_to_catalog"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Issuer = old.get_model("catalog", "Issuer")
    Security = old.get_model("catalog", "Security")
    Token = old.get_model("catalog", "Token")
    Chain = old.get_model("catalog", "Chain")
    issuer = Issuer.objects.create(slug="spv", name="SPV Ltd", jurisdiction="JE")
    security = Security.objects.create(ticker="AAPL", name="Apple", isin="US0378331005")
    token = Token.objects.create(
        symbol="AAPLx", name="Apple xStock", issuer=issuer, security=security, multiplier="1"
    )
    chain = Chain.objects.create(slug="ethereum", kind="evm", name="Ethereum", chain_id=1)
    custodian = old.get_model("custody", "Custodian").objects.create(
        slug="incore", name="InCore Bank AG", country="CH"
    )
    account = old.get_model("custody", "CustodyAccount").objects.create(
        custodian=custodian, account_id="INC-1", issuer=issuer
    )
    feed = old.get_model("chains", "OracleFeed").objects.create(
        token=token, chain=chain, address="0x" + "1" * 40
    )
    statement = old.get_model("custody", "HoldingStatement").objects.create(
        custodian=custodian,
        account=account,
        statement_id="S1",
        statement_date=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        format="csv",
        sha256="0" * 64,
        source=b"x",
        imported_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    assert new.get_model("catalog", "Custodian").objects.get(pk=custodian.pk).slug == "incore"
    moved = new.get_model("catalog", "CustodyAccount").objects.get(pk=account.pk)
    assert (moved.account_id, moved.issuer_id) == ("INC-1", issuer.pk)
    assert new.get_model("catalog", "OracleFeed").objects.get(pk=feed.pk).token_id == token.pk
    kept = new.get_model("custody", "HoldingStatement").objects.get(pk=statement.pk)
    assert kept.account_id == account.pk and kept.custodian_id == custodian.pk

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
