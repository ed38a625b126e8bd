from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from apps.devchain.anvil import free_port

pytestmark = pytest.mark.chain

START_TIMEOUT = 180  # seconds: contracts compile on a cold cache, 128 placements


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


def test_demo_world_starts_chains_and_worker_and_stops_them_all(tmp_path):
    ports = {"ETHEREUM": free_port(), "BASE": free_port(), "SOLANA": free_port()}
    env = {
        **os.environ,
        "XSTOCKS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        **{f"RPC_URL_{slug}": f"http://127.0.0.1:{port}" for slug, port in ports.items()},
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    for argv in (["migrate", "-v0"], ["load_registry", str(settings.REGISTRY_PATH)]):
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
            assert _listening(ports["ETHEREUM"]) and _listening(ports["BASE"])
            assert "ethereum: ok, 61 read" in text
            assert "base: ok, 5 read" in text
            assert "Back office (demo data): 7 fictitious applicants in every state" in text
            worker_pid = int(re.search(r"celery worker \+ beat: pid (\d+)", text).group(1))
            assert _alive(worker_pid)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
    text = log.read_text()
    assert "celery worker + beat: stopped" in text
    assert not _alive(worker_pid)
    assert not _listening(ports["ETHEREUM"]) and not _listening(ports["BASE"])
    assert (tmp_path / "devchain" / "ethereum.json").exists()  # state kept for the next run
