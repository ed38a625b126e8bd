"""The Chainlink Data Streams client against the local endpoint over HTTP, and its codec
against the SDKs' published test vectors and a report the official TypeScript SDK decodes."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from eth_keys import keys
from eth_utils import keccak

from apps.devchain.datastreams_demo import DEMO_API_KEY, Observation, demo_signer_addresses
from apps.markets.datastreams import (
    DataStreamsError,
    auth_headers,
    decode_full_report,
    hmac_signature,
    schema_of,
)
from tests.markets.datastreams_helpers import (
    AAPLX_OBSERVATION,
    AAPLX_V8,
    AAPLX_V10,
    TSLAX_V10,
    Book,
    client_for,
    local_endpoint,
)

RECORDED = Path(__file__).parent / "recorded"


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "client_id", "timestamp", "secret", "expected"),
    [
        # go/auth_test.go Test_generateHMAC (smartcontractkit/data-streams-sdk @ 815637d)
        (
            "GET",
            "/api/v1/feeds",
            b"",
            "clientId",
            1718885772,
            "userSecret",
            "e9b2aa1deb13b2abd078353a5e335b2f50307159ad28b433157d2c74dbab2072",
        ),
        (
            "POST",
            "/api/v1/feeds",
            b"",
            "clientId1",
            12000,
            "secret1",
            "31b48ebdb13802b58978cd89eca0c3c68ddccf85392e703b55942544e7203d3d",
        ),
        (
            "POST",
            "/api/v1/reports/bulk",
            b'{"attr1": "value1","attr2": [1,2,3]}',
            "clientId2",
            1718885772,
            "secret2",
            "37190febe20b6f3662f6abbfa3a7085ad705ac64e88bde8c1a01a635859e6cf7",
        ),
    ],
)
def test_hmac_signature_matches_the_sdk_test_vectors(
    method, path, body, client_id, timestamp, secret, expected
):
    signature = hmac_signature(
        method=method,
        path_and_query=path,
        body=body,
        client_id=client_id,
        timestamp_ms=timestamp,
        secret=secret,
    )
    assert signature == expected


def test_auth_headers_name_the_client_and_time_but_never_the_secret():
    headers = auth_headers(
        method="GET",
        path_and_query="/api/v1/feeds",
        client_id="clientId",
        secret="userSecret",
        timestamp_ms=1718885772,
    )
    assert headers == {
        "Authorization": "clientId",
        "X-Authorization-Timestamp": "1718885772",
        "X-Authorization-Signature-SHA256": (
            "e9b2aa1deb13b2abd078353a5e335b2f50307159ad28b433157d2c74dbab2072"
        ),
    }
    assert "userSecret" not in json.dumps(headers)


# --- decoding ----------------------------------------------------------------------------


def test_a_report_decodes_to_what_the_official_sdk_reads():
    """The protocols worked example (synthetic figures, AAPLx's real v10 feed id): the
    official TypeScript SDK's decodeReport() (npm @chainlink/data-streams-sdk 1.2.1) reads
    price 273450000000000000000, marketStatus 2, currentMultiplier 1e18, newMultiplier 4e18,
    lastUpdateTimestamp 1766999998000000000 from these bytes."""
    item = json.loads((RECORDED / "datastreams_v10_report.json").read_text())["report"]
    report = decode_full_report(item["fullReport"], now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    data = report.data
    assert data.schema == "v10"
    assert data.feed_id == AAPLX_V10 == item["feedID"]
    assert data.observed_at == dt.datetime(2025, 12, 29, 9, 20, tzinfo=dt.UTC)
    assert data.price == Decimal("273.45")
    assert data.tokenized_price == Decimal("273.61")
    assert data.market_status == 2 and data.market_status_label == "open"
    assert data.current_multiplier == Decimal(1) and data.new_multiplier == Decimal(4)
    assert data.activation_at == data.observed_at + dt.timedelta(days=3)
    assert data.last_update_ns == 1766999998000000000
    assert data.last_update_at == data.observed_at - dt.timedelta(seconds=2)
    assert data.expires_at == data.observed_at + dt.timedelta(days=1)
    assert (report.epoch, report.round) == (1234, 5)
    assert report.config_digest.startswith("0x0006")
    # Signed by the example's two demo keys, recovered as the Verifier contract does.
    expected = [
        keys.PrivateKey(keccak(text=f"demo-don-signer-{i}")).public_key.to_checksum_address()
        for i in range(2)
    ]
    assert list(report.signers) == expected
    assert report.verification == "unverified"  # no signer set given


def test_schema_comes_from_the_feed_id_prefix():
    assert schema_of(AAPLX_V10) == "v10"
    assert schema_of(AAPLX_V8) == "v8"
    with pytest.raises(DataStreamsError, match="schema 0x0003 is not supported"):
        schema_of("0x0003" + AAPLX_V10[6:])
    with pytest.raises(DataStreamsError, match="not 0x and 64 hex digits"):
        schema_of("0x000a")


# --- the client against the local endpoint -------------------------------------------------


def test_latest_signed_v10_report_is_decoded_to_exact_decimals():
    with local_endpoint() as server:
        report = client_for(server).latest_report(AAPLX_V10)
        asked = server.requests
    data = report.data
    assert data.price == Decimal("273.123456789012345678")  # all 18 decimals, exact
    assert data.tokenized_price == Decimal("273.61")
    assert data.current_multiplier == Decimal(1) and data.new_multiplier == Decimal(4)
    assert data.activation_at == dt.datetime(2030, 1, 2, tzinfo=dt.UTC)
    assert data.market_status == 2
    assert abs(time.time() - data.observed_at.timestamp()) < 5
    assert report.verification == "verified" and len(report.signers) == 2
    assert asked == [f"/api/v1/reports/latest?feedID={AAPLX_V10}"]


def test_many_feeds_at_once_and_in_bulk():
    book = Book({AAPLX_V10: AAPLX_OBSERVATION, TSLAX_V10: AAPLX_OBSERVATION})
    with local_endpoint(book) as server:
        client = client_for(server)
        latest = client.latest_reports([TSLAX_V10, AAPLX_V10, AAPLX_V10.upper()])
        at = int(time.time()) - 2
        bulk = client.reports_bulk([AAPLX_V10, TSLAX_V10], at)
        del book.observations[TSLAX_V10]
        partial = client.reports_bulk([AAPLX_V10, TSLAX_V10], at)  # 206: the others
        page = client.report_page(AAPLX_V10, at - 3, limit=3)
        feeds = client.feeds()
        asked = server.requests
    assert [r.feed_id for r in latest] == [TSLAX_V10, AAPLX_V10]  # asked once each
    assert sorted(r.feed_id for r in bulk) == [AAPLX_V10, TSLAX_V10]
    assert {int(r.data.observed_at.timestamp()) for r in bulk} == {at}
    assert [r.feed_id for r in partial] == [AAPLX_V10]
    assert [int(r.data.observed_at.timestamp()) for r in page] == [at - 3, at - 2, at - 1]
    assert feeds == [AAPLX_V10]
    # Signed as sent: the comma between feed ids is escaped as Go's url.Values does.
    assert f"feedIDs={AAPLX_V10}%2C{TSLAX_V10}&timestamp={at}" in asked[3]


def test_report_at_a_time():
    with local_endpoint() as server:
        report = client_for(server).report_at(AAPLX_V10, 1_767_000_000)
    assert report.data.observed_at == dt.datetime(2025, 12, 29, 9, 20, tzinfo=dt.UTC)


def test_without_a_signer_set_reports_read_unverified():
    with local_endpoint() as server:
        report = client_for(server, signers=frozenset()).latest_report(AAPLX_V10)
    assert report.verification == "unverified"


def test_a_report_signed_by_someone_else_is_refused():
    stranger = keys.PrivateKey(keccak(text="someone else")).public_key.to_checksum_address()
    three = frozenset({stranger, *demo_signer_addresses()})
    with local_endpoint() as server:
        with pytest.raises(DataStreamsError, match="not a configured signer"):
            client_for(server, signers=frozenset({stranger}), min_signatures=1).latest_report(
                AAPLX_V10
            )
        with pytest.raises(DataStreamsError, match="2 signatures, 3 required"):
            client_for(server, signers=three, min_signatures=3).latest_report(AAPLX_V10)
    with pytest.raises(DataStreamsError, match="3 signatures required of 2 signers"):
        client_for(server, min_signatures=3)


def test_a_tampered_report_no_longer_verifies():
    """One byte of the price changed after signing: the signatures recover other addresses."""
    with local_endpoint() as server:
        item = json.loads(
            client_for(server)
            .session.get(
                f"{server.url}/api/v1/reports/latest?feedID={AAPLX_V10}",
                headers=_signed(server, f"/api/v1/reports/latest?feedID={AAPLX_V10}"),
                timeout=2,
            )
            .content
        )["report"]
    price = format(int(AAPLX_OBSERVATION.price * 10**18), "064x")
    assert price in item["fullReport"]
    tampered = item["fullReport"].replace(price, format(int(price, 16) + 1, "064x"))
    with pytest.raises(DataStreamsError, match="not a configured signer"):
        decode_full_report(tampered, signers=frozenset(client_for(server).signers))


def _signed(server, target: str) -> dict[str, str]:
    from apps.devchain.datastreams_demo import DEMO_API_SECRET

    return auth_headers(
        method="GET",
        path_and_query=target,
        client_id=DEMO_API_KEY,
        secret=DEMO_API_SECRET,
        timestamp_ms=int(time.time() * 1000),
    )


@pytest.mark.parametrize(
    ("fault", "message", "transient"),
    [
        ("garbled", "fullReport does not decode", False),
        ("wrong-schema", "schema 0x0003 is not supported", False),
        ("not-json", "is not JSON", False),
        (401, "HTTP 401", False),
        (500, "HTTP 500 on GET /api/v1/reports/latest: demo fault", True),
        (503, "HTTP 503", True),
    ],
)
def test_every_fault_is_a_clear_error(fault, message, transient):
    with local_endpoint() as server:
        server.fault = fault
        with pytest.raises(DataStreamsError, match=message) as caught:
            client_for(server).latest_report(AAPLX_V10)
    assert caught.value.transient is transient
    assert str(caught.value).startswith(f"Data Streams ({server.url}): ")  # names the endpoint


def test_a_wrong_secret_is_refused_by_the_endpoint():
    with (
        local_endpoint() as server,
        pytest.raises(DataStreamsError, match=r"HTTP 401.*signature does not match") as err,
    ):
        client_for(server, secret="not-the-secret").latest_report(AAPLX_V10)
    assert "not-the-secret" not in str(err.value) and DEMO_API_KEY not in str(err.value)


def test_a_clock_more_than_five_seconds_off_is_refused():
    with (
        local_endpoint(auth_clock=lambda: time.time() + 10) as server,
        pytest.raises(DataStreamsError, match=r"HTTP 401.*more than 5 s off"),
    ):
        client_for(server).latest_report(AAPLX_V10)


def test_a_stalled_endpoint_times_out():
    with local_endpoint() as server:
        server.fault, server.stall_seconds = "stall", 3.0
        started = time.monotonic()
        with pytest.raises(DataStreamsError, match=r"timed out \(0.5 s\)") as caught:
            client_for(server, timeout=0.5).latest_report(AAPLX_V10)
        assert time.monotonic() - started < 2.5
    assert caught.value.transient


def test_a_feed_of_another_schema_is_never_asked_for():
    with local_endpoint() as server:
        with pytest.raises(DataStreamsError, match="schema 0x0003 is not supported"):
            client_for(server).latest_reports([AAPLX_V10, "0x0003" + AAPLX_V10[6:]])
        assert server.requests == []


def test_one_failing_feed_fails_the_whole_set():
    with (
        local_endpoint() as server,
        pytest.raises(DataStreamsError, match=rf"HTTP 401.*no permission for feed {TSLAX_V10}"),
    ):
        client_for(server).latest_reports([AAPLX_V10, TSLAX_V10])


def test_a_report_that_contradicts_itself_is_refused():
    bad = {
        "a price of zero": Observation(
            price=Decimal(0), tokenized_price=Decimal(1), market_status=2
        ),
        "a multiplier of zero": Observation(
            price=Decimal(1),
            tokenized_price=Decimal(1),
            market_status=2,
            current_multiplier=Decimal(0),
        ),
        "a scheduled multiplier of zero": Observation(
            price=Decimal(1),
            tokenized_price=Decimal(1),
            market_status=2,
            activation=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        ),
    }
    for label, observation in bad.items():
        with local_endpoint(Book({AAPLX_V10: observation})) as server:
            with pytest.raises(DataStreamsError, match=r"not positive|scheduled"):
                client_for(server).latest_report(AAPLX_V10)
            assert server.requests, label


def test_an_undefined_market_status_is_kept_not_refused():
    with local_endpoint(
        Book(
            {AAPLX_V10: Observation(price=Decimal(5), tokenized_price=Decimal(5), market_status=3)}
        )
    ) as server:
        data = client_for(server).latest_report(AAPLX_V10).data
    assert data.market_status == 3 and data.market_status_label == "unknown status 3"


def test_a_report_from_the_future_is_refused():
    with (
        local_endpoint(clock=lambda: time.time() + 3600) as server,
        pytest.raises(DataStreamsError, match="observed in the future"),
    ):
        client_for(server).latest_report(AAPLX_V10)


def test_credentials_are_required_and_never_shown():
    with pytest.raises(DataStreamsError, match="client id and secret are required"):
        client_for_url("http://127.0.0.1:9", secret="")
    client = client_for_url("http://127.0.0.1:9/key-in-path?token=abc", secret="s3cret-value")
    assert "s3cret-value" not in repr(client) and DEMO_API_KEY not in repr(client)
    with pytest.raises(DataStreamsError) as caught:
        client.latest_report(AAPLX_V10)  # nothing listens on port 9
    message = str(caught.value)
    assert message.startswith("Data Streams (http://127.0.0.1:9): connection failed")
    assert "key-in-path" not in message and "abc" not in message and caught.value.transient


def client_for_url(url: str, *, secret: str):
    from apps.markets.datastreams import DataStreamsClient

    return DataStreamsClient(base_url=url, client_id=DEMO_API_KEY, secret=secret, timeout=1)


def test_a_v8_rwa_report_decodes_too():
    """Schema v8 (RWA standard: midPrice and marketStatus), laid out as go/report/v8/data.go
    and signed as a DON signs, decodes with its own field set."""
    from eth_abi import encode

    at = 1_767_000_000
    blob = encode(
        [
            "bytes32",
            "uint32",
            "uint32",
            "uint192",
            "uint192",
            "uint32",
            "uint64",
            "int192",
            "uint32",
        ],
        [
            bytes.fromhex(AAPLX_V8[2:]),
            at,
            at,
            0,
            0,
            at + 60,
            at * 10**9,
            273_450_000_000_000_000_000,
            1,
        ],
    )
    context = [bytes.fromhex("0006" + "22" * 30), (7 << 8 | 3).to_bytes(32, "big"), bytes(32)]
    key = keys.PrivateKey(keccak(text="v8 signer"))
    signature = key.sign_msg_hash(keccak(keccak(blob) + b"".join(context)))
    full = encode(
        ["bytes32[3]", "bytes", "bytes32[]", "bytes32[]", "bytes32"],
        [
            context,
            blob,
            [signature.r.to_bytes(32, "big")],
            [signature.s.to_bytes(32, "big")],
            bytes([signature.v]) + bytes(31),
        ],
    )
    report = decode_full_report("0x" + full.hex(), now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    data = report.data
    assert data.schema == "v8" and data.feed_id == AAPLX_V8
    assert data.price == Decimal("273.45") and data.market_status == 1
    assert data.current_multiplier is None and data.tokenized_price is None
    assert report.signers == (key.public_key.to_checksum_address(),)
    assert (report.epoch, report.round) == (7, 3)
    # A v8 blob under a v10 feed id is refused.
    with pytest.raises(DataStreamsError, match="v10 report blob must be 416 bytes, got 288"):
        decode_full_report(
            "0x" + full.hex().replace(AAPLX_V8[2:], AAPLX_V10[2:]),
            now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
