from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.catalog.models import Chain
from apps.chains import services
from apps.core.redaction import redact_url

from ._sync import report


class Command(BaseCommand):
    help = "Read the latest round of every oracle feed (or one chain's)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--chain", help="chain slug (default: every chain with feeds)")

    def handle(self, *args, chain: str | None = None, **options):
        chains = Chain.objects.filter(oracle_feeds__isnull=False).distinct().order_by("slug")
        if chain:
            if not Chain.objects.filter(slug=chain).exists():
                raise CommandError(f"unknown chain {chain!r}")
            chains = chains.filter(slug=chain)
        chains = list(chains)
        if not chains:
            raise CommandError("nothing to sync: no oracle feed registered")
        failed = []
        skipped = [c for c in chains if not c.has_node]
        for c in skipped:
            var = "RPC_URL_" + c.slug.upper().replace("-", "_")
            self.stdout.write(f"{c.slug}: not read: no node configured (set {var})")
        chains = [c for c in chains if c.has_node]
        for c in chains:
            self.stdout.write(f"{c.slug}: reading {redact_url(c.effective_rpc_url)} ...")
            if not report(self, services.sync_oracles(chain=c)):
                failed.append(c.slug)
        self.stdout.write(
            f"{len(chains) - len(failed)} of {len(chains)} chains synced"
            + (f"; {len(skipped)} without a node not read" if skipped else "")
        )
        if failed:
            raise CommandError(f"oracle sync failed on {', '.join(failed)}")
