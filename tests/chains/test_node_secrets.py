"""Node URLs carry API keys (in the path, the query or the user-info): the sync records,
shows and logs scheme, host and port only, whatever the client raised."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command

from apps.catalog.models import Chain
from apps.chains import services, solana
from apps.chains.readings import ChainReadError, SupplyTarget
from apps.core.models import JobRun

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]

SECRETS = ("SeCrEtPaThKeY0123", "QuErYkEy987", "pa55w0rd", "alice")


def keyed(url: str) -> str:
    host = url.removeprefix("http://")
    return f"http://alice:pa55w0rd@{host}/v2/SeCrEtPaThKeY0123?api-key=QuErYkEy987"


@pytest.fixture
def synced(anvil, write_registry, minted_token, settings):
    settings.CHAIN_RPC_TIMEOUT_SECONDS = 1
    call_command(
        "load_registry", str(write_registry(rpc_url=anvil.url, token_address=minted_token))
    )
    return Chain.objects.get(slug="anvil")


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("fault", ["closed", "http_500", "garbage", "stall"])
def test_sync_errors_node_and_logs_show_no_key(
    synced, fault, fault_server, closed_port_url, client, caplog, capfd
):
    base = closed_port_url if fault == "closed" else fault_server(fault)
    Chain.objects.filter(pk=synced.pk).update(rpc_url=keyed(base))
    synced.refresh_from_db()
    with caplog.at_level(logging.DEBUG):
        run = services.sync_supply(chain=synced)
    assert run.status == JobRun.Status.FAILED
    assert run.node == base
    assert base in run.error
    _assert_clean(run.error)
    _assert_clean(caplog.text)
    _assert_clean(capfd.readouterr().err)
    page = client.get("/status/").content.decode()
    assert base in page
    _assert_clean(page)


@pytest.mark.parametrize("fault", ["deep", "huge_number", "wrong_types"])
def test_garbled_replies_fail_the_run_with_a_short_message(synced, fault, fault_server):
    url = fault_server(fault)
    Chain.objects.filter(pk=synced.pk).update(rpc_url=url)
    synced.refresh_from_db()
    run = services.sync_supply(chain=synced)
    assert run.status == JobRun.Status.FAILED
    assert "garbled reply" in run.error
    assert len(run.error) < 2048
    assert run.counts["transient"] is False


def test_oracle_sync_node_shows_no_key(synced, closed_port_url):
    Chain.objects.filter(pk=synced.pk).update(rpc_url=keyed(closed_port_url))
    synced.refresh_from_db()
    run = services.sync_oracles(chain=synced)
    assert run.node in ("", closed_port_url)
    _assert_clean(run.error)


def test_solana_errors_and_node_label_show_no_key(closed_port_url, fault_server):
    assert solana.node_label(keyed(closed_port_url)) == closed_port_url
    target = SupplyTarget("So11111111111111111111111111111111111111112", ())
    for base in (closed_port_url, fault_server("http_500"), fault_server("garbage")):
        with pytest.raises(ChainReadError) as caught:
            solana.read_supplies(
                rpc_url=keyed(base), chain_name="Solana", targets=[target], timeout=1
            )
        assert base in str(caught.value)
        _assert_clean(str(caught.value))
        assert caught.value.__cause__ is None


def test_a_node_that_drips_its_reply_times_out_within_the_timeout(synced, fault_server):
    import time

    url = fault_server("drip")
    Chain.objects.filter(pk=synced.pk).update(rpc_url=url)
    synced.refresh_from_db()
    started = time.monotonic()
    run = services.sync_supply(chain=synced)
    # 20 s of bytes are on offer; the 1 s timeout bounds the whole reply (slack for the CPU).
    assert time.monotonic() - started < 10
    assert run.status == JobRun.Status.FAILED and "timed out" in run.error
    assert run.counts["transient"] is True


def test_a_reply_past_the_size_limit_is_not_read_to_its_end(synced, fault_server, monkeypatch):
    from apps.chains import evm

    monkeypatch.setattr(evm, "MAX_REPLY_BYTES", 1_000_000)
    url = fault_server("endless")
    Chain.objects.filter(pk=synced.pk).update(rpc_url=url)
    synced.refresh_from_db()
    run = services.sync_supply(chain=synced)
    assert run.status == JobRun.Status.FAILED
    assert "reply larger than 1000000 bytes" in run.error
