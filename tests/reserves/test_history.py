from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.custody.services import import_statement
from apps.reserves.models import Attestation, ReserveSnapshot
from apps.reserves.selectors import CHART_POINTS, downsample
from apps.reserves.services import compute_snapshot
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import observe, semt002

pytestmark = pytest.mark.django_db


def test_downsample_keeps_the_dips_and_the_last_point():
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    points = [(start + dt.timedelta(hours=i), Decimal("1.01"), "backed") for i in range(8760)]
    points[4321] = (points[4321][0], Decimal("0.97"), "under_backed")
    out = downsample(points)
    assert len(out) <= CHART_POINTS
    assert any(p[1] == Decimal("0.97") for p in out)
    assert out[-1] == points[-1]
    assert downsample(points[:10]) == points[:10]


@pytest.fixture
def history(aapl_world):
    import_statement(data=semt002(account="INC-001", holdings={AAPL_ISIN: "1000"}))
    day = timezone.now() - dt.timedelta(days=2)
    compute_snapshot(token=aapl_world["token"], now=day)
    observe(aapl_world["eth"], supply="620", block=19_000_100)
    compute_snapshot(token=aapl_world["token"])
    return aapl_world


def test_history_downloads_as_csv_and_json(client, history):
    response = client.get("/transparency/AAPLx/history.csv")
    assert response["Content-Disposition"] == 'attachment; filename="AAPLx-reserves.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["shares_required"] for r in rows] == ["999.6", "1020"]
    assert rows[1]["status"] == "under_backed" and rows[0]["multiplier"] == "1.02"
    data = client.get("/transparency/AAPLx/history.json").json()
    assert [h["ratio"][:6] for h in data["history"]] == ["1.0004", "0.9803"]


def test_history_since_filters_and_bad_since_is_a_400(client, history):
    since = (timezone.now() - dt.timedelta(days=1)).date().isoformat()
    data = client.get(f"/api/v1/tokens/AAPLx/reserves/history/?since={since}").json()
    assert len(data["history"]) == 1
    assert client.get("/api/v1/tokens/AAPLx/reserves/history/?since=yesterday").status_code == 400
    assert client.get("/transparency/AAPLx/history.csv?since=nope").status_code == 400
    assert client.get("/api/v1/tokens/NOPEx/reserves/").status_code == 404


def test_token_page_has_chart_data_from_local_plotly(client, history):
    html = client.get("/transparency/AAPLx/").content.decode()
    assert "/static/vendor/plotly.min.js" in html and 'id="ratio-figure"' in html
    assert "/static/js/reserves.js" in html and "<script>" not in html
    assert "cdn" not in html.lower()
    assert "2 snapshots" in html


def test_attestations_are_listed_on_pages_and_api(client, history):
    token = history["token"]
    Attestation.objects.create(
        issuer=token.issuer,
        auditor="Grant Thornton",
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 9, 30),
        date=dt.date(2026, 10, 15),
        url="https://example.test/attestation-2026-09.pdf",
        sha256="a" * 64,
        summary="Shares held matched tokens outstanding on every day of the period.",
    )
    for url in ("/transparency/", "/transparency/AAPLx/"):
        assert "Grant Thornton" in client.get(url).content.decode()
    data = client.get("/api/v1/tokens/AAPLx/reserves/").json()
    assert data["attestations"][0]["auditor"] == "Grant Thornton"
    assert data["attestations"][0]["period_end"] == "2026-09-30"


def test_pages_are_public_and_empty_states_work(client, db):
    assert client.get("/transparency/").status_code == 200
    assert ReserveSnapshot.objects.count() == 0


def test_token_page_without_data_says_so(client, aapl_world):
    html = client.get("/transparency/AAPLx/").content.decode()
    assert "No reserve data yet" in html and "Multiplier and corporate actions" in html
    assert client.get("/transparency/NOPEx/").status_code == 404


def test_grouped_numbers_keep_every_digit():
    from apps.core.templatetags.numbers import grouped

    assert grouped(Decimal("17059629.373761540000")) == "17,059,629.37376154"
    assert grouped(Decimal("-1234")) == "-1,234"
    assert grouped(Decimal("999.6")) == "999.6"
    assert grouped(None) == "—"
