"""Chainlink Data Streams client: the REST API, its HMAC authentication and the reports.

The only module of the site that speaks Data Streams. It follows the published API and
the official SDKs (smartcontractkit/data-streams-sdk: go/auth.go, go/endpoints.go,
go/report/report.go, go/report/v10/data.go, go/report/v8/data.go):

- `GET /api/v1/reports/latest?feedID=0x…` answers `{"report": Report}`; `/api/v1/reports`
  (one feed at a timestamp), `/api/v1/reports/bulk` (several feeds at a timestamp, 206
  when some had none), `/api/v1/reports/page` and `/api/v1/feeds` likewise. A Report is
  `{"feedID", "validFromTimestamp", "observationsTimestamp", "fullReport": "0x…"}`.
- Every request carries `Authorization` (the client id), `X-Authorization-Timestamp`
  (Unix milliseconds) and `X-Authorization-Signature-SHA256`: lower-case hex
  HMAC-SHA256(secret, "METHOD PATH?QUERY sha256hex(body) CLIENT_ID TIMESTAMP_MS"). The
  query string is built once, signed and sent as those exact bytes.
- `fullReport` is the ABI tuple (bytes32[3] reportContext, bytes reportBlob, bytes32[]
  rawRs, bytes32[] rawSs, bytes32 rawVs); the blob's schema is the feed id's first two
  bytes: 0x000a = v10 (tokenized asset), 0x0008 = v8 (RWA); any other is refused.
- Prices and multipliers are int192 with 18 decimals (1e18 = 1.0), times are Unix seconds
  except lastUpdateTimestamp (nanoseconds).

Signatures: the DON signs keccak256(keccak256(blob) ‖ reportContext[0..2]); each signer's
address is recovered here exactly as the Verifier contract does it. Which addresses may
sign is published on chain (the Verifier's ConfigSet), not through this API: with a
configured signer set a report is `verified` (enough distinct signers, all in the set) or
refused; without one it is `unverified` (well-formed, signers distinct, authority unknown).

Every fault is a DataStreamsError naming the endpoint (scheme://host[:port] only) and the
cause; the client id and secret never appear in a message. Replies are bounded in size
and in total time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import requests
from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_keys import keys
from eth_keys.exceptions import BadSignature, ValidationError
from eth_utils import keccak, to_checksum_address

from apps.core import safejson
from apps.core.redaction import redact_url

SchemaName = Literal["v10", "v8"]
Verification = Literal["verified", "unverified"]

# Reports are fixed point with 18 decimals (the SDKs' docs and tests: 1e18 = 1.0).
REPORT_DECIMALS = 18
SCALE = Decimal(10) ** REPORT_DECIMALS
SCHEMAS: dict[int, SchemaName] = {0x000A: "v10", 0x0008: "v8"}
FULL_REPORT_TYPES = ("bytes32[3]", "bytes", "bytes32[]", "bytes32[]", "bytes32")
V10_TYPES = (
    "bytes32",  # feedId
    "uint32",  # validFromTimestamp, s
    "uint32",  # observationsTimestamp, s
    "uint192",  # nativeFee, wei
    "uint192",  # linkFee, juels
    "uint32",  # expiresAt, s
    "uint64",  # lastUpdateTimestamp, ns
    "int192",  # price, 18 decimals
    "uint32",  # marketStatus: 0 unknown, 1 closed, 2 open
    "int192",  # currentMultiplier, 18 decimals
    "int192",  # newMultiplier, 18 decimals (0: none scheduled)
    "uint32",  # activationDateTime, s (0: none scheduled)
    "int192",  # tokenizedPrice, 18 decimals
)
V8_TYPES = (
    "bytes32",  # feedId
    "uint32",  # validFromTimestamp
    "uint32",  # observationsTimestamp
    "uint192",  # nativeFee
    "uint192",  # linkFee
    "uint32",  # expiresAt
    "uint64",  # lastUpdateTimestamp, ns
    "int192",  # midPrice, 18 decimals
    "uint32",  # marketStatus
)
BLOB_BYTES = {"v10": 32 * len(V10_TYPES), "v8": 32 * len(V8_TYPES)}
MARKET_STATUS = {0: "unknown", 1: "closed", 2: "open"}

# A report is about 1.3 kB of JSON; a bulk answer of 1,000 feeds about 1.5 MB.
MAX_REPLY_BYTES = 4 * 1024 * 1024
REPLY_CHUNK_BYTES = 64 * 1024
# fullReport: 96 + 416 bytes of context and blob, 31 signatures of 64 bytes, ABI heads.
MAX_FULL_REPORT_BYTES = 8 * 1024
MAX_SIGNATURES = 31  # the Verifier's maximum number of oracles
MAX_FEEDS_PER_CALL = 1000  # feed ids asked in one latest_reports()/bulk call
CLOCK_SKEW = dt.timedelta(minutes=1)  # a report may be this far in our future
DEFAULT_TIMEOUT = 5.0  # seconds per request, the whole reply included
DEFAULT_WORKERS = 8  # concurrent requests for the latest report of many feeds
MAX_MESSAGE_CHARS = 300  # quoted server messages are cut to this
_FEED_ID = re.compile(r"^0x[0-9a-f]{64}$")
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class DataStreamsError(Exception):
    """The endpoint could not give a good report: down, refused, timed out, or garbled.

    `transient` faults (connection refused, timeout, HTTP 5xx) may succeed if retried.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


