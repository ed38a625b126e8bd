from __future__ import annotations

import pytest
from django.db import (
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
    connection,
    transaction,
)

from apps.compliance import audit
from apps.compliance.models import AppendOnlyError, AuditEvent
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


def test_triggers_are_installed():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["compliance_auditevent"],
            )
            names = {row[0] for row in cursor.fetchall()}
            assert names == {"compliance_auditevent_no_update", "compliance_auditevent_no_delete"}
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'compliance_auditevent'::regclass "
                "AND NOT tgisinternal"
            )
            assert {row[0] for row in cursor.fetchall()} == {"compliance_auditevent_append_only"}


def test_admin_cannot_change_or_delete_audit_events(client, event):
    admin = UserFactory(username="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/compliance/auditevent/").status_code == 200
    assert client.get(f"/admin/compliance/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(f"/admin/compliance/auditevent/{event.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    assert AuditEvent.objects.get().action == "case.approve"
