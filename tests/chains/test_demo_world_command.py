from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from apps.devchain.anvil import free_port

pytestmark = pytest.mark.chain

START_TIMEOUT = 240  # seconds: contracts compile on a cold cache, 1,158 placements


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); read its state.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _reports(db: sqlite3.Connection) -> tuple[int, int, int, int]:
    return db.execute(
        "SELECT count(*), sum(demo), sum(verification = 'verified'), count(DISTINCT token_id)"
        " FROM markets_oraclereport"
    ).fetchone()


def test_demo_world_starts_chains_and_worker_and_stops_them_all(tmp_path):
    ports = {"ETHEREUM": free_port(), "BNB": free_port(), "SOLANA": free_port()}
    env = {
        **os.environ,
        "XSTOCKS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        **{f"RPC_URL_{slug}": f"http://127.0.0.1:{port}" for slug, port in ports.items()},
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    for argv in (
        ["migrate", "-v0"],
        ["load_registry", str(settings.REGISTRY_PATH)],
    ):
        subprocess.run([*manage, *argv], env=env, check=True, capture_output=True, timeout=120)

    log = tmp_path / "demo.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*manage, "demo_world", "--no-web", "--simulate-every", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            # Wait for the simulator's first event: chains seeded, first sync done.
            while not re.search(
                r"EVM demo: (minted|burned|bridged|prices)", text := log.read_text()
            ):
                assert proc.poll() is None, text
                assert time.monotonic() < deadline, text
                time.sleep(0.5)
            text = log.read_text()
            assert _listening(ports["ETHEREUM"]) and _listening(ports["BNB"])
            # Every token at its real address on the two local EVM chains and Solana; the
            # chains without a node are skipped, not failed.
            assert "ethereum: ok, 593 read" in text
            assert "bnb: ok, 565 read" in text
            assert "solana: ok, 163 read" in text
            assert "xlayer: not read: no node configured (set RPC_URL_XLAYER)" in text
            assert "supply sync failed" not in text
            assert "Back office (demo data): 7 fictitious applicants in every state" in text
            assert re.search(
                r"Corporate actions \(simulated\): a 4-for-1 split of one of \d+ tokens", text
            ), text
            # The demo investor's verified wallets hold tokens on both chain kinds.
            assert (
                "portfolio: 2 wallets read on bnb, ethereum, solana, 9 balances stored" in text
            ), text
            assert "Demo investor (simulated): log in on /accounts/login/ as demo.investor@" in text
            worker_pid = int(re.search(r"celery worker \+ beat: pid (\d+)", text).group(1))
            assert _alive(worker_pid)
            # The local Data Streams endpoint, read once by demo_world itself, then by the
            # worker through the environment it was given (MARKETS_DATASTREAMS_URL ...).
            assert re.search(
                r"Chainlink Data Streams \(demo\): 14 v10 feeds on http://127.0.0.1:\d+, "
                r"14 reports read",
                text,
            ), text
            db = sqlite3.connect(tmp_path / "db.sqlite3")
            while (_reports(db) or (0,))[0] < 28:  # the worker's first sync_prices
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(1)
            count, demo, verified, tokens = _reports(db)
            assert demo == verified == count and tokens == 14
            db.close()
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
    text = log.read_text()
    assert "celery worker + beat: stopped" in text
    assert "Data Streams endpoint: stopped" in text
    assert not _alive(worker_pid)
    assert not _listening(ports["ETHEREUM"]) and not _listening(ports["BNB"])
    assert (tmp_path / "devchain" / "ethereum.json").exists()  # state kept for the next run
