from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.chains.signals import supply_synced
from apps.custody.services import import_statement
from apps.reserves.models import Alert, ReserveSnapshot
from apps.reserves.services import compute_snapshot
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import observe, semt002

pytestmark = pytest.mark.django_db


def _hold(quantity: str, *, statement_id: str = "STMT-1", date: str | None = None) -> None:
    import_statement(
        data=semt002(
            account="INC-001", holdings={AAPL_ISIN: quantity}, statement_id=statement_id, date=date
        )
    )


def test_escrow_on_a_bridged_chain_is_not_counted(aapl_world):
    observe(aapl_world["eth"], supply="700", escrow="100", block=19_000_001)
    _hold("1000")
    snapshot = compute_snapshot(token=aapl_world["token"])
    eth = next(c for c in snapshot.provenance["supply_by_chain"] if c["chain"] == "ethereum")
    assert (eth["supply"], eth["escrow"], eth["circulating"]) == ("700", "100", "600")
    assert eth["block_number"] == 19_000_001
    assert snapshot.circulating_supply == Decimal("980")


def test_no_statement_is_unknown(aapl_world):
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert snapshot.status == "unknown" and snapshot.ratio is None
    assert snapshot.shares_required == Decimal("999.6") and snapshot.shares_held is None
    assert "no custodian statement" in snapshot.provenance["missing"][0]


def test_deployment_never_read_is_unknown(aapl_world):
    aapl_world["sol"].supply_observations.all().delete()
    _hold("1000")
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert snapshot.status == "unknown" and snapshot.shares_required is None
    assert snapshot.provenance["missing"] == ["no supply read yet on Solana"]


def test_under_backed_raises_one_alert_emails_once_and_resolves(aapl_world, mailoutbox, settings):
    settings.COMPLIANCE_EMAIL = "desk@example.test"
    _hold("990")
    first = compute_snapshot(token=aapl_world["token"])
    assert first.status == "under_backed"
    compute_snapshot(token=aapl_world["token"])  # still short: no second alert, no second mail
    alert = Alert.objects.get()
    assert alert.condition == "under_backed" and alert.resolved_at is None and alert.emailed_at
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["desk@example.test"]
    assert "AAPLx is under-backed" in mailoutbox[0].body

    _hold("1000", statement_id="STMT-2")
    assert compute_snapshot(token=aapl_world["token"]).status == "backed"
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert len(mailoutbox) == 1


def test_open_alert_shows_as_a_banner_on_the_token_pages(aapl_world, client):
    _hold("900")
    compute_snapshot(token=aapl_world["token"])
    for url in ("/transparency/AAPLx/", "/tokens/AAPLx/", "/transparency/"):
        html = client.get(url).content.decode()
        assert 'class="banner" role="alert"' in html and "Under-backed" in html, url


def test_tolerance_keeps_a_small_shortfall_backed(aapl_world, settings):
    settings.RESERVE_TOLERANCE_BPS = 10  # 0.1 %
    _hold("999")  # 999 / 999.6 = 99.94 %
    assert compute_snapshot(token=aapl_world["token"]).status == "backed"
    settings.RESERVE_TOLERANCE_BPS = 5
    assert compute_snapshot(token=aapl_world["token"]).status == "under_backed"


def test_old_supply_is_stale_and_raises_a_stale_alert(aapl_world):
    observe(aapl_world["eth"], supply="600", block=19_000_002, age=dt.timedelta(hours=3))
    aapl_world["eth"].supply_observations.filter(block_number=19_000_000).delete()
    _hold("1000")
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert snapshot.status == "stale"
    assert "supply on Ethereum is" in snapshot.provenance["stale"][0]
    assert Alert.objects.get(resolved_at__isnull=True).condition == "stale"


def test_old_statement_is_stale(aapl_world, settings):
    settings.RESERVE_STATEMENT_MAX_AGE_HOURS = 24
    old = (timezone.now() - dt.timedelta(days=3)).date().isoformat()
    _hold("1000", date=old)
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert snapshot.status == "stale" and "statement STMT-1" in snapshot.provenance["stale"][0]


def test_unchanged_inputs_write_no_new_row_but_changes_do(aapl_world):
    _hold("1000")
    first = compute_snapshot(token=aapl_world["token"])
    second = compute_snapshot(token=aapl_world["token"])
    assert second.pk == first.pk and second.checked_at >= first.checked_at
    observe(aapl_world["sol"], supply="390", block=250_000_100)
    third = compute_snapshot(token=aapl_world["token"])
    assert third.pk != first.pk and third.circulating_supply == Decimal("990")
    assert ReserveSnapshot.objects.filter(token=aapl_world["token"]).count() == 2


def test_supply_sync_signal_recomputes_the_tokens(aapl_world, django_capture_on_commit_callbacks):
    _hold("1000")
    observe(aapl_world["eth"], supply="650", block=19_000_050)
    with django_capture_on_commit_callbacks(execute=True):
        supply_synced.send(
            sender=None, chain=aapl_world["eth"].chain, token_ids=[aapl_world["token"].pk]
        )
    latest = ReserveSnapshot.objects.filter(token=aapl_world["token"]).first()
    assert latest.circulating_supply == Decimal("1030")
    assert latest.status == "under_backed"


def test_holdings_at_two_custodians_are_summed(aapl_world):
    from tests.factories import CustodianFactory, CustodyAccountFactory

    CustodyAccountFactory(
        custodian=CustodianFactory(slug="maerki", name="Maerki Baumann & Co. AG"),
        account_id="MB-7",
        issuer=aapl_world["token"].issuer,
    )
    _hold("600")
    import_statement(data=semt002(account="MB-7", holdings={AAPL_ISIN: "400"}, statement_id="M-1"))
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert snapshot.shares_held == Decimal("1000") and snapshot.status == "backed"
    by = {c["custodian"]: c["quantity"] for c in snapshot.provenance["holdings_by_custodian"]}
    assert by == {"incore": "600", "maerki": "400"}


def test_compute_reserves_command_prints_each_token(aapl_world, capsys):
    from django.core.management import CommandError, call_command

    _hold("1000")
    call_command("compute_reserves", "AAPLx")
    assert "AAPLx: backed 100.04 %" in capsys.readouterr().out
    with pytest.raises(CommandError, match="unknown token"):
        call_command("compute_reserves", "NOPEx")


def test_alert_mail_that_failed_is_sent_on_the_next_computation(aapl_world, mailoutbox):
    from unittest import mock

    _hold("900")
    with mock.patch(
        "apps.reserves.services.email.send_mail", autospec=True, side_effect=OSError("smtp down")
    ):
        compute_snapshot(token=aapl_world["token"])
    assert Alert.objects.get().emailed_at is None and not mailoutbox
    compute_snapshot(token=aapl_world["token"])
    assert Alert.objects.get().emailed_at is not None and len(mailoutbox) == 1
    compute_snapshot(token=aapl_world["token"])
    assert len(mailoutbox) == 1
