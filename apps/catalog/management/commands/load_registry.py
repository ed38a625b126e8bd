from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.catalog.registry import RegistryError, load_registry_file


class Command(BaseCommand):
    help = "Load a JSON registry of chains, issuers, custodians and tokens (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: object, path: Path, **options: object) -> None:
        try:
            result = load_registry_file(path)
        except RegistryError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(
                f"{path}: refused, {len(exc.errors)} error(s); nothing was changed"
            ) from exc
        self.stdout.write(f"{path}: {result.summary()}")
