"""The public event log: alerts raised and cleared, statements and attestations, each once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.custody.services import import_statement
from apps.reserves.models import Attestation, PublicEvent
from apps.reserves.services import compute_snapshot
from apps.reserves.services.events import multiplier_change_event
from apps.reserves.signals import public_events_recorded
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db


def _hold(quantity: str, statement_id: str) -> None:
    import_statement(
        data=semt002(account="INC-001", holdings={AAPL_ISIN: quantity}, statement_id=statement_id)
    )


def test_under_backing_raised_and_cleared_are_recorded_once(
    aapl_world, django_capture_on_commit_callbacks
):
    token = aapl_world["token"]
    announced: list[list[int]] = []

    def listen(sender, *, event_ids, **kwargs):
        announced.append(event_ids)

    public_events_recorded.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _hold("990", "STMT-1")
            compute_snapshot(token=token)
            compute_snapshot(token=token)  # still short: nothing new
        raised = PublicEvent.objects.get(kind=PublicEvent.Kind.ALERT_RAISED)
        assert raised.token == token and raised.condition == "under_backed"
        assert "AAPLx is under-backed" in raised.body
        assert raised.data["snapshot_id"] is not None

        with django_capture_on_commit_callbacks(execute=True):
            _hold("1000", "STMT-2")
            compute_snapshot(token=token)
        cleared = PublicEvent.objects.get(kind=PublicEvent.Kind.ALERT_CLEARED)
        assert cleared.data["alert_id"] == raised.data["alert_id"]
    finally:
        public_events_recorded.disconnect(listen)

    statements = PublicEvent.objects.filter(kind=PublicEvent.Kind.STATEMENT)
    assert sorted(e.data["statement_id"] for e in statements) == ["STMT-1", "STMT-2"]
    assert all(e.token_id is None and e.issuer_id == token.issuer_id for e in statements)
    # Every event announced exactly once, after commit.
    flat = [pk for ids in announced for pk in ids]
    assert sorted(flat) == sorted(PublicEvent.objects.values_list("pk", flat=True))
    assert set(PublicEvent.objects.for_token(token)) == set(PublicEvent.objects.all())


def test_a_repeated_event_is_not_recorded_twice(aapl_world):
    token = aapl_world["token"]
    now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    kwargs = {
        "token": token,
        "chain_slug": "ethereum",
        "before": Decimal(1),
        "after": Decimal(4),
        "block_number": 7,
        "observed_at": now,
    }
    assert len(multiplier_change_event(**kwargs)) == 1
    assert multiplier_change_event(**kwargs) == []
    event = PublicEvent.objects.get()
    assert event.kind == "multiplier_changed" and event.data["after"] == "4"
    assert "1 -> 4" in event.title


def test_a_new_attestation_is_an_event_of_its_token(aapl_world):
    token = aapl_world["token"]
    attestation = Attestation.objects.create(
        token=token,
        auditor="Example Audit LLP",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        date=dt.date(2026, 11, 10),
    )
    attestation.summary = "changed"
    attestation.save()  # a change is not a second publication
    event = PublicEvent.objects.get()
    assert event.kind == "attestation" and event.token == token
    assert event.data["attestation_id"] == attestation.pk
