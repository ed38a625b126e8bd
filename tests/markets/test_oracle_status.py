"""The comparison of the oracle with the site: NYSE sessions with a grace around the open
and the close, multipliers with a tolerance for Token-2022's f64, each chain's multiplier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.chains.selectors import chain_multipliers
from apps.markets.oracle import multipliers_agree, status_contradicts
from tests.factories import ChainFactory, DeploymentFactory, SolanaChainFactory, TokenFactory
from tests.reserves.helpers import observe

WEDNESDAY_OPEN = dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.UTC)  # 09:30 New York
OPEN, CLOSED = 2, 1


@pytest.mark.parametrize(
    ("at", "status", "contradicts"),
    [
        (WEDNESDAY_OPEN + dt.timedelta(minutes=1), CLOSED, False),  # within the grace
        (WEDNESDAY_OPEN + dt.timedelta(minutes=10), CLOSED, True),
        (WEDNESDAY_OPEN - dt.timedelta(minutes=2), OPEN, False),  # pre-market trades
        (WEDNESDAY_OPEN - dt.timedelta(hours=2), OPEN, False),  # 07:30, pre-market
        (WEDNESDAY_OPEN - dt.timedelta(hours=6), OPEN, True),  # 03:30 New York: no session
        (WEDNESDAY_OPEN - dt.timedelta(hours=6), CLOSED, False),
        (WEDNESDAY_OPEN + dt.timedelta(hours=7), OPEN, False),  # 16:30, after hours
        (dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC), OPEN, True),  # Thanksgiving
        (WEDNESDAY_OPEN + dt.timedelta(minutes=10), 0, False),  # unknown
        (WEDNESDAY_OPEN + dt.timedelta(minutes=10), 7, False),  # undefined code
    ],
)
def test_market_status_against_the_nyse_session(at, status, contradicts):
    assert status_contradicts(status, at) is contradicts


def test_multipliers_agree_up_to_float_precision():
    assert multipliers_agree(Decimal("1.25"), Decimal("1.2500000000000001"))
    assert multipliers_agree(Decimal("1"), Decimal("1.000000000000000000"))
    assert not multipliers_agree(Decimal("1"), Decimal("4"))
    assert not multipliers_agree(Decimal("1.0123"), Decimal("1.0124"))


@pytest.mark.django_db
def test_each_chain_gives_the_multiplier_of_its_latest_reading(django_assert_num_queries):
    token = TokenFactory(symbol="AAPLx")
    other = TokenFactory(symbol="NVDAx")
    eth = DeploymentFactory(token=token, chain=ChainFactory(name="Ethereum"))
    sol = DeploymentFactory(token=token, chain=SolanaChainFactory(name="Solana"))
    DeploymentFactory(token=other, chain=eth.chain)  # never read: left out
    observe(eth, supply="10")
    old = observe(sol, supply="10", block=1, age=dt.timedelta(minutes=5))
    old.ui_multiplier = Decimal("1")
    old.save(update_fields=["ui_multiplier"])
    new = observe(sol, supply="10", block=2)
    new.ui_multiplier = Decimal("1.25")
    new.save(update_fields=["ui_multiplier"])
    with django_assert_num_queries(1):
        found = chain_multipliers([token.pk, other.pk])
    assert list(found) == [token.pk]
    by_chain = {c.chain_name: c for c in found[token.pk]}
    assert by_chain["Solana"].multiplier == Decimal("1.25") and by_chain["Solana"].read
    assert by_chain["Ethereum"].multiplier == Decimal(1) and not by_chain["Ethereum"].read
