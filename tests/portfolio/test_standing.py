"""Who sees /portfolio/: approved investors only, each their own; everyone else is told why."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.onboarding.services import cases
from apps.portfolio.charts import value_series
from tests.factories import InvestorProfileFactory, KycCaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _get(client, user):
    client.force_login(user)
    return client.get("/portfolio/")


def test_approved_investor_without_wallets_is_pointed_to_the_wallet_page(client, alice):
    response = _get(client, alice)
    assert response.status_code == 200
    assert 'id="no-wallets"' in response.content.decode()
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_investor_under_review_after_approval_is_told_why(client, alice):
    later = KycCaseFactory(user=alice, declaration__profile=alice.investor)
    cases.transition_case(case=later, to_state="submitted", actor=None)
    cases.transition_case(case=later, to_state="in_review", actor=None)
    response = _get(client, alice)
    assert response.status_code == 403
    assert "under review" in response.content.decode()


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("draft", "once your application is approved"),
        ("more_info", "We need more information"),
        ("rejected", "was refused"),
    ],
)
def test_investor_not_approved_is_told_why(client, state, words):
    case = KycCaseFactory()
    path = {"draft": [], "more_info": ["submitted", "in_review", "more_info"]}
    for step in path.get(state, ["submitted", "in_review", "rejected"]):
        cases.transition_case(case=case, to_state=step, actor=None)
    response = _get(client, case.user)
    assert response.status_code == 403
    assert words in response.content.decode()


def test_unconfirmed_address_and_plain_accounts_are_told_why(client):
    unconfirmed = InvestorProfileFactory(email_verified_at=None).user
    assert "Confirm your e-mail address" in _get(client, unconfirmed).content.decode()
    plain = UserFactory()
    response = _get(client, plain)
    assert response.status_code == 403
    assert "not an investor account" in response.content.decode()


def test_only_get(client, alice):
    client.force_login(alice)
    assert client.post("/portfolio/").status_code == 405


def test_value_series_carries_each_price_forward_from_when_all_are_priced():
    t = [dt.datetime(2026, 1, 5, 14, m, tzinfo=dt.UTC) for m in range(5)]
    prices = {
        1: [(t[0], Decimal(10)), (t[2], Decimal(11)), (t[4], Decimal(12))],
        2: [(t[1], Decimal(100)), (t[3], Decimal(90))],
    }
    points = value_series({1: Decimal(2), 2: Decimal("0.5")}, prices)
    # From t1 (the first moment both have a price): 2 x 10 + 0.5 x 100, and so on.
    assert points == [
        (t[1], Decimal(70)),
        (t[2], Decimal(72)),
        (t[3], Decimal(67)),
        (t[4], Decimal(69)),
    ]
    assert value_series({1: Decimal(1)}, {}) == []
    assert timezone.is_aware(points[0][0])
