from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.reserves.models import ReserveSnapshot
from apps.reserves.verify import verify_snapshot


class Command(BaseCommand):
    help = (
        "Re-read every chain at a snapshot's blocks, re-sum the custodian statements, "
        "recompute the backing and print match or the exact difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("symbol")
        parser.add_argument("--snapshot", type=int, help="snapshot id (default: the latest)")
        parser.add_argument(
            "--skip-chains",
            action="store_true",
            help="take the supply from the snapshot instead of reading the chains",
        )

    def handle(
        self, *args: Any, symbol: str, snapshot: int | None, skip_chains: bool, **options: Any
    ) -> None:
        if snapshot is not None and not 1 <= snapshot < 2**63:
            raise CommandError(f"--snapshot {snapshot}: not a snapshot id")
        qs = ReserveSnapshot.objects.select_related("token__security").filter(token__symbol=symbol)
        found = qs.filter(pk=snapshot).first() if snapshot else qs.first()
        if found is None:
            which = f"snapshot {snapshot}" if snapshot else "snapshot yet"
            raise CommandError(f"{symbol}: no {which}")
        self.stdout.write(
            f"{symbol} snapshot {found.pk} computed {found.computed_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"status {found.status}"
        )
        result = verify_snapshot(snapshot=found, read_chains=not skip_chains)
        for note in result.notes:
            self.stdout.write(f"note {note}")
        for check in result.checks:
            self.stdout.write(check.line())
        if not result.ok:
            bad = sum(not c.ok for c in result.checks)
            raise CommandError(f"MISMATCH: {bad} figure(s) differ from snapshot {found.pk}")
        self.stdout.write("MATCH: every figure recomputed from its sources")