# --- authentication --------------------------------------------------------------------


def hmac_signature(
    *, method: str, path_and_query: str, body: bytes, client_id: str, timestamp_ms: int, secret: str
) -> str:
    """X-Authorization-Signature-SHA256 as the SDKs compute it (go/auth.go)."""
    string_to_sign = (
        f"{method} {path_and_query} {hashlib.sha256(body).hexdigest()} {client_id} {timestamp_ms}"
    )
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def auth_headers(
    *, method: str, path_and_query: str, client_id: str, secret: str, timestamp_ms: int
) -> dict[str, str]:
    """The three authentication headers of a request without a body."""
    signature = hmac_signature(
        method=method,
        path_and_query=path_and_query,
        body=b"",
        client_id=client_id,
        timestamp_ms=timestamp_ms,
        secret=secret,
    )
    return {
        "Authorization": client_id,
        "X-Authorization-Timestamp": str(timestamp_ms),
        "X-Authorization-Signature-SHA256": signature,
    }


# --- reports ---------------------------------------------------------------------------


def parse_feed_id(value: object) -> bytes:
    """32 bytes from "0x" + 64 hex digits (either case), or DataStreamsError."""
    text = value.lower() if isinstance(value, str) else ""
    if not _FEED_ID.match(text):
        shown = repr(value)[:80]
        raise DataStreamsError(f"feed id {shown} is not 0x and 64 hex digits")
    return bytes.fromhex(text[2:])


def schema_of(feed_id: str) -> SchemaName:
    """The report schema a feed id announces in its first two bytes."""
    version = int.from_bytes(parse_feed_id(feed_id)[:2], "big")
    schema = SCHEMAS.get(version)
    if schema is None:
        raise DataStreamsError(
            f"feed {feed_id}: report schema 0x{version:04x} is not supported "
            "(0x000a tokenized asset v10 and 0x0008 RWA v8 are)"
        )
    return schema


