"""Officer accounts: every change of the Compliance group is audited, wherever it is made,
and staff sessions are short."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.audit.context import acting_as
from apps.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, InvestorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def _events(action: str):
    return AuditEvent.objects.filter(action=action).order_by("id")


@pytest.fixture
def compliance():
    return Group.objects.get_or_create(name="Compliance")[0]


def test_shell_changes_in_both_directions_are_audited(compliance):
    alice, bob = UserFactory(username="alice@example.org"), UserFactory(username="bob@example.org")
    alice.groups.add(compliance)
    compliance.user_set.add(bob)
    other = Group.objects.create(name="Readers")
    alice.groups.add(other)  # not the Compliance group: not an officer change
    alice.groups.remove(compliance)
    compliance.user_set.clear()
    grants = [(e.object_id, e.actor_id) for e in _events("officer.grant")]
    revokes = [e.object_id for e in _events("officer.revoke")]
    assert grants == [(str(alice.pk), None), (str(bob.pk), None)]
    assert revokes == [str(alice.pk), str(bob.pk)]


def test_user_groups_clear_and_group_delete_are_audited(compliance):
    alice = UserFactory(username="alice@example.org")
    alice.groups.add(compliance)
    alice.groups.clear()
    assert _events("officer.revoke").count() == 1
    alice.groups.add(compliance)
    with acting_as("manage.py shell"):
        compliance.delete()
    event = _events("officer.revoke").last()
    assert event.object_id == str(alice.pk) and event.after["via"] == "manage.py shell"


def test_renaming_the_group_is_audited(compliance):
    alice = UserFactory(username="alice@example.org")
    alice.groups.add(compliance)
    compliance.name = "Former compliance"
    compliance.save()
    assert _events("officer.revoke").get().object_id == str(alice.pk)


def test_admin_change_is_audited_with_the_admin_and_address(client, compliance):
    root = UserFactory(username="root@example.org", is_staff=True, is_superuser=True)
    alice = UserFactory(username="alice@example.org")
    client.force_login(root)
    response = client.post(
        f"/admin/auth/user/{alice.pk}/change/",
        {
            "username": alice.username,
            "email": alice.email,
            "is_active": "on",
            "groups": [compliance.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        },
        REMOTE_ADDR="85.214.132.117",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = _events("officer.grant").get()
    assert (event.object_id, event.actor, event.ip_address) == (
        str(alice.pk),
        root,
        "85.214.132.117",
    )


# Sessions --------------------------------------------------------------------------


def _log_in(client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_officer_sessions_expire_after_a_working_day_idle(client, officer, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 8 * 3600
    _log_in(client, officer.username)
    assert client.session.get_expiry_age() == 8 * 3600
    client.get("/compliance/")
    expiry = client.session.get_expiry_date()
    assert abs((expiry - timezone.now()).total_seconds() - 8 * 3600) < 60
    assert client.cookies["sessionid"]["max-age"] == 8 * 3600


def test_investor_sessions_keep_the_default_age(client, settings):
    investor = InvestorProfileFactory()
    _log_in(client, investor.user.username)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
