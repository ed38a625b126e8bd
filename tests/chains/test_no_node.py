"""A chain with no node configured: its deployments read "not read: no node configured" on
the token page, the transparency page, /status/ and in the API (distinct from stale and
never read), and the syncs skip it quietly."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.chains import tasks
from apps.core.models import JobRun
from apps.reserves.services import compute_snapshot
from tests.factories import ChainFactory, DeploymentFactory, make_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(monkeypatch):
    """Two tokens on Ethereum (a node) and Solana, and one more deployment on Ink (none)."""
    for name in ("RPC_URL_INK", "RPC_URL_ETHEREUM", "RPC_URL_SOLANA"):
        monkeypatch.delenv(name, raising=False)
    tokens = make_catalog(2)
    ink = ChainFactory(
        slug="ink",
        name="Ink",
        chain_id=57073,
        rpc_url="",
        explorer_url="https://explorer.inkonchain.com",
    )
    for token in tokens:
        DeploymentFactory(token=token, chain=ink)
    return tokens


def test_the_api_says_not_read_no_node_apart_from_never_read(client, catalogue):
    body = client.get(f"/api/v1/tokens/{catalogue[0].symbol}/").json()
    by_chain = {d["chain"]: d for d in body["deployments"]}
    assert by_chain["ink"]["read_status"] == "no_node"
    assert by_chain["ink"]["supply"] is None
    assert by_chain["ethereum"]["read_status"] == "never_read"
    assert by_chain["ink"]["explorer_url"].startswith("https://explorer.inkonchain.com/token/")


def test_the_token_page_says_not_read_no_node(client, catalogue):
    html = client.get(f"/tokens/{catalogue[0].symbol}/").content.decode()
    assert 'data-read-status="no_node">not read: no node configured' in html
    assert "not read yet" in html  # the chains with a node, not read yet, are still shown so


def test_the_status_page_lists_chains_without_a_node(client, catalogue):
    html = client.get("/status/").content.decode()
    assert "Not read: no node configured" in html
    assert "Ink: 2 deployments not read" in html
    assert "<code>RPC_URL_INK</code> sets one" in html
    # Not counted as stale: the stale list names the never-read deployments on Ethereum
    # and Solana, not Ink.
    stale_part = html.split('id="stale"')[1]
    assert "Ink" not in stale_part


def test_the_transparency_page_says_not_read(client, catalogue):
    token = catalogue[0]
    compute_snapshot(token=token)
    html = client.get(f"/transparency/{token.symbol}/").content.decode()
    assert 'data-read-status="no_node">not read: no node configured' in html
    assert "not read on Ink: no node configured" in html


def test_syncs_skip_chains_without_a_node_quietly(catalogue, capsys, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.sync_supply, "delay_on_commit", queued.append)
    ids = tasks.sync_supply_all()
    from apps.catalog.models import Chain

    ink = Chain.objects.get(slug="ink")
    assert ink.pk not in ids and ids and queued == ids
    # A task queued before the node went away: skipped, no failed run recorded.
    assert tasks.sync_supply(ink.pk) == {"status": "skipped", "reason": "no node configured"}
    assert not JobRun.objects.filter(scope="ink").exists()


def test_sync_supply_command_reports_not_read_and_does_not_fail(catalogue, capsys, monkeypatch):
    from apps.catalog.models import Chain

    Chain.objects.exclude(slug="ink").update(rpc_url="")
    call_command("sync_supply")  # no CommandError: nothing failed
    out = capsys.readouterr().out
    assert "ink: not read: no node configured (set RPC_URL_INK)" in out
    assert "0 of 0 chains synced; 3 without a node not read" in out
    assert not JobRun.objects.exists()