def _seconds(value: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _fixed(value: int) -> Decimal:
    """An int192 with 18 decimals as an exact Decimal."""
    return Decimal(value).scaleb(-REPORT_DECIMALS)


@dataclass(frozen=True)
class ReportData:
    """The fields of a v10 (tokenized asset) or v8 (RWA) report blob, decoded and scaled.

    v8 reports carry no multipliers and no tokenized price: those are None.
    """

    schema: SchemaName
    feed_id: str
    valid_from: dt.datetime
    observed_at: dt.datetime
    native_fee: int
    link_fee: int
    expires_at: dt.datetime
    last_update_ns: int
    price: Decimal  # v10 price (the underlying's last trade), v8 midPrice
    market_status: int
    current_multiplier: Decimal | None = None
    new_multiplier: Decimal | None = None
    activation_at: dt.datetime | None = None
    tokenized_price: Decimal | None = None

    @property
    def last_update_at(self) -> dt.datetime | None:
        if not self.last_update_ns:
            return None
        return _seconds(self.last_update_ns // 10**9).replace(
            microsecond=self.last_update_ns % 10**9 // 1000
        )

    @property
    def market_status_label(self) -> str:
        return MARKET_STATUS.get(self.market_status, f"unknown status {self.market_status}")


@dataclass(frozen=True)
class SignedReport:
    """One report as the API gave it: decoded fields, context, signers and the raw bytes."""

    data: ReportData
    config_digest: str
    epoch: int
    round: int
    signers: tuple[str, ...]
    verification: Verification
    full_report: str  # 0x-prefixed hex, exactly as received: the evidence

    @property
    def feed_id(self) -> str:
        return self.data.feed_id


def decode_blob(blob: bytes, *, schema: SchemaName) -> ReportData:
    """A report blob of the given schema, checked field by field."""
    size = BLOB_BYTES[schema]
    if len(blob) != size:
        raise DataStreamsError(f"{schema} report blob must be {size} bytes, got {len(blob)}")
    types = V10_TYPES if schema == "v10" else V8_TYPES
    try:
        values = abi_decode(list(types), blob)
    except DecodingError as exc:
        raise DataStreamsError(f"{schema} report blob does not decode: {exc}") from exc
    feed = "0x" + values[0].hex()
    if SCHEMAS.get(int.from_bytes(values[0][:2], "big")) != schema:
        raise DataStreamsError(f"report blob of feed {feed} is not a {schema} report")
    common = {
        "schema": schema,
        "feed_id": feed,
        "valid_from": _seconds(values[1]),
        "observed_at": _seconds(values[2]),
        "native_fee": values[3],
        "link_fee": values[4],
        "expires_at": _seconds(values[5]),
        "last_update_ns": values[6],
        "price": _fixed(values[7]),
        "market_status": values[8],
    }
    if schema == "v8":
        return ReportData(**common)
    return ReportData(
        **common,
        current_multiplier=_fixed(values[9]),
        new_multiplier=_fixed(values[10]),
        activation_at=_seconds(values[11]) if values[11] else None,
        tokenized_price=_fixed(values[12]),
    )


def check_report(data: ReportData, *, now: dt.datetime) -> None:
    """What a reader can check without a verifier contract (DataStreamsError if not)."""
    where = f"report of feed {data.feed_id} at {data.observed_at:%Y-%m-%dT%H:%M:%SZ}"
    if data.valid_from > data.observed_at:
        raise DataStreamsError(f"{where}: valid from {data.valid_from} after its observation")
    if data.observed_at > now + CLOCK_SKEW:
        raise DataStreamsError(f"{where}: observed in the future")
    if data.expires_at < data.observed_at:
        raise DataStreamsError(f"{where}: expires before its observation")
    if data.last_update_ns // 10**9 > int(data.observed_at.timestamp()):
        raise DataStreamsError(f"{where}: last price update after the observation")
    if data.price <= 0:
        raise DataStreamsError(f"{where}: price {data.price} is not positive")
    if data.schema != "v10":
        return
    current = data.current_multiplier or Decimal(0)
    new = data.new_multiplier or Decimal(0)
    if current <= 0:
        raise DataStreamsError(f"{where}: current multiplier {current} is not positive")
    if new < 0 or (data.activation_at is not None and new == 0):
        raise DataStreamsError(f"{where}: new multiplier {new} scheduled")
    if (data.tokenized_price or 0) < 0:
        raise DataStreamsError(f"{where}: tokenized price {data.tokenized_price} is negative")


def recover_signers(
    *, context: Sequence[bytes], blob: bytes, rs: Sequence[bytes], ss: Sequence[bytes], vs: bytes
) -> tuple[str, ...]:
    """The addresses that signed the report, as the Verifier contract recovers them."""
    if len(rs) != len(ss) or not 1 <= len(rs) <= MAX_SIGNATURES:
        raise DataStreamsError(f"report signatures: {len(rs)} r and {len(ss)} s values")
    digest = keccak(keccak(blob) + b"".join(context))
    signers = []
    for i, (r, s) in enumerate(zip(rs, ss, strict=True)):
        try:
            signature = keys.Signature(
                vrs=(vs[i], int.from_bytes(r, "big"), int.from_bytes(s, "big"))
            )
            public_key = signature.recover_public_key_from_msg_hash(digest)
        except (BadSignature, ValidationError, ValueError) as exc:
            raise DataStreamsError(f"report signature {i} is not a valid signature") from exc
        signers.append(public_key.to_checksum_address())
    if len(set(signers)) != len(signers):
        raise DataStreamsError("report signed twice by the same signer")
    return tuple(signers)


def decode_full_report(
    full_report: object,
    *,
    signers: frozenset[str] = frozenset(),
    min_signatures: int = 1,
    now: dt.datetime | None = None,
) -> SignedReport:
    """Decode, check and (with a signer set) verify one fullReport hex string."""
    now = now or dt.datetime.now(tz=dt.UTC)
    if not isinstance(full_report, str) or not full_report.startswith("0x"):
        raise DataStreamsError("fullReport is not a 0x-prefixed hex string")
    if len(full_report) > 2 + 2 * MAX_FULL_REPORT_BYTES:
        raise DataStreamsError(f"fullReport is larger than {MAX_FULL_REPORT_BYTES} bytes")
    try:
        raw = bytes.fromhex(full_report[2:])
    except ValueError as exc:
        raise DataStreamsError("fullReport is not hex") from exc
    try:
        context, blob, rs, ss, vs = abi_decode(list(FULL_REPORT_TYPES), raw)
    except DecodingError as exc:
        raise DataStreamsError(f"fullReport does not decode: {exc}") from exc
    if len(blob) < 32:
        raise DataStreamsError(f"report blob of {len(blob)} bytes has no feed id")
    schema = schema_of("0x" + blob[:32].hex())
    data = decode_blob(blob, schema=schema)
    check_report(data, now=now)
    recovered = recover_signers(context=context, blob=blob, rs=rs, ss=ss, vs=vs)
    verification: Verification = "unverified"
    if signers:
        strangers = [a for a in recovered if a not in signers]
        if strangers:
            raise DataStreamsError(
                f"report of feed {data.feed_id} signed by {strangers[0]}, not a configured signer"
            )
        if len(recovered) < min_signatures:
            raise DataStreamsError(
                f"report of feed {data.feed_id} has {len(recovered)} signatures, "
                f"{min_signatures} required"
            )
        verification = "verified"
    epoch_and_round = int.from_bytes(context[1], "big")
    return SignedReport(
        data=data,
        config_digest="0x" + context[0].hex(),
        epoch=(epoch_and_round >> 8) & 0xFFFFFFFF,
        round=epoch_and_round & 0xFF,
        signers=recovered,
        verification=verification,
        full_report=full_report.lower(),
    )


def _report_from_json(
    item: object, *, signers: frozenset[str], min_signatures: int, now: dt.datetime
) -> SignedReport:
    if not isinstance(item, dict):
        raise DataStreamsError("a report is not a JSON object")
    feed = item.get("feedID")
    parse_feed_id(feed)
    report = decode_full_report(
        item.get("fullReport"), signers=signers, min_signatures=min_signatures, now=now
    )
    data = report.data
    if data.feed_id != str(feed).lower():
        raise DataStreamsError(f"report announced as feed {feed} carries feed {data.feed_id}")
    for key, value in (
        ("validFromTimestamp", data.valid_from),
        ("observationsTimestamp", data.observed_at),
    ):
        announced = item.get(key)
        if isinstance(announced, bool) or not isinstance(announced, int):
            raise DataStreamsError(f"report of feed {feed}: {key} is not a whole number")
        if announced != int(value.timestamp()):
            raise DataStreamsError(f"report of feed {feed}: {key} differs from the signed report")
    return report


# --- the HTTP client -------------------------------------------------------------------


@dataclass(frozen=True)
class DataStreamsClient:
    """A Data Streams REST endpoint with its credentials; thread-safe, no state but a pool."""

    base_url: str
    client_id: str = field(repr=False)
    secret: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    signers: frozenset[str] = frozenset()
    min_signatures: int = 1
    workers: int = DEFAULT_WORKERS
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def __post_init__(self) -> None:
        if not self.client_id or not self.secret:
            raise DataStreamsError("a Data Streams client id and secret are required")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        checked = set()
        for address in self.signers:
            try:
                checked.add(to_checksum_address(address))
            except ValueError as exc:
                raise DataStreamsError(f"signer {address[:50]!r} is not an address") from exc
        object.__setattr__(self, "signers", frozenset(checked))
        if checked and not 1 <= self.min_signatures <= len(checked):
            raise DataStreamsError(
                f"{self.min_signatures} signatures required of {len(checked)} signers: "
                "no report could verify"
            )
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(self.workers, 1))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @property
    def label(self) -> str:
        """What messages show of the endpoint: scheme://host[:port]."""
        return redact_url(self.base_url) or "endpoint"

    @property
    def where(self) -> str:
        # In brackets, so a URL scrubber reads the URL without the colon after it.
        return f"Data Streams ({self.label})"

    # -- endpoints --

    def latest_report(self, feed_id: str) -> SignedReport:
        """The latest report of one feed (GET /api/v1/reports/latest)."""
        schema_of(feed_id)
        body = self._get("/api/v1/reports/latest", {"feedID": feed_id})
        return self._one(body, feed_id)

    def report_at(self, feed_id: str, timestamp: int) -> SignedReport:
        """The report of one feed at a Unix time in seconds (GET /api/v1/reports)."""
        schema_of(feed_id)
        body = self._get("/api/v1/reports", {"feedID": feed_id, "timestamp": str(timestamp)})
        return self._one(body, feed_id)

    def latest_reports(self, feed_ids: Iterable[str]) -> list[SignedReport]:
        """The latest report of every feed: all of them, or the first error in feed order."""
        out = []
        for answer in self.latest_by_feed(feed_ids).values():
            if isinstance(answer, DataStreamsError):
                raise answer
            out.append(answer)
        return out

    def latest_by_feed(self, feed_ids: Iterable[str]) -> dict[str, SignedReport | DataStreamsError]:
        """{feed id: its latest report, or why there is none}, asked concurrently.

        The API has no bulk form of "latest": one request per feed, at most `workers` at
        a time. A feed of an unsupported schema fails the call before any request.
        """
        ids = self._checked_ids(feed_ids)
        if not ids:
            return {}

        def ask(feed: str) -> SignedReport | DataStreamsError:
            try:
                return self.latest_report(feed)
            except DataStreamsError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=min(self.workers, len(ids))) as pool:
            return dict(zip(ids, pool.map(ask, ids), strict=True))

    def reports_bulk(self, feed_ids: Iterable[str], timestamp: int) -> list[SignedReport]:
        """Reports of many feeds at one Unix time (GET /api/v1/reports/bulk); a feed
        without a report at that time is left out (the API answers 206)."""
        ids = self._checked_ids(feed_ids)
        if not ids:
            return []
        body = self._get(
            "/api/v1/reports/bulk",
            {"feedIDs": ",".join(ids), "timestamp": str(timestamp)},
            partial_ok=True,
        )
        reports = self._many(body)
        unknown = {r.feed_id for r in reports} - set(ids)
        if unknown:
            raise DataStreamsError(f"{self.where}: bulk answer has feed {sorted(unknown)[0]}")
        return reports

    def report_page(self, feed_id: str, start: int, limit: int = 10) -> list[SignedReport]:
        """Reports of one feed from a Unix time on, oldest first (GET /api/v1/reports/page);
        ask again from the last observationsTimestamp + 1 for the next page."""
        schema_of(feed_id)
        params = {"feedID": feed_id, "startTimestamp": str(start), "limit": str(limit)}
        reports = self._many(self._get("/api/v1/reports/page", params))
        if any(r.feed_id != feed_id.lower() for r in reports):
            raise DataStreamsError(f"{self.where}: page of {feed_id} has another feed's report")
        return reports

    def feeds(self) -> list[str]:
        """Feed ids this client may read (GET /api/v1/feeds)."""
        body = self._get("/api/v1/feeds", {})
        rows = body.get("feeds")
        if not isinstance(rows, list):
            raise DataStreamsError(f"{self.where}: no 'feeds' list in the answer")
        out = []
        for row in rows:
            feed = row.get("feedID") if isinstance(row, dict) else None
            parse_feed_id(feed)
            out.append(str(feed).lower())
        return out

    # -- plumbing --

    def _checked_ids(self, feed_ids: Iterable[str]) -> list[str]:
        ids = list(dict.fromkeys(str(f).lower() for f in feed_ids))
        if len(ids) > MAX_FEEDS_PER_CALL:
            raise DataStreamsError(f"at most {MAX_FEEDS_PER_CALL} feeds per call, {len(ids)} asked")
        for feed in ids:
            schema_of(feed)
        return ids

    def _decode(self, item: object) -> SignedReport:
        try:
            return _report_from_json(
                item,
                signers=self.signers,
                min_signatures=self.min_signatures,
                now=dt.datetime.now(tz=dt.UTC),
            )
        except DataStreamsError as exc:
            raise DataStreamsError(f"{self.where}: {exc}") from exc

    def _one(self, body: dict[str, Any], feed_id: str) -> SignedReport:
        report = self._decode(body.get("report"))
        if report.feed_id != feed_id.lower():
            raise DataStreamsError(
                f"{self.where}: asked for feed {feed_id}, answered {report.feed_id}"
            )
        return report

    def _many(self, body: dict[str, Any]) -> list[SignedReport]:
        rows = body.get("reports")
        if not isinstance(rows, list):
            raise DataStreamsError(f"{self.where}: no 'reports' list in the answer")
        return [self._decode(row) for row in rows]

    def _get(self, path: str, params: dict[str, str], *, partial_ok: bool = False) -> dict:
        # Built once, signed and sent as these exact bytes; keys sorted and the values
        # escaped like Go's url.Values.Encode (a comma becomes %2C).
        query = urlencode(sorted(params.items()))
        target = urlsplit(self.base_url).path + path + (f"?{query}" if query else "")
        url = self.base_url + path + (f"?{query}" if query else "")
        headers = {
            "Accept": "application/json",
            **auth_headers(
                method="GET",
                path_and_query=target,
                client_id=self.client_id,
                secret=self.secret,
                timestamp_ms=int(time.time() * 1000),
            ),
        }
        doing = f"GET {path}"
        deadline = time.monotonic() + self.timeout
        try:
            with self.session.get(url, headers=headers, timeout=self.timeout, stream=True) as r:
                content = self._read(r, deadline, doing)
                status = r.status_code
        except requests.exceptions.Timeout as exc:
            raise DataStreamsError(
                f"{self.where}: timed out ({self.timeout:g} s) on {doing}", transient=True
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            raise DataStreamsError(
                f"{self.where}: connection failed on {doing}", transient=True
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise DataStreamsError(
                f"{self.where}: request failed on {doing}: {type(exc).__name__}"
            ) from exc
        if status != 200 and not (partial_ok and status == 206):
            raise DataStreamsError(
                f"{self.where}: HTTP {status} on {doing}{_server_message(content)}",
                transient=status >= 500,
            )
        try:
            body = safejson.loads(content)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise DataStreamsError(f"{self.where}: answer to {doing} is not JSON") from exc
        if not isinstance(body, dict):
            raise DataStreamsError(f"{self.where}: answer to {doing} is not a JSON object")
        return body

    def _read(self, response: requests.Response, deadline: float, doing: str) -> bytes:
        """The whole body within the deadline and MAX_REPLY_BYTES (requests' timeout
        bounds each wait for bytes, not the whole reply)."""
        body = bytearray()
        while chunk := response.raw.read1(REPLY_CHUNK_BYTES, decode_content=True):
            body += chunk
            if len(body) > MAX_REPLY_BYTES:
                raise DataStreamsError(
                    f"{self.where}: answer to {doing} larger than {MAX_REPLY_BYTES} bytes"
                )
            if time.monotonic() > deadline:
                raise requests.exceptions.ReadTimeout("reply not complete in time")
        return bytes(body)


def _server_message(content: bytes) -> str:
    """The server's own error text (`{"message": ...}` or plain text), short and printable."""
    try:
        body = safejson.loads(content)
        text = body.get("message") or body.get("error") if isinstance(body, dict) else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        text = content[:MAX_MESSAGE_CHARS].decode("utf-8", "replace")
    if not isinstance(text, str) or not text.strip():
        return ""
    text = "".join(ch if ch.isprintable() else " " for ch in text.strip())
    return ": " + (text[:MAX_MESSAGE_CHARS] + "…" if len(text) > MAX_MESSAGE_CHARS else text)
