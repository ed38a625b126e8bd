"""The production topology, for real: gunicorn, a Celery worker and Celery beat as separate
processes with the production settings, against PostgreSQL and Redis. A supply minted on a
local chain (anvil) flows through beat and the worker into the token page gunicorn serves;
a worker killed with SIGKILL in the middle of a sync loses and duplicates nothing: the
message comes back (acks late, visibility timeout) and the run is idempotent.

The README's deploy section lists the same processes, sizes and health checks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.catalog.models import Chain, Deployment
from apps.catalog.registry import load_registry
from apps.chains import tasks
from apps.chains.models import SupplyObservation
from apps.core.models import JobRun
from apps.devchain import evm_world
from apps.devchain.anvil import free_port
from tests.factories import make_isin
from xstocks_site.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
SUPPLY_SYNC_SECONDS = 2
VISIBILITY_TIMEOUT = 4  # seconds before a dead worker's message goes to another worker
WAIT = 90  # seconds any one step may take on a busy machine

pytestmark = [
    pytest.mark.topology,
    pytest.mark.chain,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql"
        or not settings.CELERY_BROKER_URL.startswith("redis://")
        or not settings.CACHE_URL,
        reason="the production topology runs on PostgreSQL and Redis: set DATABASE_URL="
        "postgres://..., CELERY_BROKER_URL=redis://... and REDIS_CACHE_URL=redis://... "
        "(CI does)",
    ),
]


class HoldingNode:
    """A JSON-RPC proxy in front of anvil that can hold requests, like a node that stalls
    in the middle of a sync."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.holding = threading.Event()
        self.released = threading.Event()
        self.held = 0
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if node.holding.is_set():
                    node.held += 1
                    node.released.wait(WAIT)
                forward = urllib.request.Request(
                    node.upstream, data=body, headers={"Content-Type": "application/json"}
                )
                try:
                    with urllib.request.urlopen(forward, timeout=30) as answer:
                        reply = answer.read()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the worker that asked is gone

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HoldingNode:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


