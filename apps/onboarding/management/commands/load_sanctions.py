from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.onboarding.sanctions import SanctionsFormatError
from apps.onboarding.services.screening import load_sanctions


class Command(BaseCommand):
    help = (
        "Load a consolidated sanctions list (OpenSanctions FtM JSON lines or targets.simple.csv, "
        "or OFAC sdn.csv). All or nothing; a reload of the same source replaces it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--source", help="name of the list (default: opensanctions or ofac-sdn by format)"
        )

    def handle(self, *args, path: Path, source: str | None, **options) -> None:
        try:
            loaded = load_sanctions(path=path, source=source)
        except SanctionsFormatError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{loaded.source}: {loaded.entry_count} entries loaded from {path} ({loaded.format})"
        )
