"""Moving JurisdictionRule, AccessLogEntry and AuditEvent out of the compliance app keeps
every row and the audit triggers: the migrations change Django's state, not the tables."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, OperationalError, ProgrammingError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.jurisdictions.models import AccessLogEntry, JurisdictionRule
from tests.audit.conftest import audit_flushable  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_MOVE = [("compliance", "0005_kyc_decision"), ("audit", None), ("jurisdictions", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def test_a_database_migrated_across_the_move_keeps_its_rows(audit_flushable):  # noqa: F811
    executor = _migrate(BEFORE_MOVE)
    old = executor.loader.project_state([BEFORE_MOVE[0]]).apps
    rule = old.get_model("compliance", "JurisdictionRule").objects.create(
        country="ZZ", status="blocked", reason="before the move", legal_basis="test"
    )
    entry = old.get_model("compliance", "AccessLogEntry").objects.create(
        country="ZZ", path="/onboarding/", ip_prefix="192.0.2.0/24", rule_id=rule.pk
    )
    event = old.get_model("compliance", "AuditEvent").objects.create(
        action="rule.set", created_at=timezone.now()
    )

    _migrate(executor.loader.graph.leaf_nodes())

    assert JurisdictionRule.objects.get(pk=rule.pk).reason == "before the move"
    assert AccessLogEntry.objects.get(pk=entry.pk).rule_id == rule.pk
    assert AuditEvent.objects.get(pk=event.pk).action == "rule.set"
    assert JurisdictionRule.objects.in_force().filter(region="UA-40").exists()
    with (
        pytest.raises((IntegrityError, InternalError, OperationalError, ProgrammingError)),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM compliance_auditevent WHERE id = %s", [event.pk])
