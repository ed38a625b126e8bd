"""E-mail subscribers of the public event log and what each has been sent.

An address is personal data: it is kept only while it has a subscription; unconfirmed
subscriptions are pruned after ALERTS_CONFIRM_DAYS and unsubscribing deletes the address.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from apps.catalog.models import Token
from apps.reserves.models import PublicEvent


class Subscriber(models.Model):
    """An e-mail address that asked for alerts (lower-cased, so one row per address)."""

    email = models.EmailField(max_length=254, unique=True)
    created_at = models.DateTimeField()
    # The site's language when the address last subscribed (settings.LANGUAGES): its
    # e-mails are written in it; empty for addresses from before languages, sent in English.
    language = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return f"subscriber #{self.pk}"  # never the address: it ends up in logs


class Subscription(models.Model):
    """Alerts of one token (or of every token: `token` empty) for one address; nothing is
    sent until the address confirms it through the signed link (double opt-in)."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    token = models.ForeignKey(
        Token, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "token"],
                condition=Q(token__isnull=False),
                name="subscription_one_per_token",
            ),
            models.UniqueConstraint(
                fields=["subscriber"],
                condition=Q(token__isnull=True),
                name="subscription_one_for_all",
            ),
        ]
        indexes = [models.Index(fields=["confirmed_at"], name="subscription_confirmed")]

    def __str__(self) -> str:
        return f"subscription #{self.pk}"


class Delivery(models.Model):
    """One event for one subscriber: created once (unique pair), claimed by a worker with a
    conditional UPDATE before the e-mail goes out, marked sent after. A claim whose worker
    died is taken over after ALERTS_DELIVERY_LEASE_SECONDS."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(PublicEvent, on_delete=models.CASCADE, related_name="+")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    # The claim of the worker sending it (a random id per attempt) and when it was taken.
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="delivery_once_per_subscriber"
            )
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="delivery_state"),
            models.Index(fields=["claim"], name="delivery_claim"),
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk} ({self.state})"


class Announcement(models.Model):
    """An event whose deliveries have been created: the beat sweep creates those of any event
    without one (its fan-out task was lost), so no event is missed."""

    event = models.OneToOneField(
        PublicEvent, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"announcement of event #{self.event_id}"
