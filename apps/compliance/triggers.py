"""Database triggers that make compliance_auditevent append-only.

PostgreSQL: a row trigger that raises on UPDATE and DELETE. SQLite (the embedded
default): two triggers that RAISE(ABORT). Installed by migration 0004; a later
migration that rebuilds the table on SQLite drops its triggers and must call
install() again (tests/compliance/test_audit.py checks that they are there).
"""

from __future__ import annotations

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
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS compliance_auditevent_no_update",
    "DROP TRIGGER IF EXISTS compliance_auditevent_no_delete",
]
SQLITE_INSTALL = [
    *SQLITE_REMOVE,
    """CREATE TRIGGER compliance_auditevent_no_update BEFORE UPDATE ON compliance_auditevent
       BEGIN SELECT RAISE(ABORT, 'compliance_auditevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER compliance_auditevent_no_delete BEFORE DELETE ON compliance_auditevent
       BEGIN SELECT RAISE(ABORT, 'compliance_auditevent is append-only: DELETE refused'); END""",
]


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