class Processes:
    """The site's processes, each in its own process group, logs in files."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *command: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running[name] = process
        return process

    def signal(self, name: str, sig: int) -> None:
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=WAIT)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.signal(name, signal.SIGTERM)

    def tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.logs.glob("*.log"))
        )


def eventually(check: Callable[[], object], what: str, procs: Processes) -> object:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    pytest.fail(f"{what}: not within {WAIT} s\n{procs.tail()}")


def get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


@pytest.fixture
def node(anvil) -> Iterator[HoldingNode]:
    with HoldingNode(anvil.url) as proxy:
        yield proxy


@pytest.fixture
def topology(tmp_path, node) -> Iterator[Processes]:
    """The environment every process of the site gets in production, on this test's
    PostgreSQL database and this machine's Redis."""
    url = urlsplit(os.environ["DATABASE_URL"])
    database = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    env = {
        **os.environ,
        "XSTOCKS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "true",
        "DATABASE_URL": database,
        "REDIS_CACHE_URL": settings.CACHE_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CHAIN_RPC_TIMEOUT_SECONDS": str(WAIT),
        "SUPPLY_SYNC_SECONDS": str(SUPPLY_SYNC_SECONDS),
        # Only the supply sync is under test: every other beat entry waits an hour.
        "ORACLE_SYNC_SECONDS": "3600",
        "MARKETS_SYNC_SECONDS": "3600",
        "MARKETS_COMPACT_SECONDS": "3600",
        "RESERVE_RECOMPUTE_SECONDS": "3600",
        "CUSTODY_INBOX_POLL_SECONDS": "3600",
        "RETENTION_PRUNE_SECONDS": "86400",
        "XSTOCKS_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "CUSTODY_INBOX_DIR": str(tmp_path / "inbox"),
        "KYC_STORAGE_DIR": str(tmp_path / "kyc"),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "xstocks_site.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    procs = Processes(env, tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()
        celery_app.control.purge()
        from django.db import connections

        connections.close_all()


def start_worker(procs: Processes, name: str) -> None:
    procs.start(
        name,
        str(BIN / "celery"),
        "-A",
        "xstocks_site",
        "worker",
        "--concurrency=1",
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    )


def test_supply_flows_from_chain_to_page_and_a_killed_worker_loses_nothing(
    anvil, w3, node, topology, tmp_path
):
    procs = topology
    holder = w3.eth.accounts[1]
    address = evm_world.deploy_token(w3, name="Topology Corp xStock", symbol="TOPx")
    evm_world.mint(w3, address, holder, Decimal("1000"))
    load_registry(
        {
            "chains": [
                {
                    "slug": "anvil",
                    "kind": "evm",
                    "name": "Local Ethereum",
                    "chain_id": 1,
                    "rpc_url": node.url,
                }
            ],
            "issuers": [
                {
                    "slug": "backed-assets-je",
                    "name": "Backed Assets (JE) Limited",
                    "jurisdiction": "JE",
                }
            ],
            "tokens": [
                {
                    "symbol": "TOPx",
                    "name": "Topology Corp xStock",
                    "issuer": "backed-assets-je",
                    "multiplier": "1",
                    "underlying": {
                        "ticker": "TOP",
                        "name": "Topology Corp",
                        "isin": make_isin(4343),
                        "kind": "stock",
                    },
                    "deployments": [{"chain": "anvil", "address": address, "decimals": 18}],
                }
            ],
        }
    )
    chain = Chain.objects.get(slug="anvil")
    deployment = Deployment.objects.get(chain=chain)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    page = f"{site}/tokens/TOPx/"

    # The processes: 2 web workers, 1 Celery worker (one task at a time), exactly one beat.
    procs.start(
        "gunicorn",
        str(BIN / "gunicorn"),
        "xstocks_site.wsgi",
        "--workers=2",
        f"--bind=127.0.0.1:{port}",
        "--timeout=30",
    )
    start_worker(procs, "worker1")
    procs.start(
        "beat",
        str(BIN / "celery"),
        "-A",
        "xstocks_site",
        "beat",
        f"--schedule={tmp_path / 'beat-schedule'}",
        "--loglevel=INFO",
    )

    # Health checks: the web answers /healthz 200 (database, cache, broker, country database),
    # the worker answers a ping, beat's schedule shows as sync runs.
    eventually(lambda: get(f"{site}/healthz")[0] == 200, "/healthz 200", procs)
    eventually(
        lambda: celery_app.control.ping(destination=[_worker_name("worker1")], timeout=1),
        "the worker answers a ping",
        procs,
    )
    eventually(
        lambda: JobRun.objects.filter(job="sync_supply", scope="anvil", status="ok").exists(),
        "beat's supply sync runs on the worker",
        procs,
    )

    # A mint on the chain reaches the page gunicorn serves (through the whole-answer cache).
    assert 'data-supply="1000"' in eventually(lambda: _page_with(page, "1000"), "1000", procs)
    evm_world.mint(w3, address, holder, Decimal("250"))
    eventually(lambda: _page_with(page, "1250"), "the minted 250 on the page", procs)

    # Now only the test queues work: beat stops, the worker finishes what it has.
    procs.signal("beat", signal.SIGTERM)
    eventually(lambda: _idle(chain), "no sync running", procs)
    time.sleep(1)
    eventually(lambda: _idle(chain), "no sync running", procs)
    evm_world.mint(w3, address, holder, Decimal("5"))
    block = evm_world.block_number(w3)
    before = SupplyObservation.objects.count()

    # The node stalls; the worker takes the sync and waits on it; it is killed (SIGKILL, the
    # whole process group) while its task is unacknowledged.
    node.holding.set()
    celery_app.conf.task_always_eager = False
    tasks.sync_supply.delay(chain.pk)
    eventually(lambda: node.held, "the worker asks the stalled node", procs)
    procs.signal("worker1", signal.SIGKILL)
    killed = timezone.now()
    node.holding.clear()
    node.released.set()
    assert SupplyObservation.objects.count() == before  # nothing was written

    # A new worker gets the message back after the visibility timeout and runs it once.
    start_worker(procs, "worker2")
    eventually(lambda: _page_with(page, "1255"), "the redelivered sync on the page", procs)
    # (The killed run's row stays "running": its worker never came back to end it.)
    eventually(lambda: _idle(chain, since=killed), "the redelivered sync finished", procs)
    time.sleep(VISIBILITY_TIMEOUT + 2)  # a second delivery would have come by now

    # Counted: one observation per deployment and block, the new block's exactly once;
    # nothing left in the queue or unacknowledged.
    observations = SupplyObservation.objects.filter(deployment=deployment)
    assert observations.filter(block_number=block).count() == 1
    assert observations.count() == observations.values("block_number").distinct().count()
    assert SupplyObservation.objects.count() == before + 1
    after_kill = JobRun.objects.filter(job="sync_supply", scope="anvil", started_at__gte=killed)
    finished = [r for r in after_kill if r.status == JobRun.Status.OK]
    assert finished and sum(r.counts["created"] for r in finished) == 1
    broker = _broker()
    assert broker.llen("celery") == 0
    assert broker.hlen("unacked") == 0
    status, html = get(page)
    assert status == 200 and 'data-supply="1255"' in html


def _worker_name(name: str) -> str:
    import socket

    return f"{name}@{socket.gethostname()}"


def _page_with(url: str, supply: str) -> str | None:
    status, html = get(url)
    return html if status == 200 and f'data-supply="{supply}"' in html else None


def _broker():
    return celery_app.connection_for_write().default_channel.client


def _idle(chain: Chain, since: dt.datetime | None = None) -> bool:
    """No sync (started since `since`) running and none waiting in the queue."""
    running = JobRun.objects.filter(
        job="sync_supply", scope=chain.slug, status=JobRun.Status.RUNNING
    )
    if since is not None:
        running = running.filter(started_at__gte=since)
    return _broker().llen("celery") == 0 and not running.exists()
