from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from apps.audit.roles import app_role_grants


class Command(BaseCommand):
    help = (
        "Give a PostgreSQL role the web app's rights: read and write the site's tables, "
        "only read and append the audit trail. Run as the role that owns the tables "
        "(the one that runs migrate), after every migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("database roles apply to PostgreSQL only")
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in app_role_grants(role, connection=connection):
                cursor.execute(statement)
        self.stdout.write(f"{role}: SELECT, INSERT on the audit trail; full use of other tables")
