from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.catalog.models import Token
from apps.reserves.services import compute_snapshots


class Command(BaseCommand):
    help = "Compute the backing of the given tokens (all when none is named) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("symbols", nargs="*")

    def handle(self, *args: Any, symbols: list[str], **options: Any) -> None:
        tokens = Token.objects.select_related("security").order_by("symbol")
        if symbols:
            tokens = tokens.filter(symbol__in=symbols)
            missing = set(symbols) - set(tokens.values_list("symbol", flat=True))
            if missing:
                raise CommandError(f"unknown token(s): {', '.join(sorted(missing))}")
        for s in compute_snapshots(tokens=tokens):
            ratio = "—" if s.ratio is None else f"{(s.ratio * 100).quantize(Decimal('0.01'))} %"
            self.stdout.write(f"{s.token.symbol}: {s.status} {ratio} (snapshot {s.pk})")
