"""/portfolio/: an approved investor's holdings across verified wallets and local chains."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from apps.chains.services import sync_supply
from apps.portfolio import tasks
from apps.portfolio.models import WalletBalance, WalletChainRead
from tests.portfolio.conftest import (
    price,
    sign_evm,
    sign_solana,
    solana_address,
    verify_through_pages,
)

pytestmark = [pytest.mark.django_db, pytest.mark.chain]


@pytest.fixture
def alice_holds(world, alice, client, evm_key, solana_key, django_capture_on_commit_callbacks):
    """Alice verifies an EVM and a Solana wallet through the pages; tokens are minted to both
    on the local chains; the beat refresh reads them."""
    token, evm_dep, sol_dep = world.token("AAPL", multiplier="1.25")
    with django_capture_on_commit_callbacks(execute=True):
        evm_wallet = verify_through_pages(
            client,
            alice,
            kind="evm",
            address=evm_key.address,
            sign=lambda m: sign_evm(evm_key, m),
        )
        sol_wallet = verify_through_pages(
            client,
            alice,
            kind="solana",
            address=solana_address(solana_key),
            sign=lambda m: sign_solana(solana_key, m),
        )
    world.mint_evm(evm_dep, evm_key.address, "2.5")
    world.mint_solana(sol_dep, sol_wallet.address, 150_000_000)  # 1.5 raw tokens
    sync_supply(chain=world.solana_chain)  # the mint's multiplier, as the supply sync reads it
    price(token, "200.10")
    tasks.refresh_all.delay()
    return token, evm_wallet, sol_wallet


def test_page_shows_the_summed_holding_in_underlying_units_and_its_value(client, alice_holds):
    token, evm_wallet, sol_wallet = alice_holds
    page = client.get("/portfolio/").content.decode()
    # 2.5 on EVM (balanceOf is already underlying units) + 1.5 raw x 1.25 on Solana.
    assert f'id="holding-{token.symbol}"' in page
    assert 'data-quantity="4.375"' in page
    assert 'data-value="875.4375"' in page  # 4.375 x 200.10
    assert "875.44" in page and "100.00 %" in page
    assert evm_wallet.address in page and sol_wallet.address in page
    assert "no node configured" not in page


def test_csv_has_one_exact_line_per_wallet_and_chain(client, alice_holds):
    token, evm_wallet, sol_wallet = alice_holds
    response = client.get("/portfolio/holdings.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_wallet = {r["wallet"]: r for r in rows}
    assert set(by_wallet) == {evm_wallet.address, sol_wallet.address}
    evm_row, sol_row = by_wallet[evm_wallet.address], by_wallet[sol_wallet.address]
    assert (evm_row["token"], evm_row["quantity"], evm_row["multiplier"]) == (
        token.symbol,
        "2.5",
        "1",
    )
    assert (sol_row["quantity"], sol_row["raw_balance"], sol_row["multiplier"]) == (
        "1.875",
        "150000000",
        "1.25",
    )
    assert sol_row["value"] == "375.1875" and sol_row["price"] == "200.1"


def test_a_stranger_and_an_officer_get_no_portfolio_of_hers(
    client, alice_holds, bob, officer, evm_key
):
    _, evm_wallet, sol_wallet = alice_holds
    client.force_login(bob)
    for url in ("/portfolio/", "/portfolio/holdings.csv"):
        body = client.get(url).content.decode()
        assert evm_wallet.address not in body and sol_wallet.address not in body
        assert "4.375" not in body and "875" not in body
    # No URL names an investor or a wallet: guessing one is a 404, not someone's portfolio.
    for url in (f"/portfolio/{evm_wallet.user_id}/", f"/portfolio/?user={evm_wallet.user_id}"):
        response = client.get(url)
        assert response.status_code in (200, 404)
        assert evm_wallet.address not in response.content.decode()
    client.force_login(officer)
    for url in ("/portfolio/", "/portfolio/holdings.csv"):
        response = client.get(url)
        assert response.status_code == 403
        body = response.content.decode()
        assert "not an investor account" in body
        assert evm_wallet.address not in body and "4.375" not in body


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/portfolio/", "/portfolio/holdings.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_a_verified_wallet_is_read_at_once(
    world, alice, client, evm_key, django_capture_on_commit_callbacks
):
    _, evm_dep, _ = world.token("MSFT")
    world.mint_evm(evm_dep, evm_key.address, "3")
    with django_capture_on_commit_callbacks(execute=True):
        wallet = verify_through_pages(
            client, alice, kind="evm", address=evm_key.address, sign=lambda m: sign_evm(evm_key, m)
        )
    (balance,) = WalletBalance.objects.filter(wallet=wallet)
    assert balance.quantity == Decimal(3) and balance.deployment == evm_dep
    read = WalletChainRead.objects.get(wallet=wallet, chain=world.evm_chain)
    assert read.block_number == world.w3.eth.block_number and not read.failing
    # The Solana chain is of another kind: nothing is read there for an EVM wallet.
    assert not WalletChainRead.objects.filter(wallet=wallet, chain=world.solana_chain).exists()


def test_refresh_stores_changes_only_and_is_idempotent(world, alice_holds):
    token, evm_wallet, _ = alice_holds
    evm_dep = token.deployments.get(chain=world.evm_chain)
    assert WalletBalance.objects.count() == 2
    tasks.refresh_all.delay()
    tasks.refresh_all.delay()
    assert WalletBalance.objects.count() == 2  # nothing changed, nothing written
    world.mint_evm(evm_dep, evm_wallet.address, "0.5")
    tasks.refresh_all.delay()
    latest = WalletBalance.objects.filter(wallet=evm_wallet).order_by("-read_at").first()
    assert latest.quantity == Decimal(3) and WalletBalance.objects.count() == 3
    # All of it gone: a row of 0 says so, and the page no longer lists the token there.
    from apps.devchain import evm_world

    evm_world.burn(world.w3, evm_dep.address, evm_wallet.address, Decimal(3))
    tasks.refresh_all.delay()
    latest = WalletBalance.objects.filter(wallet=evm_wallet).order_by("-read_at", "-pk").first()
    assert latest.raw_balance == 0


def test_a_failed_read_keeps_the_last_good_figures_marked(client, world, alice_holds):
    _, evm_wallet, _ = alice_holds
    world.evm_chain.rpc_url = "http://127.0.0.1:9"  # nothing listens on the discard port
    world.evm_chain.save(update_fields=["rpc_url"])
    result = tasks.refresh_all.delay().get()
    assert "local-evm" in result["failed"]
    read = WalletChainRead.objects.get(wallet=evm_wallet, chain=world.evm_chain)
    assert read.failing and read.read_at is not None and "connection" in read.error
    page = client.get("/portfolio/").content.decode()
    assert 'data-quantity="4.375"' in page  # the last good EVM figure still counts
    assert "read failed" in page and "the figures shown are from the last good read" in page


def test_a_chain_without_node_says_so(client, world, alice_holds):
    world.solana_chain.rpc_url = ""
    world.solana_chain.save(update_fields=["rpc_url"])
    result = tasks.refresh_all.delay().get()
    assert result["no_node"] == ["local-solana"]
    page = client.get("/portfolio/").content.decode()
    assert "not read: no node configured" in page


def test_a_mint_never_synced_is_not_counted_but_shown(
    client, world, alice, evm_key, solana_key, django_capture_on_commit_callbacks
):
    _, _, sol_dep = world.token("NVDA")
    world.mint_solana(sol_dep, solana_address(solana_key), 10**8)
    with django_capture_on_commit_callbacks(execute=True):
        verify_through_pages(
            client,
            alice,
            kind="solana",
            address=solana_address(solana_key),
            sign=lambda m: sign_solana(solana_key, m),
        )
    page = client.get("/portfolio/").content.decode()
    assert "multiplier not read yet" in page
    assert 'data-quantity="0"' in page
    # Once the supply sync has read the mint, the next refresh counts it.
    sync_supply(chain=world.solana_chain)
    tasks.refresh_all.delay()
    assert 'data-quantity="1.25"' in client.get("/portfolio/").content.decode()


def test_value_chart_comes_from_the_price_history(client, alice_holds):
    import datetime as dt

    from django.utils import timezone

    token, _, _ = alice_holds
    price(token, "190", at=timezone.now() - dt.timedelta(hours=3))
    page = client.get("/portfolio/").content.decode()
    assert 'id="portfolio-figure"' in page and "js/portfolio.js" in page
    assert "<script>" not in page.replace('<script id="portfolio-figure"', "")


def test_refresh_of_no_wallet_reads_nothing(alice_holds):
    from apps.portfolio.services.balances import refresh_balances

    assert refresh_balances(wallet_ids=[]).wallets == 0
    assert refresh_balances().wallets == 2


def test_wallets_of_investors_not_approved_are_not_read(world, evm_key):
    from django.utils import timezone

    from apps.onboarding.models import Wallet
    from apps.portfolio.services.balances import refresh_balances
    from tests.factories import KycCaseFactory

    pending = KycCaseFactory().user  # a draft case only
    Wallet.objects.create(
        user=pending, kind="evm", address=evm_key.address, verified_at=timezone.now()
    )
    assert refresh_balances().wallets == 0
