from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.custody.models import Custodian
from apps.custody.services import StatementRejected, import_statement, max_statement_bytes


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
                raise CommandError(f"unknown custodian {custodian!r}")
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        if size > max_statement_bytes():
            raise CommandError(
                f"{path}: refused, nothing imported: file is {size} bytes; "
                f"statements are limited to {max_statement_bytes()} bytes"
            )
        try:
            result = import_statement(
                data=path.read_bytes(), source_name=path.name, custodian=owner, via="command"
            )
        except StatementRejected as exc:
            raise CommandError(f"{path}: refused, nothing imported: {exc}") from None
        self.stdout.write(f"{path}: {result.message}")
