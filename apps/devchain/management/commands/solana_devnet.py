"""Serve the local Solana chain (LiteSVM behind JSON-RPC), seeded with the registry's mints."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.devchain.solana_demo import load_or_create_authority, start_demo


class Command(BaseCommand):
    help = (
        "Serve a local Solana chain over JSON-RPC on 127.0.0.1 with every registry mint, "
        "minting and burning a little every few seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8899, help="0 picks a free port")
        parser.add_argument("--registry", default=str(settings.REGISTRY_PATH))
        parser.add_argument("--no-seed", action="store_true", help="start with no mints")
        parser.add_argument(
            "--spl", action="store_true", help="plain SPL Token mints instead of Token-2022"
        )
        parser.add_argument(
            "--simulate-every",
            type=float,
            default=5.0,
            metavar="SECONDS",
            help="seconds between simulated mints and burns; 0 turns the simulator off",
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed of the demo figures")
        parser.add_argument(
            "--authority-file",
            metavar="PATH",
            help="keypair file of the chain's authority (created when missing), for the demo "
            "world's corporate-action simulator",
        )
        parser.add_argument(
            "--holder",
            metavar="ADDRESS",
            help="a wallet given the demo investor's Solana holdings (see investor_demo.py)",
        )

    def handle(self, *args: object, **options: object) -> None:
        authority = (
            load_or_create_authority(Path(options["authority_file"]))
            if options["authority_file"]
            else None
        )
        if options["no_seed"]:
            demo = start_demo(
                None,
                port=options["port"],
                simulate_every=0,
                seed=options["seed"],
                authority=authority,
            )
        else:
            demo = start_demo(
                options["registry"],
                port=options["port"],
                simulate_every=options["simulate_every"],
                token_2022=not options["spl"],
                seed=options["seed"],
                authority=authority,
            )
        if options["holder"] and demo.mints:
            from apps.devchain.investor_demo import DEMO_SOLANA_HOLDINGS
            from apps.devchain.solana_demo import give_holdings

            given = give_holdings(
                demo.chain,
                options["registry"],
                owner=options["holder"],
                amounts=DEMO_SOLANA_HOLDINGS,
            )
            self.stdout.write(f"{options['holder']}: {len(given)} demo holdings minted")
        self.stdout.write(f"Solana dev chain serving JSON-RPC on {demo.url}")
        self.stdout.write(
            f"{len(demo.mints)} registry mints at slot {demo.chain.slot}; Ctrl-C stops."
        )
        self.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            demo.stop()
