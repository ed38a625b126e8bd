"""Subscribing without an account: the same answer for any address, double opt-in, signed
links, one-click unsubscribe, rate limits, and no address kept that never confirmed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from apps.alerts import tokens
from apps.alerts.models import Subscriber, Subscription
from apps.alerts.services.subscriptions import prune_unconfirmed
from apps.alerts.tasks import prune_unconfirmed as prune_task
from tests.alerts.conftest import link_in, mails_to

pytestmark = pytest.mark.django_db


def _post(client, address: str, symbol: str = "", **extra):
    return client.post("/alerts/", {"email": address, "token": symbol}, **extra)


def test_subscribing_answers_the_same_whether_the_address_is_known(
    client, aapl_world, subscribe, django_capture_on_commit_callbacks
):
    subscribe("known@example.org", "AAPLx")
    subscribe("waiting@example.org", "AAPLx", confirm=False)
    mail.outbox.clear()
    answers = []
    for address in ("new@example.org", "waiting@example.org", "known@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(client, address, "AAPLx")
        answers.append((response.status_code, response["Location"], response.content))
    assert answers[0] == answers[1] == answers[2] == (302, "/alerts/sent/", b"")
    page = client.get("/alerts/sent/").content.decode()
    assert "If this address is not subscribed to these alerts yet" in page
    # Behind the same answer: a link for the new and the waiting address, nothing for the
    # one already subscribed.
    assert len(mails_to("new@example.org")) == len(mails_to("waiting@example.org")) == 1
    assert mails_to("known@example.org") == []


def test_a_bad_address_or_token_is_refused_with_the_reason(client, aapl_world):
    response = _post(client, "not an address")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    response = _post(client, "a@example.org", "NOPEx")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_the_confirmation_link_shows_a_button_and_only_its_post_confirms(
    client, aapl_world, subscribe
):
    path = subscribe("reader@example.org", "AAPLx", confirm=False)
    message = mails_to("reader@example.org")[0]
    assert message.subject == "Confirm your reserve alerts for AAPLx"
    page = client.get(path)  # what a mail scanner opening links would do
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    assert Subscription.objects.get().confirmed_at is None
    assert client.post(path).status_code == 200
    assert Subscription.objects.get().confirmed_at is not None
    assert client.post(path).status_code == 200  # again: no change
    assert "already confirmed" in client.get(path).content.decode()


def test_links_cannot_be_forged_reused_for_another_address_or_used_late(
    client, aapl_world, subscribe, settings
):
    path = subscribe("reader@example.org", "AAPLx", confirm=False)
    subscription = Subscription.objects.get()
    forged = tokens.confirm_token(subscription_id=subscription.pk, email="other@example.org")
    for bad in (
        path[:-3] + "xx/",
        f"/alerts/confirm/{forged}/",
        "/alerts/confirm/" + "a" * 300 + "/",
    ):
        response = client.post(bad)
        assert response.status_code == 400, bad
        assert "This link does not work" in response.content.decode()
    settings.ALERTS_CONFIRM_DAYS = -1  # every link is now older than allowed
    assert "link expired" in client.post(path).content.decode().lower()
    assert Subscription.objects.get().confirmed_at is None
    # An unsubscribe link is not a confirmation link, and the other way round.
    unsubscribe = tokens.unsubscribe_token(
        subscriber_id=subscription.subscriber_id, email="reader@example.org"
    )
    assert client.post(f"/alerts/confirm/{unsubscribe}/").status_code == 400


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_token(client, aapl_world, subscribe):
    subscribe("reader@example.org", "AAPLx")
    subscribe("reader@example.org")  # every token too
    token = tokens.unsubscribe_token(
        subscriber_id=Subscriber.objects.get().pk, email="reader@example.org"
    )
    path = f"/alerts/unsubscribe/{token}/"
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
    assert Subscriber.objects.exists()  # opening the link changes nothing
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Subscriber.objects.exists() and not Subscription.objects.exists()
    assert mail_client.post(path).status_code == 200  # again: already gone
    assert mail_client.post("/alerts/unsubscribe/nope/").status_code == 400


def test_subscribing_is_limited_per_address_and_per_network(client, aapl_world, settings):
    settings.ALERTS_SUBSCRIBE_RATE = "3/h"
    for i in range(3):  # one address from three networks
        assert _post(client, "a@example.org", REMOTE_ADDR=f"198.51.100.{i}").status_code == 302
    refused = _post(client, "a@example.org", REMOTE_ADDR="198.51.100.9")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    for i in range(2):  # one network, other addresses (the fourth request from it)
        assert _post(client, f"b{i}@example.org", REMOTE_ADDR="203.0.113.7").status_code == 302
    _post(client, "b2@example.org", REMOTE_ADDR="203.0.113.7")
    refused = _post(client, "b3@example.org", REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert "too often" in refused.content.decode()
    assert not Subscriber.objects.filter(email="b3@example.org").exists()


def test_addresses_that_never_confirm_are_pruned(aapl_world, subscribe, settings):
    subscribe("confirmed@example.org", "AAPLx")
    subscribe("mixed@example.org", "AAPLx")
    subscribe("mixed@example.org", confirm=False)
    subscribe("never@example.org", "AAPLx", confirm=False)
    later = timezone.now() + dt.timedelta(days=settings.ALERTS_CONFIRM_DAYS, seconds=1)
    assert prune_unconfirmed(older_than=later - dt.timedelta(days=settings.ALERTS_CONFIRM_DAYS))
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "confirmed@example.org",
        "mixed@example.org",
    ]
    assert Subscription.objects.filter(confirmed_at__isnull=True).count() == 0
    assert Subscription.objects.count() == 2
    assert prune_task() == 0  # the beat task: nothing old enough now


def test_the_confirmation_email_is_all_an_unconfirmed_address_gets(client, aapl_world, subscribe):
    path = subscribe("reader@example.org", "AAPLx", confirm=False)
    (message,) = mails_to("reader@example.org")
    assert link_in(message) == path
    assert "ignore this e-mail" in message.body
    assert "List-Unsubscribe" not in message.extra_headers
