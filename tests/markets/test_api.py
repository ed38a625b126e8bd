from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import JobRun
from apps.markets.models import Bar, Quote
from tests.markets.conftest import price_token

pytestmark = pytest.mark.django_db


def test_price_history_by_interval_and_since(client, aapl):
    now = timezone.now().replace(second=0, microsecond=0)
    for m in range(5):
        price_token(aapl, price=str(200 + m), at=now - dt.timedelta(minutes=4 - m))
    body = client.get("/api/v1/tokens/AAPLx/prices/?interval=1m").json()
    assert body["interval"] == "1m"
    assert [b["close"] for b in body["bars"]] == ["200", "201", "202", "203", "204"]
    since = (now - dt.timedelta(minutes=1)).isoformat()
    later = client.get("/api/v1/tokens/AAPLx/prices/", {"interval": "1m", "since": since})
    assert [b["close"] for b in later.json()["bars"]] == ["203", "204"]
    hourly = client.get("/api/v1/tokens/AAPLx/prices/?interval=1h").json()["bars"]
    assert hourly[-1]["close"] == "204"
    daily = client.get("/api/v1/tokens/AAPLx/prices/?interval=1d&since=2020-01-01").json()
    assert daily["bars"][-1]["high"] == "204"


@pytest.mark.parametrize(
    ("query", "field"), [("interval=5m", "interval"), ("interval=1m&since=yesterday", "since")]
)
def test_price_history_refuses_bad_parameters(client, aapl, query, field):
    response = client.get(f"/api/v1/tokens/AAPLx/prices/?{query}")
    assert response.status_code == 400 and field in response.json()


def test_price_history_of_unknown_token_is_404(client):
    assert client.get("/api/v1/tokens/NOPEx/prices/").status_code == 404


def test_prices_api_is_conditional(client, aapl):
    price_token(aapl, price="200", at=timezone.now())
    first = client.get("/api/v1/prices/")
    again = client.get("/api/v1/prices/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_prices_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/prices/" in schema and "/api/v1/tokens/{symbol}/prices/" in schema


def test_sync_prices_command_records_simulated_prices(aapl, settings, capsys):
    settings.MARKETS_SOURCES = ["simulator", "oracle"]
    call_command("sync_prices", "--compact")
    out = capsys.readouterr().out
    assert "simulator: published 2" in out and "oracle: published 0" in out
    assert Quote.objects.filter(token=aapl).exists()
    assert Bar.objects.filter(token=aapl, interval="1m").exists()
    assert JobRun.objects.get(job="sync_prices").status == JobRun.Status.OK


def test_sync_prices_task_runs_the_service(aapl, settings):
    from apps.markets.tasks import sync_prices

    settings.MARKETS_SOURCES = ["simulator"]
    result = sync_prices.delay().get()
    assert result["counts"]["simulator"]["published"] == 2


def test_beat_schedules_sync_prices_from_settings(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["markets-sync-prices"]
    assert entry["task"] == "markets.sync_prices"
    assert entry["schedule"] == float(settings.MARKETS_SYNC_SECONDS)


@pytest.mark.parametrize(
    "since",
    ["2024-02-30", "2024-01-01T25:00:00Z", "2024-01-01T10:00:00+99:00", "2024-01-01T25:00"],
)
def test_impossible_since_answers_400_never_500(client, aapl, since):
    response = client.get("/api/v1/tokens/AAPLx/prices/", {"since": since})
    assert response.status_code == 400
    assert "since" in response.json()["since"][0]


def test_prices_answer_is_typed_with_decimal_strings(client, aapl):
    price_token(aapl, price="228.50", underlying="228.00", at=timezone.now())
    row = client.get("/api/v1/prices/").json()["results"][0]
    assert row["price"] == "228.5" and row["fair_value"] == "228"
    assert row["source"] == "simulator" and row["session"] in {
        "pre_market",
        "regular",
        "after_hours",
        "closed",
    }
