"""Atom feeds of the public event log: per token and for the site, stable ids, bounded."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils.dateparse import parse_datetime

from apps.reserves.models import PublicEvent
from apps.reserves.services.events import record_events
from tests.factories import TokenFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
T0 = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def _event(key: str, *, token=None, issuer=None, minutes: int = 0, **fields) -> PublicEvent:
    return PublicEvent(
        key=key,
        kind=fields.pop("kind", PublicEvent.Kind.ALERT_RAISED),
        condition=fields.pop("condition", "under_backed"),
        token=token,
        issuer=issuer or (token.issuer if token else None),
        title=fields.pop("title", key),
        body=fields.pop("body", f"body of {key}"),
        occurred_at=T0 + dt.timedelta(minutes=minutes),
    )


def _feed(client, url: str, **headers) -> ET.Element:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:300]
    return ET.fromstring(response.content)


def _ids(root: ET.Element) -> list[str]:
    return [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]


def test_token_feed_has_its_own_and_its_issuers_events_newest_first(client, aapl_world):
    aapl = aapl_world["token"]
    other = TokenFactory(symbol="TSLAx")
    record_events(
        events=[
            _event("alert:1:raised", token=aapl, minutes=1, title="AAPLx: Under-backed"),
            _event("statement:1", issuer=aapl.issuer, minutes=2, kind="statement", condition=""),
            _event("alert:2:raised", token=other, minutes=3),
        ]
    )
    root = _feed(client, "/transparency/AAPLx/feed/")
    assert root.find(f"{ATOM}title").text == "AAPLx: reserve events"
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["statement:1", "AAPLx: Under-backed"]
    for entry in entries:  # every entry leads to the token's transparency page
        assert entry.find(f"{ATOM}link").get("href") == (
            "http://testserver/transparency/AAPLx/#events"
        )
    assert parse_datetime(entries[1].find(f"{ATOM}updated").text) == T0 + dt.timedelta(minutes=1)
    assert root.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text
    assert [c.get("term") for c in entries[1].findall(f"{ATOM}category")] == [
        "alert_raised",
        "under_backed",
    ]
    site = _feed(client, "/transparency/feed/")
    assert len(site.findall(f"{ATOM}entry")) == 3
    # The same event has the same id in every feed, on any host, in every request.
    assert set(_ids(root)) < set(_ids(site))
    again = _feed(client, "/transparency/feed/", HTTP_HOST="localhost")
    assert _ids(again) == _ids(site)
    assert all(i.startswith("urn:uuid:") for i in _ids(site))


def test_feeds_are_bounded_to_the_latest_events(client, aapl_world, settings):
    settings.FEED_MAX_ENTRIES = 5
    aapl = aapl_world["token"]
    record_events(events=[_event(f"e{i}", token=aapl, minutes=i) for i in range(12)])
    for url in ("/transparency/feed/", "/transparency/AAPLx/feed/"):
        titles = [e.find(f"{ATOM}title").text for e in _feed(client, url).findall(f"{ATOM}entry")]
        assert titles == ["e11", "e10", "e9", "e8", "e7"]


def test_event_text_stays_text_in_a_feed_reader(client, aapl_world):
    record_events(
        events=[_event("x", token=aapl_world["token"], body='<img src=x onerror="alert(1)">')]
    )
    entry = _feed(client, "/transparency/feed/").find(f"{ATOM}entry")
    summary = entry.find(f"{ATOM}summary")
    # Atom summaries are HTML to a reader: the text arrives escaped, shown as written.
    assert summary.get("type") == "html"
    assert summary.text == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"


def test_unknown_token_has_no_feed_and_feed_is_not_a_token(client, aapl_world):
    assert client.get("/transparency/NOPEx/feed/").status_code == 404
    assert _feed(client, "/transparency/feed/").find(f"{ATOM}title") is not None


def test_feeds_cost_fixed_queries_and_are_cached_per_event_version(
    client, aapl_world, django_assert_num_queries, django_capture_on_commit_callbacks, settings
):
    aapl = aapl_world["token"]
    record_events(events=[_event(f"e{i}", token=aapl, minutes=i) for i in range(30)])
    with django_assert_num_queries(1):  # events with their tokens
        site = client.get("/transparency/feed/")
    with django_assert_num_queries(2):  # token, events
        client.get("/transparency/AAPLx/feed/")
    assert site["Cache-Control"] == (
        f"public, max-age={settings.FEED_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.PUBLIC_CACHE_STALE_SECONDS}"
    )
    with django_assert_num_queries(0):
        cached = client.get("/transparency/feed/", HTTP_IF_NONE_MATCH=site["ETag"])
    assert cached.status_code == 304
    with django_capture_on_commit_callbacks(execute=True):  # a new event: read afresh
        record_events(events=[_event("new", token=aapl, minutes=99)])
    assert _ids(_feed(client, "/transparency/feed/"))[0] != _ids(ET.fromstring(site.content))[0]
