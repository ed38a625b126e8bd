"""Issue 15's floor: an under-backing raised by the real computation reaches both feeds once,
each confirmed subscriber once (with the one-click unsubscribe headers), an unconfirmed one
never, and nobody after unsubscribing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from apps.alerts.models import Delivery, Subscriber
from apps.reserves.services import compute_snapshots
from tests.alerts.conftest import hold, link_in, mails_to
from tests.reserves.helpers import observe

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client, url: str) -> list[ET.Element]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_an_under_backing_reaches_the_feeds_and_confirmed_subscribers_once(
    client, aapl_world, subscribe, django_capture_on_commit_callbacks
):
    token = aapl_world["token"]
    with django_capture_on_commit_callbacks(execute=True):
        hold("1000", "STMT-1")  # 1,000 shares for 999.6 required: backed
        compute_snapshots(tokens=[token])
    subscribe("follower@example.org", "AAPLx")
    subscribe("everything@example.org")  # every token
    subscribe("undecided@example.org", "AAPLx", confirm=False)
    assert len(mails_to("undecided@example.org")) == 1  # the confirmation, nothing else
    site_before = _entries(client, "/transparency/feed/")
    token_before = _entries(client, "/transparency/AAPLx/feed/")
    mail.outbox.clear()

    # 100 more AAPLx minted on Ethereum: 1,000 shares for 1,101.6 required.
    with django_capture_on_commit_callbacks(execute=True):
        observe(aapl_world["eth"], supply="700", block=19_000_001)
        compute_snapshots(tokens=[token])

    site_after = _entries(client, "/transparency/feed/")
    token_after = _entries(client, "/transparency/AAPLx/feed/")
    assert len(site_after) == len(site_before) + 1
    assert len(token_after) == len(token_before) + 1
    new = site_after[0]
    assert new.find(f"{ATOM}title").text == "AAPLx: Under-backed"
    assert new.find(f"{ATOM}link").get("href") == "http://testserver/transparency/AAPLx/#events"
    assert new.find(f"{ATOM}id").text == token_after[0].find(f"{ATOM}id").text
    assert new.find(f"{ATOM}id").text not in {e.find(f"{ATOM}id").text for e in site_before}

    for address in ("follower@example.org", "everything@example.org"):
        (message,) = mails_to(address)
        assert message.subject == "AAPLx: Under-backed"
        assert "AAPLx is under-backed" in message.body
        assert f"{settings.SITE_URL}/transparency/AAPLx/" in message.body
        unsubscribe = message.extra_headers["List-Unsubscribe"]
        assert unsubscribe == f"<{settings.SITE_URL}{link_in(message)}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mails_to("undecided@example.org") == []
    assert mails_to(settings.COMPLIANCE_EMAIL)  # the staff alert is still sent as before
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}

    # One click in the mail client: a POST with no session and no CSRF token.
    one_click = Client(enforce_csrf_checks=True)
    path = link_in(mails_to("follower@example.org")[0])
    response = one_click.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Subscriber.objects.filter(email="follower@example.org").exists()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):  # covered again: cleared
        hold("1200", "STMT-2")
        compute_snapshots(tokens=[token])
    assert mails_to("follower@example.org") == []
    assert mails_to("undecided@example.org") == []
    # The statement and the cleared alert are recorded by two transactions: two e-mails,
    # each event in exactly one of them.
    bodies = "".join(m.body for m in mails_to("everything@example.org"))
    assert bodies.count("AAPLx: Under-backed cleared") == 1
    assert bodies.count("Statement STMT-2 of") == 1
