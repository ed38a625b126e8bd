from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _audit_triggers_installed(request):
    """Every database test here starts with the append-only triggers in place."""
    marker = request.node.get_closest_marker("django_db")
    uses = {"db", "transactional_db"} & set(request.fixturenames)
    if marker is None and not uses:
        return
    from django.db import connection

    from apps.audit import triggers

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

    from apps.audit import triggers

    if connection.vendor == "sqlite":
        triggers.remove(connection)
