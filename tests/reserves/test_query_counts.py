from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Token
from apps.reserves.models import ReserveSnapshot
from apps.reserves.services import compute_snapshots
from tests.reserves.helpers import make_backed_catalog

pytestmark = pytest.mark.django_db


def _compute_queries() -> tuple[int, int]:
    """(queries other than INSERT, INSERT statements) of one computation of every token."""
    tokens = Token.objects.select_related("issuer", "security")
    with CaptureQueriesContext(connection) as ctx:
        compute_snapshots(tokens=tokens)
    inserts = sum(q["sql"].startswith("INSERT") for q in ctx.captured_queries)
    return len(ctx.captured_queries) - inserts, inserts


# Pinned SQL queries per page, the same at 8 and at 128 tokens.
PAGES = {
    # tokens, latest snapshots, prices of the underlyings, open alerts, attestations, oracle
    # feeds
    "/transparency/": 6,
    "/transparency/?page=2&status=backed": 6,
    # token, deployments, venues, documents, corporate actions, snapshot, history,
    # open alerts, attestations, oracle feed, recent public events
    "/transparency/B0x/": 11,
    "/api/v1/reserves/": 2,  # tokens, latest snapshots
    "/api/v1/tokens/B0x/reserves/": 3,  # token, snapshot, attestations
    "/api/v1/tokens/B0x/reserves/history/": 2,  # token, history
    "/tokens/": 3,  # tokens with prices, backing and total; deployments; snapshots
    "/transparency/B0x/history.csv": 2,
}


def test_compute_and_pages_run_a_fixed_number_of_queries(client, settings, get_with_queries):
    settings.CATALOG_CACHE_SECONDS = 0  # count the catalogue's queries, not its cache
    settings.PUBLIC_CACHE_SECONDS = 0  # nor the whole-answer cache
    make_backed_catalog(8)
    small_compute, small_inserts = _compute_queries()
    assert small_inserts == 1
    client.get("/tokens/")  # the catalogue's filter options are cached from here on
    for url, queries in PAGES.items():
        get_with_queries(url, queries)
    make_backed_catalog(120, start=8)
    # Every token changed: reads stay fixed; new rows go in batched INSERTs (SQLite caps a
    # statement at 999 parameters, about 80 snapshots; PostgreSQL takes 500 per statement).
    reads, inserts = _compute_queries()
    assert reads == small_compute and inserts <= 2
    # The first 8 changed too: a second account (holding none of them) now counts.
    assert ReserveSnapshot.objects.count() == 136
    client.get("/tokens/")  # new tokens: the filter options are read again once
    for url, queries in PAGES.items():
        get_with_queries(url, queries)
    # Nothing changed: one UPDATE of checked_at instead of new rows.
    assert _compute_queries() == (small_compute + 1, 0)
    assert ReserveSnapshot.objects.count() == 136
    # The totals cover every token; the rows come a hundred a page.
    html = client.get("/transparency/").content.decode()
    assert html.count('class="status status-backed"') == 100
    assert "128 tokens" in html and 'status=backed#tokens">Backed</a> 128' in html
    html = client.get("/transparency/?page=2").content.decode()
    assert html.count('class="status status-backed"') == 28
    assert (
        client.get("/transparency/?status=under_backed")
        .content.decode()
        .count('class="status status-backed"')
        == 0
    )
    assert client.get("/transparency/?status=nope").status_code == 400
    assert client.get("/transparency/?page=0").status_code == 400
