from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import (
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
    connection,
    transaction,
)

from apps.audit import services as audit
from apps.audit import triggers
from apps.audit.models import AppendOnlyError, AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# SQLite's RAISE(ABORT) and PostgreSQL's insufficient_privilege map to these.
DB_REFUSALS = (IntegrityError, InternalError, OperationalError, ProgrammingError)


@pytest.fixture
def event():
    return audit.record(
        actor=UserFactory(username="olivia@example.org"),
        action="case.approve",
        before={"state": "in_review"},
        after={"state": "approved"},
        ip="85.214.132.117",
    )


def test_event_keeps_actor_action_before_after_time_and_ip(event):
    stored = AuditEvent.objects.get()
    assert stored.actor_label == "olivia@example.org"
    assert (stored.action, stored.before, stored.after) == (
        "case.approve",
        {"state": "in_review"},
        {"state": "approved"},
    )
    assert stored.ip_address == "85.214.132.117" and stored.created_at is not None


def test_application_refuses_to_change_or_delete(event):
    event.action = "case.reject"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "case.approve"


def test_database_refuses_update(event):
    with (
        pytest.raises(DB_REFUSALS, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE compliance_auditevent SET action = %s WHERE id = %s", ["forged", event.pk]
        )
    assert AuditEvent.objects.get().action == "case.approve"


def test_database_refuses_delete(event):
    with (
        pytest.raises(DB_REFUSALS, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM compliance_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.count() == 1


def test_replace_cannot_rewrite_an_event(event):
    """SQLite's REPLACE INTO deletes the old row without DELETE triggers; PostgreSQL's
    upsert is an UPDATE. Both are refused."""
    if connection.vendor == "sqlite":
        sql = (
            "REPLACE INTO compliance_auditevent (id, created_at, actor_label, action, "
            "object_type, object_id, object_repr, before, after, ip_address) "
            "VALUES (%s, %s, '', 'forged', '', '', '', NULL, NULL, NULL)"
        )
    else:
        sql = (
            "INSERT INTO compliance_auditevent (id, created_at, actor_label, action, "
            "object_type, object_id, object_repr, before, after, ip_address) "
            "VALUES (%s, %s, '', 'forged', '', '', '', NULL, NULL, NULL) "
            "ON CONFLICT (id) DO UPDATE SET action = EXCLUDED.action"
        )
    with (
        pytest.raises(DB_REFUSALS, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk, event.created_at])
    stored = AuditEvent.objects.get()
    assert (stored.pk, stored.action) == (event.pk, "case.approve")


def test_new_events_still_insert_after_the_replace_guard(event):
    audit.record(actor=None, action="staff.login")
    assert AuditEvent.objects.count() == 2


def test_triggers_are_installed_after_all_migrations(tmp_path):
    """A fresh database migrated from nothing has every trigger (SQLite), and so has the
    test database (PostgreSQL, where no test removes them)."""
    if connection.vendor == "postgresql":
        assert triggers.installed(connection) == triggers.PG_TRIGGERS
    database = tmp_path / "fresh.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XSTOCKS_ENV"}},
        "DATABASE_URL": f"sqlite:///{database}",
        "XSTOCKS_VAR_DIR": str(tmp_path / "var"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=240,
    )
    with sqlite3.connect(database) as fresh:
        names = {
            row[0]
            for row in fresh.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                [triggers.TABLE],
            )
        }
    assert names == triggers.SQLITE_TRIGGERS


def test_admin_cannot_change_or_delete_audit_events(client, event):
    admin = UserFactory(username="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    assert AuditEvent.objects.get().action == "case.approve"
