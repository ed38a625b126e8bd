"""A local EVM node: anvil from node_modules, on 127.0.0.1, started and stopped by us."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path

import requests
from django.conf import settings

ANVIL = Path(settings.BASE_DIR) / "node_modules" / ".bin" / "anvil"
START_TIMEOUT = 20.0  # seconds; anvil is usually up in about one


def free_port() -> int:
    """A TCP port nobody listens on right now (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AnvilNode:
    """One anvil process serving one chain id on one port."""

    def __init__(
        self,
        *,
        chain_id: int,
        port: int | None = None,
        state_path: Path | None = None,
        block_time: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.port = port or free_port()
        self.state_path = state_path
        self.block_time = block_time
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AnvilNode:
        if not ANVIL.exists():
            raise RuntimeError(f"{ANVIL} is missing: run `npm ci` (or `make install`) first")
        argv = [
            str(ANVIL),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--silent",
        ]
        if self.state_path:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            argv += ["--state", str(self.state_path), "--state-interval", "30"]
        if self.block_time:
            argv += ["--block-time", str(self.block_time)]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"anvil on port {self.port} exited ({self.process.returncode})")
            with contextlib.suppress(requests.RequestException):
                reply = requests.post(
                    self.url,
                    json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                    timeout=1,
                )
                if reply.ok:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"anvil on port {self.port} did not answer in {START_TIMEOUT} s")

    def stop(self) -> None:
        """Stop our own process (SIGTERM lets anvil write its state), then wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
