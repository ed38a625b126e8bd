"""Who is told of which event, and sending each event once per subscriber.

`create_deliveries` writes one Delivery per (event, subscriber), unique, so a repeated
announcement adds nothing. `send_deliveries` claims a subscriber's pending deliveries with a
conditional UPDATE (only one worker can win a row), sends one e-mail listing their events,
then marks them sent. A worker killed between its claim and the send leaves the rows
claimed: once the claim is older than ALERTS_DELIVERY_LEASE_SECONDS, `stale_deliveries`
hands them to the next sender. The window that remains is a crash after the mail server
accepted the message and before the rows were marked sent: that message may go out again,
with the same Message-ID (derived from the deliveries), so mail clients can fold the two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.alerts import tokens
from apps.alerts.models import Announcement, Delivery, Subscriber, Subscription
from apps.reserves.models import PublicEvent

from .subscriptions import site_link

log = logging.getLogger(__name__)

INSERT_BATCH = 1000  # delivery rows per INSERT
TASK_BATCH = 200  # deliveries per send task (a few KB of task arguments)
EVENTS_PER_EMAIL = 50  # a subscriber's events per e-mail; more go in further e-mails
MAX_ATTEMPTS = 5  # sends of one delivery before it is given up (state failed)
RETRY_BATCH = 5000  # deliveries re-queued per sweep at most
ANNOUNCE_BATCH = 1000  # events announced late per sweep at most
MAX_ERROR_CHARS = 200


def _audience(events: Sequence[PublicEvent]) -> dict[int, set[int]]:
    """{event id: subscriber ids}: confirmed subscribers of every token, of the event's
    token, or (for an issuer-wide event such as a custodian statement) of any token of the
    issuer, like the token feeds. One query for all the subscriptions."""
    everyone: set[int] = set()
    by_token: dict[int, set[int]] = defaultdict(set)
    by_issuer: dict[int, set[int]] = defaultdict(set)
    rows = Subscription.objects.filter(confirmed_at__isnull=False).values_list(
        "subscriber_id", "token_id", "token__issuer_id"
    )
    for subscriber_id, token_id, issuer_id in rows:
        if token_id is None:
            everyone.add(subscriber_id)
        else:
            by_token[token_id].add(subscriber_id)
            by_issuer[issuer_id].add(subscriber_id)
    audience = {}
    for event in events:
        if event.token_id is not None:
            audience[event.pk] = everyone | by_token.get(event.token_id, set())
        elif event.issuer_id is not None:
            audience[event.pk] = everyone | by_issuer.get(event.issuer_id, set())
        else:
            audience[event.pk] = set(everyone)
    return audience


def create_deliveries(*, event_ids: Iterable[int], now: dt.datetime | None = None) -> list[int]:
    """One pending Delivery per event and confirmed subscriber who follows it (none twice,
    whatever the number of calls), and the events marked announced; returns the ids of the
    pending deliveries of these events, grouped by subscriber."""
    now = now or timezone.now()
    events = list(PublicEvent.objects.filter(pk__in=list(event_ids)).only("token_id", "issuer_id"))
    if not events:
        return []
    audience = _audience(events)
    rows = [
        Delivery(event_id=event_id, subscriber_id=subscriber_id, created_at=now)
        for event_id, subscribers in audience.items()
        for subscriber_id in sorted(subscribers)
    ]
    with transaction.atomic():
        if rows:
            Delivery.objects.bulk_create(rows, batch_size=INSERT_BATCH, ignore_conflicts=True)
        Announcement.objects.bulk_create(
            [Announcement(event_id=e.pk, created_at=now) for e in events],
            batch_size=INSERT_BATCH,
            ignore_conflicts=True,
        )
    return list(
        Delivery.objects.filter(event_id__in=list(audience), state=Delivery.State.PENDING)
        .order_by("subscriber_id", "event__occurred_at", "event_id")
        .values_list("pk", flat=True)
    )


def batches(ids: Sequence[int], size: int = TASK_BATCH) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _claimable(now: dt.datetime) -> Q:
    lease = dt.timedelta(seconds=settings.ALERTS_DELIVERY_LEASE_SECONDS)
    free = Q(state=Delivery.State.PENDING) | Q(
        state=Delivery.State.SENDING, claimed_at__lt=now - lease
    )
    return free & Q(attempts__lt=MAX_ATTEMPTS)


def claim(*, delivery_ids: Sequence[int], now: dt.datetime) -> uuid.UUID | None:
    """Claim those of the deliveries nobody holds (pending, or held past the lease) with one
    conditional UPDATE; returns the claim id, or None when none was free."""
    claim_id = uuid.uuid4()
    won = (
        Delivery.objects.filter(pk__in=list(delivery_ids))
        .filter(_claimable(now))
        .update(
            state=Delivery.State.SENDING,
            claim=claim_id,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    )
    return claim_id if won else None


def _message(subscriber: Subscriber, deliveries: list[Delivery], connection) -> EmailMessage:
    events = [d.event for d in deliveries]
    for event in events:
        event.link = site_link(
            reverse("transparency-token", args=[event.token.symbol])
            if event.token_id
            else reverse("transparency")
        )
    unsubscribe = site_link(
        reverse(
            "alerts:unsubscribe",
            args=[tokens.unsubscribe_token(subscriber_id=subscriber.pk, email=subscriber.email)],
        )
    )
    context = {"events": events, "unsubscribe": unsubscribe, "site_url": settings.SITE_URL}
    ids = ",".join(str(d.pk) for d in deliveries)
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    # Written in the subscriber's language; the event titles are records, kept as written.
    with translation.override(subscriber.language or settings.LANGUAGE_CODE):
        subject = render_to_string("alerts/email/events_subject.txt", context)
        body = render_to_string("alerts/email/events.txt", context)
    return EmailMessage(
        # One line whatever the titles hold (a line break in a header is refused).
        subject=" ".join(subject.split())[:200],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscriber.email],
        connection=connection,
        headers={
            # RFC 8058: a mail client may unsubscribe with one POST to this https URL.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Reserve alerts <alerts.{host}>",
            "Auto-Submitted": "auto-generated",
            # The same deliveries give the same Message-ID, should a crash send them twice.
            "Message-ID": (
                f"<alerts.{hashlib.sha256(ids.encode()).hexdigest()[:32]}@{host or 'localhost'}>"
            ),
        },
    )


def _release(claim_id: uuid.UUID, error: str) -> None:
    """After a failed send: back to pending for a later attempt, or failed after
    MAX_ATTEMPTS."""
    held = Delivery.objects.filter(claim=claim_id, state=Delivery.State.SENDING)
    held.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=Delivery.State.FAILED, last_error=error[:MAX_ERROR_CHARS]
    )
    held.update(state=Delivery.State.PENDING, last_error=error[:MAX_ERROR_CHARS])


def send_deliveries(*, delivery_ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """Send the given deliveries that nobody else holds: one e-mail per subscriber (at most
    EVENTS_PER_EMAIL events each), each claimed before and marked sent after. Returns the
    number of deliveries sent."""
    by_subscriber: dict[int, list[int]] = defaultdict(list)
    for pk, subscriber_id in Delivery.objects.filter(
        pk__in=list(delivery_ids), state__in=[Delivery.State.PENDING, Delivery.State.SENDING]
    ).values_list("pk", "subscriber_id"):
        by_subscriber[subscriber_id].append(pk)
    sent = 0
    connection = get_connection()
    try:
        for ids in by_subscriber.values():
            for chunk in batches(sorted(ids), EVENTS_PER_EMAIL):
                sent += _send_one(chunk, now or timezone.now(), connection)
    finally:
        connection.close()
    return sent


def _send_one(delivery_ids: list[int], now: dt.datetime, connection) -> int:
    claim_id = claim(delivery_ids=delivery_ids, now=now)
    if claim_id is None:
        return 0
    held = list(
        Delivery.objects.filter(claim=claim_id, state=Delivery.State.SENDING)
        .select_related("subscriber", "event__token")
        .order_by("event__occurred_at", "event_id")
    )
    if not held:  # the address unsubscribed a moment ago
        return 0
    try:
        _message(held[0].subscriber, held, connection).send()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("alerts: sending %d deliveries failed: %s", len(held), exc)
        _release(claim_id, f"{type(exc).__name__}: {exc}")
        return 0
    return Delivery.objects.filter(claim=claim_id, state=Delivery.State.SENDING).update(
        state=Delivery.State.SENT, sent_at=timezone.now()
    )


def unannounced_events() -> list[int]:
    """Events whose deliveries were never created (the fan-out task was lost, or the broker
    was down when they were recorded), oldest first, at most ANNOUNCE_BATCH."""
    return list(
        PublicEvent.objects.exclude(Exists(Announcement.objects.filter(event=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[:ANNOUNCE_BATCH]
    )


def stale_deliveries(*, now: dt.datetime | None = None) -> list[int]:
    """Deliveries that should have gone out by now: pending for longer than
    ALERTS_RETRY_SECONDS (their task was lost, or a send failed) or claimed past the lease
    (their worker died); at most RETRY_BATCH, grouped by subscriber."""
    now = now or timezone.now()
    waited = now - dt.timedelta(seconds=settings.ALERTS_RETRY_SECONDS)
    lease = now - dt.timedelta(seconds=settings.ALERTS_DELIVERY_LEASE_SECONDS)
    # Claimed MAX_ATTEMPTS times and never sent nor released: something fails every time.
    Delivery.objects.filter(
        state=Delivery.State.SENDING, claimed_at__lt=lease, attempts__gte=MAX_ATTEMPTS
    ).update(state=Delivery.State.FAILED, last_error="no answer from the sending worker")
    return list(
        Delivery.objects.filter(
            Q(state=Delivery.State.PENDING, created_at__lt=waited)
            | Q(state=Delivery.State.SENDING, claimed_at__lt=lease)
        )
        .order_by("subscriber_id", "pk")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
