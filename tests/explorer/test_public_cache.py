"""Whole public answers cached until their data changes (apps.core.public_cache): a second
anonymous GET runs no SQL, a change shows at the next request, nobody logged in gets a
shared page, conditional GETs answer 304, public answers are gzipped and private ones not."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.http import http_date

from apps.chains.versions import bump_supply_version
from apps.core import public_cache
from apps.core.models import JobRun
from apps.markets.services import record_quotes
from apps.markets.sources import PriceQuote
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Every public page and public API answer (the API's ?limit= and the catalogue's filters
# are variants of these).
PUBLIC = [
    "/",
    "/tokens/",
    "/tokens/?q=B1&sort=sector",
    "/tokens/?page=2",
    "/tokens/B3x/",
    "/tokens/B3x/?usd=250",
    "/tokens/B3x/live/",
    "/tokens/B3x/chart/?range=1W",
    "/tokens/B3x/calculator/?usd=10",
    "/transparency/",
    "/transparency/?page=2",
    "/transparency/B3x/",
    "/transparency/B3x/history.csv",
    "/transparency/B3x/history.json",
    "/status/",
    "/api/v1/tokens/",
    "/api/v1/tokens/?limit=5&offset=5&kind=stock",
    "/api/v1/tokens/B3x/",
    "/api/v1/prices/",
    "/api/v1/tokens/B3x/prices/?interval=1d",
    "/api/v1/reserves/",
    "/api/v1/tokens/B3x/reserves/",
    "/api/v1/tokens/B3x/reserves/history/",
    "/api/v1/oracle/",
    "/api/schema/",
    "/api/docs/",
    "/compare/",
    "/transparency/feed/",
    "/transparency/B3x/feed/",
    "/transparency/B3x/badge.svg",
]


def price(symbol: str, value: str) -> None:
    now = timezone.now()
    record_quotes(
        quotes=[
            PriceQuote(
                kind="token",
                key=symbol,
                price=Decimal(value),
                time=now,
                source="simulator",
                max_age=dt.timedelta(minutes=15),
            )
        ],
        received_at=now,
    )


@pytest.fixture
def catalogue(backed_catalogue, settings):
    settings.PUBLIC_CACHE_SECONDS = 3600  # no time bucket turns between two requests here
    tokens = backed_catalogue(120)  # two pages of the catalogue and of /transparency/
    JobRun.start(job="sync_supply", scope="ethereum").finish(deployments=120, created=120)
    return tokens


@pytest.mark.parametrize("url", PUBLIC)
def test_second_anonymous_get_runs_no_sql_and_renders_nothing(
    catalogue, client, django_assert_num_queries, url
):
    first = client.get(url)
    assert first.status_code == 200, first.content[:300]
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"] and second["ETag"].startswith('W/"')
    assert second["Cache-Control"] in {
        "public, max-age=5, stale-while-revalidate=5",
        "public, no-cache",  # the polled price block revalidates every time
        "public, max-age=60, stale-while-revalidate=5",  # the badge's and feeds' own
    }
    assert not second.cookies and "csrfmiddlewaretoken" not in second.content.decode()


def test_an_old_answer_is_built_again_by_one_process_while_the_others_serve_it(
    catalogue, client, django_assert_num_queries, monkeypatch
):
    first = client.get("/status/")
    home = client.get("/")
    later = time.time() + 3601  # past PUBLIC_CACHE_SECONDS: its ages are old
    monkeypatch.setattr(public_cache.time, "time", lambda: later)
    # The home page shows nothing that ages (ages=False): kept until its versions move.
    with django_assert_num_queries(0):
        assert client.get("/")["ETag"] == home["ETag"]
    # Another process is building it again: this one serves the previous build at once.
    tag = first["ETag"].removeprefix('W/"').split("-")[0]
    assert cache.add(public_cache.BUILDING_PREFIX + tag, 1)
    with django_assert_num_queries(0):
        assert client.get("/status/")["ETag"] == first["ETag"]
    # No one is: this process builds it, with a new ETag, and releases its claim.
    cache.delete(public_cache.BUILDING_PREFIX + tag)
    rebuilt = client.get("/status/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert rebuilt.status_code == 200 and rebuilt["ETag"] != first["ETag"]
    assert cache.add(public_cache.BUILDING_PREFIX + tag, 1)  # the claim was released
    with django_assert_num_queries(0):
        assert client.get("/status/", HTTP_IF_NONE_MATCH=rebuilt["ETag"]).status_code == 304


def test_a_price_change_changes_the_next_answer(catalogue, client):
    urls = ["/tokens/", "/tokens/B0x/", "/tokens/B0x/live/", "/api/v1/prices/"]
    before = {url: client.get(url) for url in urls}
    price("B0x", "101.4567")  # within the jump band: published at once
    for url in urls:
        after = client.get(url)
        assert after.content != before[url].content, url
        assert after["ETag"] != before[url]["ETag"], url
    assert "101.4567" in client.get("/tokens/B0x/").content.decode()
    assert "101.4567" in client.get("/api/v1/prices/").content.decode()


def test_a_change_invalidates_only_what_shows_it(catalogue, client, django_assert_num_queries):
    for url in ("/tokens/", "/tokens/B0x/", "/api/v1/tokens/", "/api/v1/tokens/B0x/"):
        client.get(url)
    bump_supply_version()  # what the supply sync does after recording new readings
    with django_assert_num_queries(0):
        client.get("/tokens/")  # shows no supply reading
        client.get("/api/v1/tokens/")
    for url in ("/tokens/B0x/", "/api/v1/tokens/B0x/"):
        first = client.get(url)
        with django_assert_num_queries(0):
            assert client.get(url).content == first.content


def test_a_job_run_changes_the_status_page(catalogue, client, django_capture_on_commit_callbacks):
    before = client.get("/status/")
    with django_capture_on_commit_callbacks(execute=True):
        JobRun.start(job="sync_oracles", scope="ethereum").fail("node down")
    after = client.get("/status/").content.decode()
    assert after != before.content.decode() and "node down" in after


def test_logged_in_users_get_their_own_private_pages(catalogue, client):
    anonymous = client.get("/tokens/").content.decode()
    assert "Log in" in anonymous and "Log out" not in anonymous
    pages = {}
    for name in ("alice@example.org", "bob@example.org"):
        browser = Client()
        browser.force_login(UserFactory(username=name))
        response = browser.get("/tokens/", HTTP_ACCEPT_ENCODING="gzip")
        html = response.content.decode()
        assert "Log out" in html and "Log in" not in html
        assert response["Cache-Control"] == "private, no-store"
        assert "Cookie" in response["Vary"]
        assert "Content-Encoding" not in response  # a CSRF token beside reflected input
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        pages[name] = (html, token)
    assert pages["alice@example.org"][1] != pages["bob@example.org"][1]
    # And the anonymous page was not replaced by theirs.
    again = client.get("/tokens/").content.decode()
    assert again == anonymous


def test_a_session_cookie_alone_bypasses_the_cache(catalogue, client, django_assert_num_queries):
    client.get("/tokens/")
    client.cookies["sessionid"] = "not-a-session"
    response = client.get("/tokens/")
    assert response["Cache-Control"] == "private, no-store"
    assert "Log in" in response.content.decode()


def test_matching_if_none_match_answers_304(catalogue, client, django_assert_num_queries):
    first = client.get("/tokens/B3x/")
    etag = first["ETag"]
    with django_assert_num_queries(0):
        response = client.get("/tokens/B3x/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag
    assert client.get("/tokens/B3x/", HTTP_IF_NONE_MATCH='"other"').status_code == 200
    price("B3x", "99.5")
    assert client.get("/tokens/B3x/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_if_modified_since_answers_304_until_the_data_changes(catalogue, client):
    first = client.get("/api/v1/reserves/")
    since = first["Last-Modified"]
    assert client.get("/api/v1/reserves/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    earlier = http_date(timezone.now().timestamp() - 3600)
    assert client.get("/api/v1/reserves/", HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_public_answers_are_gzipped_for_clients_that_ask(catalogue, client):
    for url in ("/tokens/", "/api/v1/tokens/"):
        plain = client.get(url)
        assert "Content-Encoding" not in plain
        packed = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert len(packed.content) < len(plain.content) / 3
        assert client.get(url, HTTP_ACCEPT_ENCODING="gzip;q=0").get("Content-Encoding") is None
    vary = client.get("/tokens/")["Vary"]
    for header in ("Cookie", "HX-Request", "Accept-Language", "Accept-Encoding"):
        assert header in vary


def test_htmx_and_full_page_are_kept_apart(catalogue, client):
    page = client.get("/tokens/?kind=stock").content.decode()
    fragment = client.get("/tokens/?kind=stock", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in page and "<html" not in fragment
    assert client.get("/tokens/?kind=stock").content.decode() == page


def test_refusals_are_not_shared(catalogue, client):
    response = client.get("/tokens/?page=1e20")
    assert response.status_code == 400
    assert response["Cache-Control"] == "private, no-store"
    assert client.get("/tokens/NOPEx/").status_code == 404


def test_private_pages_say_no_store(client):
    for url in ("/accounts/login/", "/accounts/signup/", "/onboarding/", "/compliance/"):
        control = client.get(url)["Cache-Control"]
        assert "private" in control and "no-store" in control, url


def test_the_api_throttle_still_counts_cached_answers(catalogue, client, settings):
    settings.API_ANON_RATE = "3/minute"
    statuses = [client.get("/api/v1/tokens/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_an_answer_with_a_csrf_token_is_never_shared(client):
    # Swagger UI's start-up script embeds the CSRF token: answered afresh, private.
    for _ in range(2):
        response = client.get("/api/docs/?script=")
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert "Content-Encoding" not in client.get(
            "/api/docs/?script=", HTTP_ACCEPT_ENCODING="gzip"
        )
