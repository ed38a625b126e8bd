"""Subscriptions without an account: double opt-in, unsubscribe, pruning.

No answer tells whether an address is known: subscribing answers the same for a new address,
one waiting for its confirmation and one already subscribed.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.alerts import tokens
from apps.alerts.models import Delivery, Subscriber, Subscription
from apps.catalog.models import Token

log = logging.getLogger(__name__)


def normalize_email(email: str) -> str:
    """The address as stored: trimmed and lower-cased (one row per mailbox in practice)."""
    return email.strip().lower()


def site_link(path: str) -> str:
    """An absolute link for an e-mail (workers have no request): SITE_URL + path."""
    return settings.SITE_URL + path


def request_subscription(
    *, email: str, token: Token | None, now: dt.datetime | None = None
) -> int | None:
    """Record that `email` asks for the alerts of `token` (None: every token).

    Returns the id of a subscription that still needs its confirmation e-mail (a new one, or
    one asked for again before it was confirmed), or None when the address already has this
    subscription confirmed: the caller answers the same either way.
    """
    now = now or timezone.now()
    email = normalize_email(email)
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            subscriber, _ = Subscriber.objects.get_or_create(
                email=email, defaults={"created_at": now, "language": language}
            )
            # An existing subscriber's language changes only when a confirmation link sent to
            # the address is opened (confirm_subscription), never on an anonymous request.
            subscription, _ = Subscription.objects.get_or_create(
                subscriber=subscriber, token=token, defaults={"created_at": now}
            )
    except IntegrityError:  # the same request twice at once: the other one created the rows
        subscription = Subscription.objects.get(subscriber__email=email, token=token)
    return None if subscription.confirmed_at else subscription.pk


def send_confirmation(*, subscription_id: int, language: str = "") -> bool:
    """E-mail the signed confirmation link of an unconfirmed subscription, in `language` (the
    asking request's; empty: the subscriber's); the only e-mail an unconfirmed address ever
    gets. False when there is nothing to confirm any more."""
    subscription = (
        Subscription.objects.select_related("subscriber", "token")
        .filter(pk=subscription_id, confirmed_at__isnull=True)
        .first()
    )
    if subscription is None:
        return False
    email = subscription.subscriber.email
    link = site_link(
        reverse(
            "alerts:confirm",
            args=[tokens.confirm_token(subscription_id=subscription.pk, email=email)],
        )
    )
    context = {
        "token": subscription.token,
        "link": link,
        "days": settings.ALERTS_CONFIRM_DAYS,
        "site_url": settings.SITE_URL,
    }
    chosen = language or subscription.subscriber.language or settings.LANGUAGE_CODE
    with translation.override(chosen):
        subject = render_to_string("alerts/email/confirm_subject.txt", context)
        body = render_to_string("alerts/email/confirm.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.send()
    return True


def subscription_for_link(token: str) -> Subscription:
    """The subscription a confirmation link names; BadLink when the link is not valid, has
    expired, or its subscription is gone (pruned or unsubscribed)."""
    subscription_id, digest = tokens.read_confirm_token(token)
    subscription = (
        Subscription.objects.select_related("subscriber", "token")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None or not tokens.matches(subscription.subscriber.email, digest):
        raise tokens.BadLink(gettext("link not valid any more"))
    return subscription


def confirm(*, token: str, now: dt.datetime | None = None) -> Subscription:
    """Confirm the subscription of a valid link (again: no change). From now on its events
    are e-mailed, in the language of this request; events recorded before are not."""
    subscription = subscription_for_link(token)
    Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(
        confirmed_at=now or timezone.now()
    )
    # Whoever opens a link sent to the address speaks for it: its e-mails follow the
    # language of that request (the latest confirmed choice wins).
    language = translation.get_language() or settings.LANGUAGE_CODE
    Subscriber.objects.filter(pk=subscription.subscriber_id).exclude(language=language).update(
        language=language
    )
    subscription.refresh_from_db(fields=["confirmed_at"])
    return subscription


def subscriber_for_link(token: str) -> Subscriber | None:
    """The subscriber an unsubscribe link names, or None when it has already gone;
    BadLink when the link is not valid."""
    subscriber_id, digest = tokens.read_unsubscribe_token(token)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is not None and not tokens.matches(subscriber.email, digest):
        raise tokens.BadLink(gettext("link not valid"))
    return subscriber


def unsubscribe(*, token: str) -> bool:
    """Delete the address of a valid unsubscribe link with all its subscriptions and
    deliveries (nothing more is sent to it; an e-mail already being sent may still arrive).
    False when it was already gone. BadLink when the link is not valid."""
    subscriber = subscriber_for_link(token)
    if subscriber is None:
        return False
    deleted, _ = Subscriber.objects.filter(pk=subscriber.pk).delete()
    log.info("alerts: subscriber #%s unsubscribed", subscriber.pk)
    return bool(deleted)


def prune_unconfirmed(*, older_than: dt.datetime) -> int:
    """Delete subscriptions never confirmed and asked for before `older_than`, then every
    address left without a subscription; returns how many addresses were deleted."""
    Subscription.objects.filter(confirmed_at__isnull=True, created_at__lt=older_than).delete()
    orphans = Subscriber.objects.filter(created_at__lt=older_than).exclude(
        Exists(Subscription.objects.filter(subscriber=OuterRef("pk")))
    )
    _, by_model = orphans.delete()
    return by_model.get(Subscriber._meta.label, 0)


def prune_deliveries(*, older_than: dt.datetime) -> int:
    """Delete the record of deliveries sent or given up before `older_than`."""
    deleted, _ = Delivery.objects.filter(
        state__in=[Delivery.State.SENT, Delivery.State.FAILED], created_at__lt=older_than
    ).delete()
    return deleted
