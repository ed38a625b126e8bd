"""A local Chainlink Data Streams endpoint for the demo world: same paths, same wire format.

Serves `GET /api/v1/reports/latest`, `/api/v1/reports`, `/api/v1/reports/bulk`,
`/api/v1/reports/page` and `/api/v1/feeds` on 127.0.0.1 with the published HMAC check
(the string to sign is recomputed from the request target as received; the timestamp must
be within 5 s), answering the REST JSON with a `fullReport` ABI-encoded as the SDKs decode
it (schema v10, tokenized asset) and signed by DEMO keys the way a DON signs for the
Verifier contract. Everything it serves is demo data, priced from the simulator:

    book = SimulatorPrices()                     # the registry's v10 feeds, simulator quotes
    with DataStreamsServer(book) as server:      # 127.0.0.1, a free port
        server.url, DEMO_API_KEY, DEMO_API_SECRET, demo_signer_addresses()

The encoding here is written from the published schema on its own (not imported from the
site's client), so the client is tested against an independent producer of the format.
Faults for tests: `server.fault = "garbled" | "wrong-schema" | "not-json" | "stall"` or an
HTTP status (`server.fault_feeds` limits it to some feeds); `server.override(feed_id,
market_status=1, ...)` changes what a feed says.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from eth_abi import encode as abi_encode
from eth_keys import keys
from eth_utils import keccak

logger = logging.getLogger(__name__)

# Published demo credentials: the demo endpoint is local and serves simulated prices only.
DEMO_API_KEY = "00000000-demo-0000-0000-xstocks00demo"
DEMO_API_SECRET = "demo-secret-of-the-local-data-streams-endpoint"  # noqa: S105 - demo only
DEMO_SIGNER_COUNT = 2  # a DON with f = 1 sends f + 1 signatures
AUTH_WINDOW_MS = 5_000  # the API refuses a timestamp further than 5 s from its clock
REPORT_LIFETIME = 86_400  # expiresAt - observationsTimestamp, seconds
MAX_PAGE = 100  # reports per /reports/page answer
MAX_FEEDS = 1000  # feed ids per /reports/bulk
STALL_SECONDS = 30.0  # what "stall" waits before answering, by default
SHUTDOWN_POLL_SECONDS = 0.05
CONFIG_DIGEST = bytes.fromhex("0006") + keccak(text="xstocks-demo-don")[2:]
E18 = 10**18

# Schema v10 (tokenized asset), word by word as the SDKs define it.
V10 = [
    ("feedId", "bytes32"),
    ("validFromTimestamp", "uint32"),
    ("observationsTimestamp", "uint32"),
    ("nativeFee", "uint192"),
    ("linkFee", "uint192"),
    ("expiresAt", "uint32"),
    ("lastUpdateTimestamp", "uint64"),
    ("price", "int192"),
    ("marketStatus", "uint32"),
    ("currentMultiplier", "int192"),
    ("newMultiplier", "int192"),
    ("activationDateTime", "uint32"),
    ("tokenizedPrice", "int192"),
]
FULL_REPORT = ["bytes32[3]", "bytes", "bytes32[]", "bytes32[]", "bytes32"]
OPEN, CLOSED = 2, 1


def demo_signer_keys() -> list[keys.PrivateKey]:
    return [
        keys.PrivateKey(keccak(text=f"xstocks-demo-don-signer-{i}"))
        for i in range(DEMO_SIGNER_COUNT)
    ]


def demo_signer_addresses() -> list[str]:
    """The addresses a client trusts to read the demo reports as verified."""
    return [key.public_key.to_checksum_address() for key in demo_signer_keys()]


@dataclass(frozen=True)
class Observation:
    """What a feed reports at one time (decimals as the report carries them, 18 places)."""

    price: Decimal  # the underlying's last trade
    tokenized_price: Decimal
    market_status: int
    current_multiplier: Decimal = Decimal(1)
    new_multiplier: Decimal = Decimal(0)
    activation: dt.datetime | None = None
    last_update: dt.datetime | None = None  # of `price`; default: the observation time


class PriceBook(Protocol):
    def feeds(self) -> list[str]: ...

    def observe(self, feed_id: str, at: dt.datetime) -> Observation | None: ...


def _fixed(value: Decimal) -> int:
    return int((value * E18).to_integral_value())


def encode_report(feed_id: str, obs: Observation, at: int, signers: list[keys.PrivateKey]) -> str:
    """The signed fullReport (0x hex) of one observation at Unix second `at`."""
    last = obs.last_update or dt.datetime.fromtimestamp(at, tz=dt.UTC)
    last_ns = min(int(last.timestamp() * 10**9), at * 10**9)
    values = {
        "feedId": bytes.fromhex(feed_id[2:]),
        "validFromTimestamp": at,
        "observationsTimestamp": at,
        "nativeFee": 0,
        "linkFee": 0,
        "expiresAt": at + REPORT_LIFETIME,
        "lastUpdateTimestamp": last_ns,
        "price": _fixed(obs.price),
        "marketStatus": obs.market_status,
        "currentMultiplier": _fixed(obs.current_multiplier),
        "newMultiplier": _fixed(obs.new_multiplier),
        "activationDateTime": int(obs.activation.timestamp()) if obs.activation else 0,
        "tokenizedPrice": _fixed(obs.tokenized_price),
    }
    blob = abi_encode([t for _, t in V10], [values[name] for name, _ in V10])
    epoch, round_ = at // 60, at % 60  # never decreasing per feed
    context = [CONFIG_DIGEST, ((epoch << 8) | round_).to_bytes(32, "big"), bytes(32)]
    digest = keccak(keccak(blob) + b"".join(context))
    rs, ss, vs = [], [], bytearray(32)
    for i, key in enumerate(signers):
        signature = key.sign_msg_hash(digest)
        rs.append(signature.r.to_bytes(32, "big"))
        ss.append(signature.s.to_bytes(32, "big"))
        vs[i] = signature.v
    return "0x" + abi_encode(FULL_REPORT, [context, blob, rs, ss, bytes(vs)]).hex()


class SimulatorPrices:
    """The registry's v10 Data Streams feeds priced from the simulator's published quotes.

    price = the underlying's latest simulator price at or before the time; tokenizedPrice
    = the token's; marketStatus open during the NYSE regular session, else closed;
    currentMultiplier = the token's multiplier; the next corporate action of the
    registry, if any, is staged as newMultiplier from 00:00 UTC of its ex-date. A split the
    corporate-action simulator announced (`announce`) replaces both: its multiplier before
    as currentMultiplier and after as newMultiplier until it takes effect, then after.
    """

    def __init__(self) -> None:
        # symbol -> (multiplier before, after, activation): simulated corporate actions.
        self.actions: dict[str, tuple[Decimal, Decimal, dt.datetime]] = {}

    def announce(self, symbol: str, before: Decimal, after: Decimal, at: dt.datetime) -> None:
        self.actions[symbol] = (before, after, at)

    def feeds(self) -> list[str]:
        from apps.catalog.models import PriceFeed

        with _own_connection():
            return [
                f.lower()
                for f in PriceFeed.objects.filter(
                    provider=PriceFeed.Provider.CHAINLINK_DATA_STREAMS,
                    schema=PriceFeed.Schema.V10,
                )
                .exclude(feed_id="")
                .order_by("feed_id")
                .values_list("feed_id", flat=True)
            ]

    def observe(self, feed_id: str, at: dt.datetime) -> Observation | None:
        from apps.catalog.models import CorporateAction, PriceFeed
        from apps.markets.models import Quote
        from apps.markets.sessions import market_session

        with _own_connection():
            feed = (
                PriceFeed.objects.select_related("token")
                .filter(provider=PriceFeed.Provider.CHAINLINK_DATA_STREAMS, feed_id__iexact=feed_id)
                .first()
            )
            if feed is None:
                return None
            token = feed.token
            published = Quote.objects.filter(
                source=Quote.Source.SIMULATOR, status=Quote.Status.PUBLISHED, time__lte=at
            ).order_by("-time")
            mine = published.filter(token=token).first()
            underlying = published.filter(security_id=token.security_id).first()
            if mine is None or underlying is None:
                return None
            action = (
                CorporateAction.objects.filter(token=token, ex_date__gt=at.date())
                .order_by("ex_date")
                .first()
            )
        session = market_session(at)
        if token.symbol in self.actions:
            before, after, when = self.actions[token.symbol]
            pending = at < when
            return Observation(
                price=underlying.price,
                tokenized_price=mine.price,
                market_status=OPEN if session.is_open else CLOSED,
                current_multiplier=before if pending else after,
                new_multiplier=after if pending else Decimal(0),
                activation=when if pending else None,
                last_update=underlying.time,
            )
        return Observation(
            price=underlying.price,
            tokenized_price=mine.price,
            market_status=OPEN if session.is_open else CLOSED,
            current_multiplier=token.multiplier,
            new_multiplier=action.multiplier_after if action else Decimal(0),
            activation=dt.datetime.combine(action.ex_date, dt.time(), tzinfo=dt.UTC)
            if action
            else None,
            last_update=underlying.time,
        )


@contextlib.contextmanager
def _own_connection() -> Iterator[None]:
    """Server threads open their own database connection: close it after each use."""
    from django.db import connections

    try:
        yield
    finally:
        connections.close_all()


class DataStreamsServer:
    """The demo endpoint on 127.0.0.1 (`port=0`: a free one); start()/stop() or `with`."""

    def __init__(
        self,
        book: PriceBook,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEMO_API_KEY,
        api_secret: str = DEMO_API_SECRET,
        clock: Callable[[], float] = time.time,
        auth_clock: Callable[[], float] = time.time,
    ) -> None:
        self.book = book
        self.api_key = api_key
        self.api_secret = api_secret
        self.clock = clock  # the time of "latest" reports
        self.auth_clock = auth_clock  # the time request timestamps are checked against
        self.signers = demo_signer_keys()
        self.fault: str | int | None = None
        self.fault_feeds: set[str] | None = None  # faults hit only these feeds (None: all)
        self.stall_seconds = STALL_SECONDS
        self.requests: list[str] = []  # request targets received, in order
        self._overrides: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def override(self, feed_id: str, **fields: Any) -> None:
        """Make a feed report other values (Observation fields) from now on."""
        with self._lock:
            self._overrides.setdefault(feed_id.lower(), {}).update(fields)

    def clear_overrides(self) -> None:
        with self._lock:
            self._overrides.clear()

    def start(self) -> DataStreamsServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="datastreams-demo",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> DataStreamsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the handler calls --

    def report(self, feed_id: str, at: int) -> dict[str, Any] | None:
        """The REST JSON of one feed's report at Unix second `at`, or None."""
        obs = self.book.observe(feed_id, dt.datetime.fromtimestamp(at, tz=dt.UTC))
        if obs is None:
            return None
        with self._lock:
            extra = dict(self._overrides.get(feed_id, {}))
        if extra:
            obs = replace(obs, **extra)
        return {
            "feedID": feed_id,
            "validFromTimestamp": at,
            "observationsTimestamp": at,
            "fullReport": encode_report(feed_id, obs, at, self.signers),
        }

    def authorized(self, method: str, target: str, headers: Any) -> str | None:
        """None when the request is signed with the demo credentials, else why not."""
        key = headers.get("Authorization", "")
        stamp = headers.get("X-Authorization-Timestamp", "")
        signature = headers.get("X-Authorization-Signature-SHA256", "")
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return "unknown client"
        if not stamp.isdigit() or abs(int(stamp) - int(self.auth_clock() * 1000)) > AUTH_WINDOW_MS:
            return "timestamp missing or more than 5 s off"
        body_hash = hashlib.sha256(b"").hexdigest()
        signed = f"{method} {target} {body_hash} {key} {stamp}"
        expected = hmac.new(self.api_secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return "signature does not match"
        return None


def _feed_ids(values: Iterable[str]) -> list[str] | None:
    out = []
    for value in values:
        v = value.lower()
        if len(v) != 66 or not v.startswith("0x"):
            return None
        try:
            bytes.fromhex(v[2:])
        except ValueError:
            return None
        out.append(v)
    return out


def _handler(server: DataStreamsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("datastreams demo: " + format, *args)

        def send(self, status: int, body: dict[str, Any] | bytes) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            server.requests.append(self.path)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                self._get()

        def _get(self) -> None:
            why = server.authorized("GET", self.path, self.headers)
            if why:
                return self.send(401, {"message": f"unauthorized: {why}"})
            fault = server.fault
            if server.fault_feeds is not None and not any(
                f in self.path.lower() for f in server.fault_feeds
            ):
                fault = None
            if isinstance(fault, int):
                return self.send(fault, {"message": "demo fault"})
            if fault == "stall":
                time.sleep(server.stall_seconds)
            if fault == "not-json":
                return self.send(200, b"<html>upstream error</html>")
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            now = int(server.clock())
            route = parts.path
            if route == "/api/v1/feeds":
                return self.send(200, {"feeds": [{"feedID": f} for f in server.book.feeds()]})
            if route == "/api/v1/reports/bulk":
                ids = _feed_ids(query.get("feedIDs", [""])[0].split(","))
                at = query.get("timestamp", [""])[0]
                if not ids or len(ids) > MAX_FEEDS or not at.isdigit():
                    return self.send(400, {"message": "feedIDs and timestamp required"})
                reports = [r for r in (server.report(f, int(at)) for f in ids) if r]
                return self.send(206 if len(reports) < len(ids) else 200, {"reports": reports})
            ids = _feed_ids(query.get("feedID", []))
            if not ids or len(ids) != 1:
                return self.send(400, {"message": "feedID required"})
            feed = ids[0]
            if route == "/api/v1/reports/page":
                start, limit = query.get("startTimestamp", [""])[0], query.get("limit", ["10"])[0]
                if not start.isdigit() or not limit.isdigit() or not 0 < int(limit) <= MAX_PAGE:
                    return self.send(400, {"message": "startTimestamp and limit required"})
                span = range(int(start), min(int(start) + int(limit), now + 1))
                reports = [r for r in (server.report(feed, t) for t in span) if r]
                return self.send(200, {"reports": reports})
            if route == "/api/v1/reports/latest":
                at = now
            elif route == "/api/v1/reports":
                stamp = query.get("timestamp", [""])[0]
                if not stamp.isdigit():
                    return self.send(400, {"message": "timestamp required"})
                at = int(stamp)
            else:
                return self.send(404, {"message": "not found"})
            report = server.report(feed, at)
            if report is None:
                return self.send(401, {"message": f"no permission for feed {feed}"})
            if fault == "garbled":
                report["fullReport"] = report["fullReport"][:-130] + "ff" * 40
            elif fault == "wrong-schema":
                # The same report under a feed id announcing schema v3 (crypto streams).
                other = "0x0003" + feed[6:]
                report["feedID"] = other
                report["fullReport"] = report["fullReport"].replace(feed[2:], other[2:])
            return self.send(200, {"report": report})

    return Handler


def site_environment(server: DataStreamsServer, sources: Iterable[str]) -> dict[str, str]:
    """Environment variables that point the site's processes (worker, web) at the demo
    endpoint, with `datastreams` added to the price sources and its reports marked demo."""
    names = list(sources)
    if "datastreams" not in names:
        names.append("datastreams")
    return {
        "MARKETS_SOURCES": ",".join(names),
        "MARKETS_DATASTREAMS_URL": server.url,
        "MARKETS_DATASTREAMS_API_KEY": server.api_key,
        "MARKETS_DATASTREAMS_API_SECRET": server.api_secret,
        "MARKETS_DATASTREAMS_SIGNERS": ",".join(demo_signer_addresses()),
        "MARKETS_DATASTREAMS_MIN_SIGNATURES": str(DEMO_SIGNER_COUNT),
        "MARKETS_DATASTREAMS_DEMO": "true",
    }


def demo_source(server: DataStreamsServer, *, max_age: dt.timedelta, timeout: float) -> Any:
    """The site's own datastreams price source, configured for the demo endpoint (for the
    demo world's first sync, before its worker runs)."""
    from apps.markets.datastreams import DataStreamsClient
    from apps.markets.sources import DataStreamsSource

    client = DataStreamsClient(
        base_url=server.url,
        client_id=server.api_key,
        secret=server.api_secret,
        timeout=timeout,
        signers=frozenset(demo_signer_addresses()),
        min_signatures=DEMO_SIGNER_COUNT,
    )
    return DataStreamsSource(client=client, max_age=max_age, demo=True)
