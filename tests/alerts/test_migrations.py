"""Events recorded before the alerts app existed are history, not news for its first
subscribers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.alerts.models import Announcement
from apps.alerts.services.deliveries import unannounced_events
from apps.reserves.models import PublicEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_events_older_than_the_alerts_app_count_as_announced():
    executor = MigrationExecutor(connection)
    executor.migrate([("alerts", None)])
    event = PublicEvent.objects.create(
        key="statement:old",
        kind=PublicEvent.Kind.STATEMENT,
        title="an old statement",
        occurred_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Announcement.objects.filter(event=event).exists()
    assert unannounced_events() == []
