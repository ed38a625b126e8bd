from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.catalog.models import Custodian
from apps.custody.parsers import quoted
from apps.custody.services import StatementRejected, import_statement, read_statement_file


class Command(BaseCommand):
    help = "Import a custodian statement (ISO 20022 semt.002 XML or CSV), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--custodian", help="custodian slug the statement comes from")

    def handle(self, *args: Any, path: Path, custodian: str | None, **options: Any) -> None:
        owner = None
        if custodian:
            owner = Custodian.objects.filter(slug=custodian).first()
            if owner is None:
                raise CommandError(f"unknown custodian {quoted(custodian)}")
        try:
            result = import_statement(
                data=read_statement_file(path.resolve()),
                source_name=path.name,
                custodian=owner,
                via="command",
            )
        except StatementRejected as exc:
            raise CommandError(f"{path}: refused, nothing imported: {exc}") from None
        self.stdout.write(f"{path}: {result.message}")
