from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.catalog.models import Chain, Token
from apps.chains import services
from apps.core.redaction import redact_url

from ._sync import report


class Command(BaseCommand):
    help = "Read the on-chain supply of every deployment (or one chain's, or one token's)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--chain", help="chain slug (default: every chain)")
        parser.add_argument("--token", help="token symbol (default: every token)")

    def handle(self, *args, chain: str | None = None, token: str | None = None, **options):
        chains = Chain.objects.filter(deployments__isnull=False).distinct().order_by("slug")
        token_obj = None
        if chain:
            chains = chains.filter(slug=chain)
            if not Chain.objects.filter(slug=chain).exists():
                raise CommandError(f"unknown chain {chain!r}")
        if token:
            token_obj = Token.objects.filter(symbol=token).first()
            if token_obj is None:
                raise CommandError(f"unknown token {token!r}")
            chains = chains.filter(deployments__token=token_obj)
        chains = list(chains)
        if not chains:
            raise CommandError("nothing to sync: no deployment matches")
        failed = []
        skipped = [c for c in chains if not c.has_node]
        for c in skipped:
            var = "RPC_URL_" + c.slug.upper().replace("-", "_")
            self.stdout.write(f"{c.slug}: not read: no node configured (set {var})")
        chains = [c for c in chains if c.has_node]
        for c in chains:
            self.stdout.write(f"{c.slug}: reading {redact_url(c.effective_rpc_url)} ...")
            if not report(self, services.sync_supply(chain=c, token=token_obj)):
                failed.append(c.slug)
        self.stdout.write(
            f"{len(chains) - len(failed)} of {len(chains)} chains synced"
            + (f"; {len(skipped)} without a node not read" if skipped else "")
        )
        if failed:
            raise CommandError(f"supply sync failed on {', '.join(failed)}")
