"""Run the whole embedded demo world, then stop all of it on exit.

Starts one anvil per local EVM chain of the registry (state kept under var/devchain/),
places every token and oracle there, starts the local Solana chain when its command is
installed, a local Chainlink Data Streams endpoint (its reports priced from the simulator),
a Celery worker with embedded beat on the configured broker, and runserver; then
simulates mints, burns, bridge transfers and prices until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.catalog.models import Chain
from apps.core.redaction import redact_url
from apps.devchain import (
    contracts,
    datastreams_demo,
    demo_back_office,
    evm_demo,
    evm_world,
    investor_demo,
)
from apps.devchain.anvil import AnvilNode

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# The registry's chains are mainnet chains without a node; the demo world runs local nodes
# for two EVM chains and Solana (as two cores allow) and points itself and its children at
# them. The other chains stay without a node ("not read: no node configured").
DEMO_NODES = {
    "ethereum": "http://127.0.0.1:8545",
    "bnb": "http://127.0.0.1:8546",
    "solana": "http://127.0.0.1:8899",
}


def demo_node_environment() -> dict[str, str]:
    """RPC_URL_<SLUG> of the demo world's local nodes, and the reserves setting that leaves
    the chains it does not run out of the backing (labelled on the pages)."""
    env = {f"RPC_URL_{slug.upper()}": url for slug, url in DEMO_NODES.items()}
    env["RESERVE_SKIP_CHAINS_WITHOUT_NODE"] = "true"
    return env


STOP_TIMEOUT = 10  # seconds each child gets to exit after SIGTERM
SOLANA_START_TIMEOUT = 120  # seconds: it seeds every registry mint before it listens


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _local_port(url: str) -> int | None:
    parts = urlsplit(url)
    if parts.hostname in LOCAL_HOSTS and parts.port:
        return parts.port
    return None


class Command(BaseCommand):
    help = "Run the demo world: local chains, the Celery worker with beat, and the site."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="port of the site")
        parser.add_argument("--simulate-every", type=float, default=5.0, metavar="SECONDS")
        parser.add_argument("--no-web", action="store_true", help="no runserver")
        parser.add_argument("--no-worker", action="store_true", help="no Celery worker")
        parser.add_argument("--seed", type=int, default=0, help="random seed of the simulator")
        parser.add_argument(
            "--split-every",
            type=float,
            default=10.0,
            metavar="MINUTES",
            help="a simulated 4-for-1 split of one token on every chain this often (0: none)",
        )
        parser.add_argument(
            "--split-lag",
            type=float,
            default=180.0,
            metavar="SECONDS",
            help="how far behind the other chains one chain (Solana) applies each split",
        )
        parser.add_argument(
            "--datastreams-port",
            type=int,
            default=0,
            help="port of the local Data Streams endpoint (default: a free one)",
        )

    def handle(self, *args: object, **options) -> None:
        var = Path(settings.VAR_DIR)
        logs = var / "log"
        logs.mkdir(parents=True, exist_ok=True)
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.anvils: list[AnvilNode] = []
        self.datastreams: datastreams_demo.DataStreamsServer | None = None
        self.solana_url = ""
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        # Links in the alert e-mails the worker sends point at this site (unless set).
        os.environ.setdefault("SITE_URL", f"http://{options['host']}:{options['port']}")
        # The local nodes, for this process and every child it starts (an RPC_URL_<SLUG>
        # already set to a local address, e.g. another port, is kept).
        for name, value in demo_node_environment().items():
            os.environ.setdefault(name, value)
        settings.RESERVE_SKIP_CHAINS_WITHOUT_NODE = True
        try:
            self.stdout.write("Compiling contracts (cached under var/build) ...")
            contracts.compile_all()
            nodes = self._start_evm_chains(var, logs)
            # Prices first, so the demo oracles start at the market's fair value.
            with contextlib.suppress(CommandError):
                call_command("sync_prices", stdout=self.stdout, stderr=self.stderr)
            demo = evm_demo.seed(nodes)
            self.stdout.write(
                f"EVM demo: {len(demo.canonical)} tokens, {len(demo.bridges)} bridged,"
                f" {len(demo.feeds)} oracle feeds"
            )
            # The demo investor (simulated): approved, verified wallets, holdings to show.
            investor = investor_demo.ensure_demo_investor()
            given = investor_demo.give_evm_holdings(nodes, investor.evm_address)
            self.stdout.write(f"demo investor: {', '.join(given) or 'EVM holdings in place'}")
            self._start_solana(logs, holder=investor.solana_address)
            self._first_sync()
            self._start_datastreams(options["datastreams_port"])
            back_office = demo_back_office.seed_back_office()
            if not options["no_worker"]:
                self._spawn(
                    "celery worker + beat",
                    [
                        str(Path(sys.executable).parent / "celery"),
                        "-A",
                        "xstocks_site",
                        "worker",
                        "-B",
                        "--concurrency=1",
                        "--loglevel=INFO",
                        f"--schedule={var / 'celerybeat-schedule'}",
                    ],
                    logs / "celery.log",
                )
            if not options["no_web"]:
                address = f"{options['host']}:{options['port']}"
                self._spawn(
                    "runserver",
                    [sys.executable, "manage.py", "runserver", "--noreload", address],
                    None,
                )
                self.stdout.write(self.style.SUCCESS(f"Site on http://{address}/ (Ctrl-C stops)"))
            self.stdout.write(
                f"Demo investor (simulated): log in on /accounts/login/ as {investor.email} "
                f"with password {investor.password}; holdings on /portfolio/"
            )
            for line in back_office.lines(f"http://{options['host']}:{options['port']}"):
                self.stdout.write(line)
            if options["split_every"] > 0:
                self._start_corporate_actions(nodes, options, stop)
            threading.Thread(
                target=evm_demo.run_simulator,
                args=(demo,),
                kwargs={
                    "interval": options["simulate_every"],
                    "stop": stop,
                    "rng": random.Random(options["seed"]),  # noqa: S311 - demo figures
                },
                name="evm-demo-simulator",
                daemon=True,
            ).start()
            while not stop.wait(1):
                for name, proc in self.children:
                    if proc.poll() is not None:
                        raise CommandError(f"{name} exited with {proc.returncode}; stopping")
        except KeyboardInterrupt:
            self.stdout.write("Stopping ...")
        finally:
            stop.set()
            self._stop_all()

    def _start_corporate_actions(self, nodes: dict, options: dict, stop: threading.Event) -> None:
        """The corporate-action simulator: a split of one token on every chain, Solana a few
        minutes behind, so the consistency alerts show and clear (apps.devchain
        .corporate_actions)."""
        from apps.devchain import corporate_actions
        from apps.devchain.solana_demo import load_or_create_authority

        control = None
        if self.solana_url:
            control = corporate_actions.SolanaControl(
                self.solana_url, load_or_create_authority(self.solana_authority)
            )
        book = self.datastreams.book if self.datastreams else None
        simulator = corporate_actions.CorporateActionSimulator(
            legs=corporate_actions.registry_legs(nodes, solana=control is not None),
            evm_nodes=nodes,
            solana=control,
            every=dt.timedelta(minutes=options["split_every"]),
            lag=dt.timedelta(seconds=options["split_lag"]),
            rng=random.Random(options["seed"]),  # noqa: S311 - demo figures
            on_announce=(
                (
                    lambda split: book.announce(
                        split.symbol,
                        min(split.before.values()),
                        min(split.after.values()),
                        min(split.effective.values()),
                    )
                )
                if book is not None and hasattr(book, "announce")
                else None
            ),
        )
        from apps.devchain.tasks import write_demo_custody_statements

        # The custodians' shares split when the chains do: a statement at each chain's time.
        simulator.on_effective = lambda split, slug: write_demo_custody_statements.delay(
            under_backed="TSLAx"
        )
        threading.Thread(
            target=corporate_actions.run,
            args=(simulator,),
            kwargs={"interval": options["simulate_every"], "stop": stop, "clock": timezone.now},
            name="corporate-action-simulator",
            daemon=True,
        ).start()
        self.stdout.write(
            f"Corporate actions (simulated): a 4-for-1 split of one of {len(simulator.legs)} "
            f"tokens every {options['split_every']:g} min, one chain "
            f"{options['split_lag']:g} s behind"
        )

    def _start_evm_chains(self, var: Path, logs: Path) -> dict:
        nodes = {}
        for chain in Chain.objects.filter(kind=Chain.Kind.EVM).order_by("slug"):
            if chain.slug not in DEMO_NODES:
                if _local_port(chain.effective_rpc_url) is not None:
                    # A chain of an older registry still in this database (e.g. "base").
                    self.stderr.write(
                        f"{chain.slug}: not in the demo world's chains; this database predates "
                        "registry v2: remove var/ and run `make run` again"
                    )
                else:
                    self.stdout.write(f"{chain.slug}: no node configured, not read")
                continue
            port = _local_port(chain.effective_rpc_url)
            if port is None or chain.chain_id is None:
                self.stdout.write(
                    f"{chain.slug}: {redact_url(chain.effective_rpc_url) or 'no rpc_url'}, "
                    "not local"
                )
                continue
            node = AnvilNode(
                chain_id=chain.chain_id,
                port=port,
                state_path=var / "devchain" / f"{chain.slug}.json",
                log_path=logs / f"anvil-{chain.slug}.log",
            )
            try:
                node.start()
            except RuntimeError as exc:
                raise CommandError(
                    f"{chain.slug}: cannot start anvil on port {port} ({exc}); is another "
                    "demo world running?"
                ) from exc
            self.anvils.append(node)
            nodes[chain.slug] = evm_world.connect(node.url)
            self.stdout.write(f"{chain.slug}: anvil, chain id {chain.chain_id}, on {node.url}")
        return nodes

    def _start_solana(self, logs: Path, *, holder: str = "") -> None:
        chain = Chain.objects.filter(kind=Chain.Kind.SOLANA).first()
        if chain is None:
            return
        port = _local_port(chain.effective_rpc_url)
        if port is None:
            return
        # The local Solana chain is optional: start it only where its command is installed.
        if importlib.util.find_spec("apps.devchain.management.commands.solana_devnet") is None:
            self.stdout.write(f"{chain.slug}: no local Solana chain installed; not started")
            return
        self.solana_authority = Path(settings.VAR_DIR) / "devchain" / "solana-authority.json"
        self._spawn(
            "solana devnet",
            [
                sys.executable,
                "manage.py",
                "solana_devnet",
                "--port",
                str(port),
                "--authority-file",
                str(self.solana_authority),
            ]
            + (["--holder", holder] if holder else []),
            logs / "solana.log",
        )
        deadline = time.monotonic() + SOLANA_START_TIMEOUT
        while not _listening(port):
            if time.monotonic() > deadline or self.children[-1][1].poll() is not None:
                raise CommandError(
                    f"{chain.slug}: the local Solana chain did not listen on port {port}; "
                    f"see {logs / 'solana.log'}"
                )
            time.sleep(0.2)
        self.solana_url = f"http://127.0.0.1:{port}"
        self.stdout.write(f"{chain.slug}: local Solana chain on {self.solana_url}")

    def _first_sync(self) -> None:
        """Read every chain, the custodians and the prices once, so the pages have figures
        before beat's first tick."""
        for command in ("sync_supply", "sync_oracles"):
            with contextlib.suppress(CommandError):  # a failure is recorded on /status/
                call_command(command, stdout=self.stdout, stderr=self.stderr)
        from apps.devchain.tasks import write_demo_custody_statements

        written = write_demo_custody_statements(under_backed="TSLAx")
        self.stdout.write(f"custodians: {len(written)} demo statements written and imported")
        from apps.portfolio.services.balances import refresh_balances

        read = refresh_balances()
        self.stdout.write(
            f"portfolio: {read.wallets} wallets read on {', '.join(read.read) or 'no chain'}, "
            f"{read.written} balances stored"
        )

    def _start_datastreams(self, port: int) -> None:
        """The local Data Streams endpoint, priced from the simulator's quotes; the worker and
        the site spawned after this read it through their environment, and a first read
        now gives the pages the oracle's figures at once."""
        from apps.markets.services import sync_prices

        server = datastreams_demo.DataStreamsServer(datastreams_demo.SimulatorPrices(), port=port)
        self.datastreams = server.start()
        os.environ.update(datastreams_demo.site_environment(server, settings.MARKETS_SOURCES))
        source = datastreams_demo.demo_source(
            server,
            max_age=dt.timedelta(seconds=settings.MARKETS_DATASTREAMS_MAX_AGE_SECONDS),
            timeout=settings.MARKETS_HTTP_TIMEOUT_SECONDS,
        )
        result = sync_prices(sources=[source])
        reports = result.counts.get("datastreams", {}).get("reports", 0)
        errors = f"; {result.errors['datastreams']}" if "datastreams" in result.errors else ""
        self.stdout.write(
            f"Chainlink Data Streams (demo): {len(server.book.feeds())} v10 feeds on "
            f"{server.url}, {reports} reports read{errors}"
        )

    def _spawn(self, name: str, argv: list[str], log: Path | None) -> None:
        out = open(log, "ab") if log else None  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and tools
            argv,
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,  # its own process group, stopped as one below
            env={**os.environ, "XSTOCKS_DEMO_WORLD": "true"},
        )
        self.children.append((name, proc))
        if log:
            self.stdout.write(f"{name}: pid {proc.pid}, log {log}")

    def _stop_all(self) -> None:
        for name, proc in reversed(self.children):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)
            self.stdout.write(f"{name}: stopped")
        if self.datastreams is not None:
            self.datastreams.stop()
            self.stdout.write("Data Streams endpoint: stopped")
        for node in reversed(self.anvils):
            node.stop()
            self.stdout.write(f"anvil on port {node.port}: stopped")
