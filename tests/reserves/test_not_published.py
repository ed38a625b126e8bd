"""Backing is unknown, never guessed, when an input cannot be read: an underlying whose ISIN
is not published (custodians report by ISIN), or a deployment on a chain with no node."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog.models import Chain, Security
from apps.custody.services import import_statement
from apps.reserves.services import compute_snapshot
from tests.factories import ChainFactory, DeploymentFactory
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db


def _hold(quantity: str) -> None:
    import_statement(data=semt002(account="INC-001", holdings={AAPL_ISIN: quantity}))


def test_backed_with_every_input_read(aapl_world):
    _hold("1000")
    assert compute_snapshot(token=aapl_world["token"]).status == "backed"


def test_underlying_isin_not_published_reads_unknown(aapl_world):
    _hold("1000")  # a statement exists, but nothing can tie it to this underlying
    Security.objects.filter(pk=aapl_world["token"].security_id).update(isin=None)
    aapl_world["token"].refresh_from_db()
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert snapshot.status == "unknown"
    assert snapshot.ratio is None
    assert snapshot.shares_held is None  # unknown: not zero, not guessed
    assert (
        "underlying ISIN not published: holdings cannot be matched"
        in (snapshot.provenance["missing"])
    )
    assert snapshot.provenance["isin"] is None


def test_a_chain_without_a_node_makes_the_backing_unknown(aapl_world, monkeypatch, client):
    _hold("1000")
    ink = ChainFactory(slug="ink", name="Ink", chain_id=57073, rpc_url="")
    monkeypatch.delenv("RPC_URL_INK", raising=False)
    DeploymentFactory(token=aapl_world["token"], chain=ink)
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert snapshot.status == "unknown"
    assert "not read on Ink: no node configured" in snapshot.provenance["missing"]
    row = next(c for c in snapshot.provenance["supply_by_chain"] if c["chain"] == "ink")
    assert row["not_read"] == "no node configured"
    assert snapshot.circulating_supply is None
    body = client.get("/api/v1/tokens/AAPLx/reserves/").json()
    ink_row = next(c for c in body["supply_by_chain"] if c["chain"] == "ink")
    assert ink_row["not_read"] == "no node configured" and ink_row["circulating"] is None
    assert body["status"] == "unknown" and body["not_counted"] == []

    # RPC_URL_<SLUG> gives it a node: now it is a deployment not read yet (still unknown,
    # for another reason).
    monkeypatch.setenv("RPC_URL_INK", "http://127.0.0.1:9")
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert "no supply read yet on Ink" in snapshot.provenance["missing"]
    assert Chain.objects.get(slug="ink").has_node


def test_the_demo_world_may_leave_chains_without_a_node_out_and_says_so(
    aapl_world, settings, monkeypatch, client
):
    settings.RESERVE_SKIP_CHAINS_WITHOUT_NODE = True
    monkeypatch.delenv("RPC_URL_INK", raising=False)
    _hold("1000")
    ink = ChainFactory(slug="ink", name="Ink", chain_id=57073, rpc_url="")
    DeploymentFactory(token=aapl_world["token"], chain=ink)
    snapshot = compute_snapshot(token=aapl_world["token"])
    assert snapshot.status == "backed"
    assert snapshot.circulating_supply == Decimal("980")
    assert snapshot.provenance["not_counted"] == ["Ink: not read, no node configured"]
    body = client.get("/api/v1/tokens/AAPLx/reserves/").json()
    assert body["not_counted"] == ["Ink: not read, no node configured"]


def test_verify_says_a_chain_without_a_node_was_not_read(aapl_world, monkeypatch):
    from apps.reserves.verify import verify_snapshot

    monkeypatch.delenv("RPC_URL_INK", raising=False)
    _hold("1000")
    ink = ChainFactory(slug="ink", name="Ink", chain_id=57073, rpc_url="")
    DeploymentFactory(token=aapl_world["token"], chain=ink)
    snapshot = compute_snapshot(token=aapl_world["token"])
    result = verify_snapshot(snapshot=snapshot, read_chains=True)
    ink_checks = [c for c in result.checks if c.what == "supply on Ink"]
    assert ink_checks and ink_checks[0].note == (
        "not read: no node configured (RPC_URL_INK sets one)"
    )
    assert ink_checks[0].published is None  # the snapshot did not count it either
