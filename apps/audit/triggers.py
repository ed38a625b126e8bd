"""Database triggers that make the audit table (compliance_auditevent) append-only.

PostgreSQL: a row trigger that raises on UPDATE and DELETE (INSERT ... ON
CONFLICT DO UPDATE fires it too). TRUNCATE and ALTER TABLE ... DISABLE TRIGGER
are refused by the database role instead: the site runs as a role with SELECT
and INSERT only on this table (README, "Deploying"; apps.audit.roles).

SQLite (the embedded default): triggers that RAISE(ABORT) on UPDATE and
DELETE, and on an INSERT whose id already exists, so `REPLACE INTO` (which
deletes the old row without firing DELETE triggers) cannot rewrite an event.

A migration that rebuilds the table on SQLite drops its triggers and must call
install() again (tests/audit/test_append_only.py checks that they are there).
"""

from __future__ import annotations

TABLE = "compliance_auditevent"

PG_INSTALL = """
CREATE OR REPLACE FUNCTION compliance_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'compliance_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS compliance_auditevent_append_only ON compliance_auditevent;
CREATE TRIGGER compliance_auditevent_append_only
    BEFORE UPDATE OR DELETE ON compliance_auditevent
    FOR EACH ROW EXECUTE FUNCTION compliance_auditevent_refuse_change();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS compliance_auditevent_append_only ON compliance_auditevent;
DROP FUNCTION IF EXISTS compliance_auditevent_refuse_change();
"""
SQLITE_TRIGGERS = {
    "compliance_auditevent_no_update",
    "compliance_auditevent_no_delete",
    "compliance_auditevent_no_replace",
}
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {name}" for name in sorted(SQLITE_TRIGGERS)]
SQLITE_INSTALL = [
    *SQLITE_REMOVE,
    """CREATE TRIGGER compliance_auditevent_no_update BEFORE UPDATE ON compliance_auditevent
       BEGIN SELECT RAISE(ABORT, 'compliance_auditevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER compliance_auditevent_no_delete BEFORE DELETE ON compliance_auditevent
       BEGIN SELECT RAISE(ABORT, 'compliance_auditevent is append-only: DELETE refused'); END""",
    # REPLACE INTO deletes a conflicting row without firing DELETE triggers (unless
    # recursive_triggers is on): refuse any INSERT that names an id already taken.
    """CREATE TRIGGER compliance_auditevent_no_replace BEFORE INSERT ON compliance_auditevent
       WHEN NEW.id IS NOT NULL
            AND EXISTS (SELECT 1 FROM compliance_auditevent WHERE id = NEW.id)
       BEGIN SELECT RAISE(ABORT, 'compliance_auditevent is append-only: REPLACE refused'); END""",
]
PG_TRIGGERS = {"compliance_auditevent_append_only"}


def _run(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            # No parameters: psycopg must not read the '%' in the PL/pgSQL body.
            cursor.execute(statement, None)


def install(connection) -> None:
    if connection.vendor == "postgresql":
        _run(connection, [PG_INSTALL])
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_INSTALL)
    else:
        raise NotImplementedError(f"no append-only trigger for {connection.vendor}")


def remove(connection) -> None:
    if connection.vendor == "postgresql":
        _run(connection, [PG_REMOVE])
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_REMOVE)


def installed(connection) -> set[str]:
    """Names of the audit table's triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
        return {row[0] for row in cursor.fetchall()}


def expected() -> set[str]:
    """The trigger names install() creates on the current database."""
    from django.db import connection

    return PG_TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS
