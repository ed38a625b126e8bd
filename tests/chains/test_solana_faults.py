"""Each node fault caused for real: a closed port, and local HTTP servers that misbehave."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from apps.chains import solana
from apps.chains.readings import ChainReadError, SupplyTarget
from tests.chains.solana_helpers import FaultyNode, closed_port

MINT = "9DYDAEHqLeCC6cdFDKCbWkEpCYjN4DSb8YA3u3dzHc87"


def read(rpc_url: str, timeout: float = 5.0):
    return solana.read_supplies(
        rpc_url=rpc_url,
        chain_name="solana",
        targets=[SupplyTarget(address=MINT)],
        timeout=timeout,
    )


def test_closed_port_is_a_transient_connection_error():
    port = closed_port()

    with pytest.raises(ChainReadError) as caught:
        read(f"http://127.0.0.1:{port}")

    message = str(caught.value)
    assert message.startswith(f"solana (http://127.0.0.1:{port}): cannot connect")
    assert caught.value.transient is True


def test_stalled_node_times_out_as_transient():
    with FaultyNode("stall") as node:
        started = time.monotonic()
        with pytest.raises(ChainReadError) as caught:
            read(node.url, timeout=0.3)
        waited = time.monotonic() - started

    assert f"solana ({node.url})" in str(caught.value)
    assert "no answer within 0.3 s" in str(caught.value)
    assert caught.value.transient is True
    assert waited < 3  # the batches wait in parallel and the transport does not retry


def test_http_500_is_transient():
    with FaultyNode("http500") as node, pytest.raises(ChainReadError) as caught:
        read(node.url)

    assert str(caught.value) == f"solana ({node.url}): HTTP 500 from the node"
    assert caught.value.transient is True


def test_http_403_is_not_transient():
    with FaultyNode("http403") as node, pytest.raises(ChainReadError) as caught:
        read(node.url)

    assert "HTTP 403" in str(caught.value)
    assert caught.value.transient is False


def test_garbled_reply_is_not_transient():
    with FaultyNode("garbage") as node, pytest.raises(ChainReadError) as caught:
        read(node.url)

    assert str(caught.value).startswith(f"solana ({node.url}): garbled reply")
    assert caught.value.transient is False


@pytest.mark.parametrize(
    ("behaviour", "says"),
    [("node_behind", "Node is behind by 42 slots"), ("invalid_params", "Invalid param: WrongSize")],
)
def test_json_rpc_error_is_reported_with_its_message(behaviour, says):
    with FaultyNode(behaviour) as node, pytest.raises(ChainReadError) as caught:
        read(node.url)

    assert str(caught.value).startswith(f"solana ({node.url}): JSON-RPC error")
    assert says in str(caught.value)
    assert caught.value.transient is False


def test_json_rpc_error_with_an_unknown_code_is_still_a_clear_error():
    with FaultyNode("unknown_code") as node, pytest.raises(ChainReadError) as caught:
        read(node.url)

    assert str(caught.value).startswith(f"solana ({node.url}): unexpected reply")
    assert "-32099" in str(caught.value)
    assert caught.value.transient is False


def test_node_credentials_never_appear_in_errors():
    with FaultyNode("http500") as node, pytest.raises(ChainReadError) as caught:
        read(f"http://user:secret@{node.url.removeprefix('http://')}/rpc?api-key=hunter2")

    message = str(caught.value)
    assert "secret" not in message
    assert "hunter2" not in message
    assert node.url in message and "/rpc" not in message  # scheme, host and port only


@pytest.mark.parametrize("rpc_url", ["127.0.0.1:8899", "ftp://127.0.0.1:8899", "http://"])
def test_malformed_node_url_is_a_configuration_error(rpc_url):
    with pytest.raises(ChainReadError, match="RPC URL must be http") as caught:
        read(rpc_url)

    assert caught.value.transient is False


def test_a_node_that_drips_its_reply_is_cut_off():
    with FaultyNode("drip") as node:
        started = time.monotonic()
        with pytest.raises(ChainReadError) as caught:
            read(node.url, timeout=0.5)
        waited = time.monotonic() - started

    assert "did not complete within 2 s" in str(caught.value)
    assert caught.value.transient is True
    assert waited < 10  # 20 s of bytes were on offer


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0.0, -1.0, 1e300, 1e-300])
def test_an_impossible_scaled_ui_multiplier_is_refused(value):
    with pytest.raises(ChainReadError, match="invalid scaled-UI multiplier"):
        solana._multiplier(value, MINT, "solana (http://127.0.0.1:1)")


def test_plausible_multipliers_keep_their_digits():
    assert solana._multiplier(1.5, MINT, "x") == Decimal("1.5")
    assert solana._multiplier(1e20, MINT, "x") == Decimal(10) ** 20
