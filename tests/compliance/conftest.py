from __future__ import annotations

import pytest

from tests.factories import KycCaseFactory, make_officer


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(db):
    return make_officer("olivia@example.org")


@pytest.fixture
def second_officer(db):
    return make_officer("oscar@example.org")


@pytest.fixture
def submitted_case(db):
    """An investor's case, submitted (documents are not needed for decisions)."""
    from apps.onboarding.services import transition_case

    case = KycCaseFactory(declaration__profile__full_name="Alice Example")
    return transition_case(case=case, to_state="submitted", actor=case.user)


@pytest.fixture
def high_risk_case(submitted_case):
    from apps.onboarding.models import KycCase

    KycCase.objects.filter(pk=submitted_case.pk).update(
        high_risk=True, risk_reasons=["1 potential sanctions match(es), best score 91.0"]
    )
    submitted_case.refresh_from_db()
    return submitted_case


@pytest.fixture(autouse=True)
def _audit_triggers_installed(request):
    """Every database test here starts with the append-only triggers in place."""
    marker = request.node.get_closest_marker("django_db")
    uses = {"db", "transactional_db"} & set(request.fixturenames)
    if marker is None and not uses:
        return
    from django.db import connection

    from apps.compliance import triggers

    transactional = "transactional_db" in uses or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    triggers.install(connection)


@pytest.fixture
def audit_flushable(transactional_db):
    """For transactional (live-server) tests that write audit events on SQLite.

    Between such tests the database is emptied with DELETE, which the SQLite
    trigger refuses; this drops the triggers just before that flush (the next
    compliance test reinstalls them). PostgreSQL empties tables with TRUNCATE,
    which the row trigger does not see.
    """
    yield
    from django.db import connection

    from apps.compliance import triggers

    if connection.vendor == "sqlite":
        triggers.remove(connection)
