from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.custody.models import Holding, HoldingStatement
from apps.custody.services import import_statement
from apps.reserves.services import compute_snapshot
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(aapl_world):
    import_statement(data=semt002(account="INC-001", holdings={AAPL_ISIN: "1000"}))
    return compute_snapshot(token=aapl_world["token"])


def test_untouched_snapshot_matches(published, capsys):
    call_command("verify_reserves", "AAPLx", "--snapshot", str(published.pk), "--skip-chains")
    out = capsys.readouterr().out
    assert "ok   SHA-256 of STMT-1" in out
    assert "ok   shares required: published 999.6" in out
    assert out.strip().endswith("MATCH: every figure recomputed from its sources")


def test_altered_holding_row_is_reported_with_the_exact_difference(published, capsys):
    Holding.objects.filter(isin=AAPL_ISIN).update(quantity=Decimal("999.5"))
    with pytest.raises(CommandError, match="MISMATCH"):
        call_command("verify_reserves", "AAPLx", "--skip-chains")
    out = capsys.readouterr().out
    assert (
        "DIFF InCore Bank AG statement STMT-1 (INC-001), US0378331005 in the stored holdings: "
        "published 1000, recomputed 999.5" in out
    )
    assert "(difference -0.5)" in out
    assert "DIFF shares held" in out


def test_altered_source_file_fails_its_sha256(published, capsys):
    statement = HoldingStatement.objects.get()
    statement.source = bytes(statement.source).replace(b"1000", b"1001")
    statement.save(update_fields=["source"])
    with pytest.raises(CommandError):
        call_command("verify_reserves", "AAPLx", "--skip-chains")
    out = capsys.readouterr().out
    assert "DIFF SHA-256 of STMT-1" in out
    assert "in the source file: published 1000, recomputed 1001 (difference 1)" in out


def test_chain_read_failure_is_a_mismatch_not_a_match(
    published, capsys, monkeypatch, free_tcp_port
):
    # No node listens on a free port: the re-read fails and the figure is not confirmed.
    monkeypatch.setenv("RPC_URL_ETHEREUM", f"http://127.0.0.1:{free_tcp_port}/")
    monkeypatch.setenv("RPC_URL_SOLANA", f"http://127.0.0.1:{free_tcp_port}/")
    with pytest.raises(CommandError, match="MISMATCH"):
        call_command("verify_reserves", "AAPLx")
    assert "could not read" in capsys.readouterr().out


def test_unknown_symbol_is_an_error(db):
    with pytest.raises(CommandError, match="NOPEx: no snapshot yet"):
        call_command("verify_reserves", "NOPEx")
