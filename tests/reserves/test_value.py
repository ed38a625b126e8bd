from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.markets.models import Quote
from apps.reserves.selectors import latest_prices
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db


def test_shares_held_are_valued_at_the_latest_underlying_price(
    aapl_world, tmp_path, client, django_capture_on_commit_callbacks
):
    token = aapl_world["token"]
    now = timezone.now()
    for price, seconds_ago in (("199.00", 60), ("200.50", 5)):
        Quote.objects.create(
            security=token.security,
            source="simulator",
            price=Decimal(price),
            time=now - dt.timedelta(seconds=seconds_ago),
            received_at=now,
            max_age_seconds=900,
        )
    assert latest_prices([token.security_id]) == {token.security_id: Decimal("200.50")}

    path = tmp_path / "incore.xml"
    path.write_bytes(semt002(account="INC-001", holdings={"US0378331005": "1000"}))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_custody_statement", str(path))
    html = client.get("/transparency/").content.decode()
    assert "200,500" in html  # 1,000 shares at 200.50 USD
    assert "no price" not in html.split("Value held", 1)[1].split("</dd>", 1)[0]


def test_reserves_without_any_price_say_so(aapl_world, client):
    assert latest_prices([aapl_world["token"].security_id]) == {}
    assert "no price" in client.get("/transparency/").content.decode()
