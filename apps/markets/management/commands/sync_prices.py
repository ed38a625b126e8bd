from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.markets import services


class Command(BaseCommand):
    help = "Ask every configured price source (MARKETS_SOURCES) and record the quotes."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--compact", action="store_true", help="also roll up bars and apply retention"
        )

    def handle(self, *args: object, **options: object) -> None:
        result = services.sync_prices()
        for source, counts in result.counts.items():
            line = ", ".join(f"{k} {v}" for k, v in counts.items())
            self.stdout.write(f"{source}: {line}")
        for source, error in result.errors.items():
            self.stderr.write(f"{source} failed: {error}")
        if options["compact"]:
            counts = services.compact_history()
            self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
        if result.errors and not result.counts:
            raise CommandError("every price source failed")
