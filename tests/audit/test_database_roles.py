"""PostgreSQL: a migration role owns the audit table, the app role may only read and append.

The roles are created with unique names for this test and dropped afterwards. Run on
PostgreSQL (CI); skipped on SQLite, which has no roles.
"""

from __future__ import annotations

import secrets

import pytest
from django.db import connection

from apps.audit.roles import app_role_grants
from apps.audit.triggers import TABLE

pytestmark = pytest.mark.django_db(transaction=True)

INSERT = (
    f"INSERT INTO {TABLE} (created_at, actor_label, action, object_type, object_id, "
    "object_repr, before, after, ip_address) "
    "VALUES (now(), '', %s, '', '', '', NULL, NULL, NULL) RETURNING id"
)


def _connect(role: str | None = None):
    import psycopg

    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"],
        user=role or params["USER"],
        password=None if role else (params["PASSWORD"] or None),
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        autocommit=True,
    )


@pytest.fixture
def roles():
    if connection.vendor != "postgresql":
        pytest.skip("database roles are a PostgreSQL feature")
    suffix = secrets.token_hex(4)
    owner, app = f"xstocks_test_owner_{suffix}", f"xstocks_test_app_{suffix}"
    admin = _connect()
    with admin.cursor() as cur:
        cur.execute(f"SELECT tableowner FROM pg_tables WHERE tablename = '{TABLE}'")
        original_owner = cur.fetchone()[0]
        cur.execute(f'CREATE ROLE "{owner}" NOLOGIN')
        cur.execute(f'CREATE ROLE "{app}" LOGIN')
        cur.execute(f'ALTER TABLE {TABLE} OWNER TO "{owner}"')
        for statement in app_role_grants(app, connection=connection):
            cur.execute(statement)
    try:
        yield app
    finally:
        with admin.cursor() as cur:
            cur.execute(f'ALTER TABLE {TABLE} OWNER TO "{original_owner}"')
            cur.execute(f'DROP OWNED BY "{app}", "{owner}"')
            cur.execute(f'DROP ROLE "{app}"')
            cur.execute(f'DROP ROLE "{owner}"')
        admin.close()


def test_app_role_can_only_read_and_append_the_audit_trail(roles):
    import psycopg

    with _connect(roles) as app:
        with app.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone() == (roles,)
            cur.execute(INSERT, ["role.test"])
            event_id = cur.fetchone()[0]
            cur.execute(f"SELECT action FROM {TABLE} WHERE id = %s", [event_id])
            assert cur.fetchone() == ("role.test",)
        refused = [
            (f"UPDATE {TABLE} SET action = 'forged' WHERE id = %s", [event_id]),
            (f"DELETE FROM {TABLE} WHERE id = %s", [event_id]),
            (f"TRUNCATE {TABLE}", None),
            (f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL", None),
            (f"ALTER TABLE {TABLE} DISABLE TRIGGER compliance_auditevent_append_only", None),
            (f"DROP TRIGGER compliance_auditevent_append_only ON {TABLE}", None),
        ]
        for sql, params in refused:
            # Refused by the role's rights ("permission denied", "must be owner"), not by
            # the trigger, which would say "append-only".
            with (
                pytest.raises(psycopg.errors.InsufficientPrivilege, match=r"denied|owner"),
                app.cursor() as cur,
            ):
                cur.execute(sql, params)
        with app.cursor() as cur:
            cur.execute(f"SELECT action FROM {TABLE} WHERE id = %s", [event_id])
            assert cur.fetchone() == ("role.test",)
            # Other tables stay fully usable by the app role.
            cur.execute("SELECT count(*) FROM django_session")
