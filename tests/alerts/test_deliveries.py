"""Each event reaches each subscriber once: unique deliveries, claimed before sending, taken
over after the lease when a worker died between its claim and the send."""

from __future__ import annotations

import datetime as dt
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone

from apps.alerts import tasks
from apps.alerts.models import Delivery, Subscriber, Subscription
from apps.alerts.services import deliveries
from apps.reserves.models import PublicEvent
from apps.reserves.services.events import record_events
from tests.alerts.conftest import mails_to
from tests.factories import IssuerFactory, TokenFactory

pytestmark = pytest.mark.django_db

READERS = ["a@example.org", "b@example.org", "c@example.org"]


def _follow(address: str, token=None) -> Subscriber:
    """A confirmed subscription, written directly (the pages are tested elsewhere)."""
    now = timezone.now()
    subscriber, _ = Subscriber.objects.get_or_create(email=address, defaults={"created_at": now})
    Subscription.objects.create(
        subscriber=subscriber, token=token, created_at=now, confirmed_at=now
    )
    return subscriber


def _events(token, n: int = 1, *, issuer_wide: bool = False) -> list[int]:
    now = timezone.now()
    return record_events(
        events=[
            PublicEvent(
                key=f"test:{token.pk}:{issuer_wide}:{i}",
                kind=PublicEvent.Kind.STATEMENT if issuer_wide else PublicEvent.Kind.ALERT_RAISED,
                token=None if issuer_wide else token,
                issuer_id=token.issuer_id,
                title=f"statement {i}" if issuer_wide else f"{token.symbol} event {i}",
                body=f"what happened {i}" + (" to the issuer" if issuer_wide else ""),
                occurred_at=now + dt.timedelta(seconds=i),
            )
            for i in range(n)
        ]
    )


def _states() -> dict[str, str]:
    return dict(Delivery.objects.values_list("subscriber__email", "state"))


def test_each_subscriber_gets_each_event_once_whatever_follows_and_repeats(aapl_world):
    aapl = aapl_world["token"]
    other = TokenFactory(symbol="OTHx", issuer=IssuerFactory(slug="other-issuer", name="Other"))
    _follow("token@example.org", aapl)
    _follow("both@example.org", aapl)
    _follow("both@example.org")  # every token as well: still one e-mail per event
    _follow("other@example.org", other)
    events = _events(aapl, 2) + _events(aapl, issuer_wide=True)
    ids = deliveries.create_deliveries(event_ids=events)
    assert len(ids) == 6  # 3 events x 2 addresses; the other issuer's follower gets none
    assert deliveries.create_deliveries(event_ids=events) == ids  # announced again: nothing new
    assert deliveries.send_deliveries(delivery_ids=ids) == 6
    assert deliveries.send_deliveries(delivery_ids=ids) == 0  # a retried task sends nothing
    for address in ("token@example.org", "both@example.org"):
        (message,) = mails_to(address)  # one e-mail listing the three events
        assert message.subject == "3 reserve events: AAPLx event 0 and more"
        for text in ("AAPLx event 0", "AAPLx event 1", "statement 0", "happened 0\n"):
            assert message.body.count(text) == 1
    assert mails_to("other@example.org") == []


def test_a_claim_is_exclusive(aapl_world):
    _follow("a@example.org")
    ids = deliveries.create_deliveries(event_ids=_events(aapl_world["token"]))
    now = timezone.now()
    assert deliveries.claim(delivery_ids=ids, now=now) is not None
    assert deliveries.claim(delivery_ids=ids, now=now) is None  # held by the first
    assert deliveries.send_deliveries(delivery_ids=ids) == 0
    assert mail.outbox == []


def test_a_worker_killed_between_claim_and_send_loses_and_repeats_nothing(aapl_world, settings):
    for address in READERS:
        _follow(address)
    ids = deliveries.create_deliveries(event_ids=_events(aapl_world["token"]))
    real_send = EmailMessage.send
    message_ids = []

    def dies_on_the_second(message, *args, **kwargs):
        message_ids.append(message.extra_headers["Message-ID"])
        if len(message_ids) == 2:  # claimed, not sent: the worker process is killed here
            raise SystemExit("worker killed")
        return real_send(message, *args, **kwargs)

    with (
        mock.patch.object(EmailMessage, "send", autospec=True, side_effect=dies_on_the_second),
        pytest.raises(SystemExit),
    ):
        deliveries.send_deliveries(delivery_ids=ids)
    assert _states() == {READERS[0]: "sent", READERS[1]: "sending", READERS[2]: "pending"}

    # The task comes back at once (acks late): what nobody holds goes out; the dead
    # worker's claim is left alone, as that worker might still be sending.
    assert deliveries.send_deliveries(delivery_ids=ids) == 1
    assert deliveries.stale_deliveries() == []
    assert _states()[READERS[1]] == "sending"

    # Past the lease, the sweep hands it to the next sender.
    later = timezone.now() + dt.timedelta(seconds=settings.ALERTS_DELIVERY_LEASE_SECONDS + 1)
    stale = deliveries.stale_deliveries(now=later)
    assert stale == list(Delivery.objects.filter(state="sending").values_list("pk", flat=True))
    assert deliveries.send_deliveries(delivery_ids=stale, now=later) == 1
    assert _states() == dict.fromkeys(READERS, "sent")
    assert [len(mails_to(a)) for a in READERS] == [1, 1, 1]  # no loss, no duplicate
    resent = mails_to(READERS[1])[0]
    assert resent.extra_headers["Message-ID"] == message_ids[1]  # the same message, if twice
    assert Delivery.objects.get(subscriber__email=READERS[1]).attempts == 2


def test_a_mail_server_that_fails_is_tried_again_then_given_up(aapl_world, settings):
    _follow("a@example.org")
    ids = deliveries.create_deliveries(event_ids=_events(aapl_world["token"]))
    refuse = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    with mock.patch.object(EmailMessage, "send", autospec=True, side_effect=refuse):
        assert deliveries.send_deliveries(delivery_ids=ids) == 0
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts) == ("pending", 1)
        assert delivery.last_error.startswith("SMTPServerDisconnected: Connection")
        for _ in range(deliveries.MAX_ATTEMPTS):
            deliveries.send_deliveries(delivery_ids=ids)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", deliveries.MAX_ATTEMPTS)
    assert deliveries.send_deliveries(delivery_ids=ids) == 0
    assert mail.outbox == []


def test_the_beat_sweep_sends_what_a_lost_task_left_pending(
    aapl_world, settings, django_capture_on_commit_callbacks
):
    _follow("a@example.org")
    ids = deliveries.create_deliveries(event_ids=_events(aapl_world["token"]))
    assert tasks.retry_deliveries() == 0  # just created: its own task may still come
    Delivery.objects.update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.ALERTS_RETRY_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_deliveries() == 1  # one send task queued (run here, eagerly)
    assert Delivery.objects.get(pk=ids[0]).state == "sent"
    assert len(mails_to("a@example.org")) == 1


def test_the_sweep_announces_an_event_whose_fan_out_was_lost(
    aapl_world, django_capture_on_commit_callbacks
):
    _follow("a@example.org")
    # Recorded in a transaction that never announces it (as if the broker was down).
    (event,) = _events(aapl_world["token"])
    assert deliveries.unannounced_events() == [event]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_deliveries() == 1
    assert deliveries.unannounced_events() == []
    assert len(mails_to("a@example.org")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_deliveries() == 0  # nothing left, nothing twice
    assert len(mails_to("a@example.org")) == 1
