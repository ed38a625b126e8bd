"""Generate the registry from the public facts file: `build_registry --facts PATH -o OUT`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.catalog.build import BuildError, build_files, dump
from apps.catalog.registry import RegistryError, validate_registry


class Command(BaseCommand):
    help = (
        "Build a registry (version 2) from the public facts file and, optionally, the "
        "underlying facts; every value keeps its sources. Checked before it is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--facts", required=True, type=Path, help="xstocks-public-facts.json")
        parser.add_argument(
            "--underlying", type=Path, help="underlying facts (names, ISINs, kinds) by ticker"
        )
        parser.add_argument("-o", "--output", required=True, type=Path, help="registry to write")

    def handle(self, *args: object, **options) -> None:
        try:
            registry, report = build_files(options["facts"], options["underlying"])
        except BuildError as exc:
            raise CommandError(str(exc)) from exc
        try:
            validate_registry(registry)
        except RegistryError as exc:
            raise CommandError(f"the built registry does not validate:\n{exc}") from exc
        out: Path = options["output"]
        tmp = out.with_suffix(out.suffix + ".tmp")
        tmp.write_text(dump(registry), encoding="utf-8")
        tmp.replace(out)
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"wrote {out}"))
