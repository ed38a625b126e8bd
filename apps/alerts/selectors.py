"""Reads of the alerts app: the events a feed shows (the same ones subscribers are sent)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from apps.catalog.models import Token
from apps.reserves.models import PublicEvent


def site_events() -> QuerySet[PublicEvent]:
    """The latest FEED_MAX_ENTRIES events of every token and issuer, newest first."""
    return PublicEvent.objects.select_related("token").order_by("-occurred_at", "-pk")[
        : settings.FEED_MAX_ENTRIES
    ]


def token_events(token: Token) -> QuerySet[PublicEvent]:
    """The latest FEED_MAX_ENTRIES events a reader of one token follows: its own and its
    issuer's (custodian statements, issuer-wide attestations), newest first."""
    return (
        PublicEvent.objects.for_token(token)
        .select_related("token")
        .order_by("-occurred_at", "-pk")[: settings.FEED_MAX_ENTRIES]
    )
