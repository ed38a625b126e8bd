from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from apps.devchain import evm_world
from apps.devchain.anvil import AnvilNode, free_port
from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer
from tests.factories import evm_address, make_isin


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilNode]:
    """One anvil (chain id 1) on a free port for the whole session; tests deploy their own."""
    with AnvilNode(chain_id=1) as node:
        yield node


@pytest.fixture
def w3(anvil):
    return evm_world.connect(anvil.url)


@pytest.fixture
def holder(w3) -> str:
    return w3.eth.accounts[1]


@pytest.fixture
def escrow_holder(w3) -> str:
    return w3.eth.accounts[2]


def registry_doc(
    *,
    rpc_url: str,
    token_address: str,
    chain_id: int = 1,
    confirmations: int = 0,
    max_age_seconds: int = 3600,
    escrows: list[str] | None = None,
    oracle: str | None = None,
    symbol: str = "XSTx",
) -> dict:
    token = {
        "symbol": symbol,
        "name": "Example Corp xStock",
        "issuer": "backed-assets-je",
        "multiplier": "1",
        "underlying": {
            "ticker": symbol.removesuffix("x"),
            "name": "Example Corp",
            "isin": make_isin(4242),
            "kind": "stock",
        },
        "deployments": [
            {
                "chain": "anvil",
                "address": token_address,
                "decimals": 18,
                "escrow_addresses": escrows or [],
            }
        ],
    }
    if oracle:
        token["oracles"] = [{"chain": "anvil", "address": oracle, "description": "XST / USD"}]
    return {
        "chains": [
            {
                "slug": "anvil",
                "kind": "evm",
                "name": "Local Ethereum",
                "chain_id": chain_id,
                "rpc_url": rpc_url,
                "confirmations": confirmations,
                "max_age_seconds": max_age_seconds,
            }
        ],
        "issuers": [
            {"slug": "backed-assets-je", "name": "Backed Assets (JE) Limited", "jurisdiction": "JE"}
        ],
        "tokens": [token],
    }


def load_with_custodian(tmp_path: Path, doc: dict) -> Path:
    """Load `doc` with one custodian account (incore, INC-001) holding for the issuer; the
    registry file written under `tmp_path`."""
    from django.core.management import call_command

    doc["custodians"] = [
        {
            "slug": "incore",
            "name": "InCore Bank AG",
            "country": "CH",
            "accounts": [{"id": "INC-001", "issuer": "backed-assets-je"}],
        }
    ]
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(doc))
    call_command("load_registry", str(path))
    return path


@pytest.fixture
def write_registry(tmp_path) -> Callable[..., Path]:
    def write(**kwargs) -> Path:
        path = tmp_path / "registry.json"
        path.write_text(json.dumps(registry_doc(**kwargs)))
        return path

    return write


@pytest.fixture
def minted_token(w3, holder) -> str:
    """A fresh XStockToken with 1,234.5 tokens minted."""
    address = evm_world.deploy_token(w3, name="Example Corp xStock", symbol="XSTx")
    evm_world.mint(w3, address, holder, Decimal("1234.5"))
    return address


# --- misbehaving nodes -----------------------------------------------------------------


class _FaultServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> _FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(respond: Callable[[BaseHTTPRequestHandler], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            respond(self)

        def log_message(self, *args) -> None:
            pass

    return Handler


def _stall(h: BaseHTTPRequestHandler) -> None:
    time.sleep(3)  # longer than the 1 s timeout the tests configure


def _http_500(h: BaseHTTPRequestHandler) -> None:
    body = b"internal error"
    h.send_response(500)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _garbage(h: BaseHTTPRequestHandler) -> None:
    body = b"<html>this is not JSON-RPC{"
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _json(body: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    def respond(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return respond


def _drip(h: BaseHTTPRequestHandler) -> None:
    # Headers at once, then a byte every 0.2 s: each wait is short, the reply endless.
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.end_headers()
    try:
        for _ in range(100):
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _endless(h: BaseHTTPRequestHandler) -> None:
    # 8 MB of whitespace, fast: the reply-size limit must stop reading it.
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.end_headers()
    try:
        for _ in range(128):
            h.wfile.write(b" " * 65536)
    except (BrokenPipeError, ConnectionResetError):
        pass


FAULTS = {
    "drip": _drip,
    "endless": _endless,
    "stall": _stall,
    "http_500": _http_500,
    "garbage": _garbage,
    # Nested 100,000 deep: a recursive JSON parser would blow the stack.
    "deep": _json(b"[" * 100_000 + b"]" * 100_000),
    # A chain id of 100,000 digits, and a reply of the wrong type.
    "huge_number": _json(b'{"jsonrpc": "2.0", "id": 0, "result": ' + b"9" * 100_000 + b"}"),
    "wrong_types": _json(b'{"jsonrpc": "2.0", "id": 0, "result": {"not": ["a", "hex"]}}'),
}


@pytest.fixture
def fault_server():
    servers: list[_FaultServer] = []

    def start(kind: str) -> str:
        server = _FaultServer(_handler(FAULTS[kind])).__enter__()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.__exit__()


@pytest.fixture
def closed_port_url() -> str:
    port = free_port()
    with socket.socket() as s:  # make sure nothing listens there
        assert s.connect_ex(("127.0.0.1", port)) != 0
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def other_address() -> str:
    return evm_address("nobody-deployed-here")


@pytest.fixture
def chain() -> SolanaDevChain:
    """A fresh LiteSVM Solana chain (the Solana tests' `chain`)."""
    return SolanaDevChain()


@pytest.fixture
def node(chain: SolanaDevChain) -> Iterator[SolanaRpcServer]:
    """The JSON-RPC front of `chain` on a free port, stopped after the test."""
    with SolanaRpcServer(chain) as server:
        yield server
