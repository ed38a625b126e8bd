from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.models import Chain, Deployment
from apps.chains.models import SupplyObservation
from apps.chains.services import SUPPLY_JOB, supply_freshness
from apps.core.models import JobRun
from tests.factories import make_catalog

pytestmark = pytest.mark.django_db


def _populate(n: int) -> None:
    make_catalog(n)
    now = timezone.now()
    for chain in Chain.objects.all():
        for minutes in (30, 1):  # an older run, then the latest
            JobRun.objects.create(
                job=SUPPLY_JOB,
                scope=chain.slug,
                node="http://127.0.0.1:9",
                started_at=now - dt.timedelta(minutes=minutes),
                finished_at=now,
                status=JobRun.Status.FAILED if minutes == 1 else JobRun.Status.OK,
                error="Ethereum (http://127.0.0.1:9): timed out" if minutes == 1 else "",
            )
    old = now - dt.timedelta(hours=3)
    deployments = list(Deployment.objects.select_related("chain"))
    rows = []
    for i, d in enumerate(deployments):
        if d.chain.slug == "solana" and i % 4 == 1:
            continue  # never observed
        for block, when in ((100, old), (101, now if i % 3 else old)):
            rows.append(
                SupplyObservation(
                    deployment=d,
                    block_number=block,
                    raw_supply=Decimal(10**18 * block),
                    decimals=18,
                    observed_at=when,
                )
            )
    SupplyObservation.objects.bulk_create(rows)


# runs, chains, deployments with latest ids, observations
STATUS_QUERIES = 4
# the token page and API each read the token's Data Streams feed (it has none here)
TOKEN_PAGE_QUERIES = 12
TOKEN_API_QUERIES = 7


@pytest.mark.parametrize("tokens", [3, 40])
def test_status_query_count_is_pinned(get_with_queries, tokens):
    _populate(tokens)
    get_with_queries("/status/", STATUS_QUERIES)


def test_token_page_and_api_queries_are_pinned_whatever_the_observations(
    get_with_queries, settings
):
    settings.PUBLIC_CACHE_SECONDS = 0  # count the rendering, not the whole-answer cache
    _populate(2)
    symbol = Deployment.objects.first().token.symbol
    get_with_queries(f"/tokens/{symbol}/", TOKEN_PAGE_QUERIES)
    get_with_queries(f"/api/v1/tokens/{symbol}/", TOKEN_API_QUERIES)
    d = Deployment.objects.filter(token__symbol=symbol).first()
    SupplyObservation.objects.bulk_create(
        SupplyObservation(
            deployment=d,
            block_number=1000 + n,
            raw_supply=Decimal(n),
            decimals=18,
            observed_at=timezone.now(),
        )
        for n in range(50)
    )
    get_with_queries(f"/tokens/{symbol}/", TOKEN_PAGE_QUERIES)
    get_with_queries(f"/api/v1/tokens/{symbol}/", TOKEN_API_QUERIES)


def test_status_shows_last_run_error_and_stale_tokens(client):
    _populate(3)
    page = client.get("/status/").content.decode()
    assert "timed out" in page
    assert "status-failed" in page
    freshness = supply_freshness()
    stale = {f.deployment.token.symbol for f in freshness if f.stale}
    assert stale
    for symbol in stale:
        assert f">{symbol}</a>" in page


def test_freshness_picks_the_latest_observation():
    _populate(3)
    chain = Chain.objects.get(slug="ethereum")
    Chain.objects.filter(pk=chain.pk).update(max_age_seconds=600)
    for f in supply_freshness(Deployment.objects.filter(chain__slug="ethereum")):
        assert f.latest is not None
        assert f.latest.block_number == 101
        expected = timezone.now() - f.latest.observed_at > dt.timedelta(seconds=600)
        assert f.stale is expected


def test_htmx_refresh_renders_only_the_live_part(client):
    _populate(2)
    full = client.get("/status/").content.decode()
    part = client.get("/status/", headers={"HX-Request": "true"})
    body = part.content.decode()
    assert "<html" in full and "<html" not in body
    assert body.lstrip().startswith('<div id="status-live"')
    assert "Stale tokens" in body
    assert "HX-Request" in part["Vary"]


def test_jobs_of_no_chain_show_their_last_run(client):
    from django.utils import timezone

    from apps.core.models import JobRun

    now = timezone.now()
    JobRun.objects.create(job="sync_prices", started_at=now, status=JobRun.Status.OK)
    JobRun.objects.create(
        job="sync_prices", started_at=now, status=JobRun.Status.FAILED, error="vendor down: 503"
    )
    html = client.get("/status/").content.decode()
    assert "<code>sync_prices</code>" in html
    assert "vendor down: 503" in html
