"""The two PostgreSQL roles of a production database (README, "Deploying").

- the migration role owns every table and runs `manage.py migrate`;
- the app role, which the web and worker processes use, may read and write the
  site's tables but only SELECT and INSERT on the audit table: it cannot UPDATE,
  DELETE or TRUNCATE it, nor disable its trigger (that takes the owner).

`manage.py grant_app_role ROLE`, run as the migration role after each migrate,
issues these statements; the test suite runs them against PostgreSQL.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from .triggers import TABLE


def app_role_grants(role: str, *, connection: BaseDatabaseWrapper) -> list[str]:
    """GRANT/REVOKE statements that give `role` the app's rights in the current schema."""
    quoted = connection.ops.quote_name(role)
    return [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        # The audit trail: read and append only.
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {TABLE} FROM {quoted}",
        f"GRANT SELECT, INSERT ON {TABLE} TO {quoted}",
    ]
