from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.custody.models import HoldingStatement
from apps.reserves.models import ReserveSnapshot
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db


def test_thousand_shares_back_980_tokens_at_1_02(
    aapl_world, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "incore.xml"
    path.write_bytes(semt002(account="INC-001", holdings={"US0378331005": "1000"}))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_custody_statement", str(path), "--custodian", "incore")
    snapshot = ReserveSnapshot.objects.get(token=aapl_world["token"])
    assert snapshot.circulating_supply == Decimal("980")
    assert snapshot.shares_required == Decimal("999.6")
    assert snapshot.shares_held == Decimal("1000")
    assert snapshot.ratio_percent == Decimal("100.04")
    assert snapshot.status == "backed"
    assert HoldingStatement.objects.count() == 1


def _import(path, callbacks):
    with callbacks(execute=True):
        call_command("import_custody_statement", str(path))


def test_backing_shows_on_pages_and_api(
    aapl_world, tmp_path, client, django_capture_on_commit_callbacks
):
    path = tmp_path / "incore.xml"
    path.write_bytes(semt002(account="INC-001", holdings={"US0378331005": "1000"}))
    _import(path, django_capture_on_commit_callbacks)

    page = client.get("/transparency/AAPLx/").content.decode()
    assert "100.04 %" in page and "999.6" in page and "Backed" in page
    assert "19000000" in page and "https://etherscan.io/block/19000000" in page
    overview = client.get("/transparency/").content.decode()
    assert "100.04 %" in overview and "InCore Bank AG" in overview
    catalogue = client.get("/tokens/").content.decode()
    assert "100.04 %" in catalogue
    detail = client.get("/tokens/AAPLx/").content.decode()
    assert "100.04 %" in detail and "/transparency/AAPLx/" in detail

    data = client.get("/api/v1/tokens/AAPLx/reserves/").json()
    assert data["status"] == "backed"
    assert data["shares_required"] == "999.6"
    assert data["shares_held"] == "1000"
    assert data["ratio"].startswith("1.00040016")
    assert data["circulating_supply"] == "980"
    assert {c["chain"] for c in data["supply_by_chain"]} == {"ethereum", "solana"}
    assert data["supply_by_chain"][0]["block_number"] in (19_000_000, 250_000_000)
    statement = data["holdings_by_custodian"][0]["statements"][0]
    assert statement["statement_id"] == "STMT-1" and len(statement["sha256"]) == 64
    assert data["as_of"]
    listing = client.get("/api/v1/reserves/").json()
    assert (
        listing["results"][0]["symbol"] == "AAPLx" and listing["results"][0]["status"] == "backed"
    )
    history = client.get("/api/v1/tokens/AAPLx/reserves/history/?since=2020-01-01").json()
    assert len(history["history"]) == 1 and history["history"][0]["shares_required"] == "999.6"
