"""Servers for the Solana client tests: the LiteSVM dev chain and nodes that misbehave."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# How long a stalling node holds a request before giving up on its own, in seconds; the
# fixture releases it at teardown, long before that.
STALL_SECONDS = 30

# JSON-RPC errors as Solana nodes send them.
RPC_ERRORS = {
    "node_behind": {
        "code": -32005,
        "message": "Node is behind by 42 slots",
        "data": {"numSlotsBehind": 42},
    },
    "invalid_params": {"code": -32602, "message": "Invalid param: WrongSize"},
    "unknown_code": {"code": -32099, "message": "Something new"},
}


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultyNode

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.requests += 1
        behaviour = self.server.behaviour
        if behaviour == "stall":
            self.server.release.wait(STALL_SECONDS)
            return
        if behaviour == "http500":
            self._send(500, b"upstream exploded", "text/plain")
        elif behaviour == "http403":
            self._send(403, b"forbidden", "text/plain")
        elif behaviour == "garbage":
            self._send(200, b"<html>this is not json", "application/json")
        elif behaviour == "drip":
            # Headers at once, then a byte every 0.1 s: each wait is short, the reply endless.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for _ in range(200):
                    if self.server.release.wait(0.1):
                        break
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif behaviour in RPC_ERRORS:
            request_id = json.loads(body).get("id")
            payload = {"jsonrpc": "2.0", "error": RPC_ERRORS[behaviour], "id": request_id}
            self._send(200, json.dumps(payload).encode(), "application/json")
        else:  # pragma: no cover - a typo in a test
            raise AssertionError(behaviour)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FaultyNode(ThreadingHTTPServer):
    """An HTTP server on a free 127.0.0.1 port answering every request the same bad way."""

    daemon_threads = True

    def __init__(self, behaviour: str) -> None:
        super().__init__(("127.0.0.1", 0), _FaultHandler)
        self.behaviour = behaviour
        self.requests = 0
        self.lock = threading.Lock()
        self.release = threading.Event()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FaultyNode:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self._thread.join()
        self.server_close()
