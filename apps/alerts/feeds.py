"""Atom feeds of the public event log (Django's syndication framework): one per token and
one for the whole site. Entry ids are derived from each event's natural key, so they never
change; every entry links to the transparency page of its token."""

from __future__ import annotations

import datetime as dt
import uuid
from html import escape

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext

from apps.catalog.models import Token
from apps.reserves.models import PublicEvent

from . import selectors

# Entry ids: urn:uuid:<uuid5 of this namespace and the event's key> (stable across hosts).
ENTRY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "xstocks_site:public-events")


def entry_id(event: PublicEvent) -> str:
    return f"urn:uuid:{uuid.uuid5(ENTRY_NAMESPACE, event.key)}"


class EventsFeed(Feed):
    feed_type = Atom1Feed
    item_guid_is_permalink = False

    def author_name(self) -> str:
        return settings.SITE_NAME

    def item_title(self, item: PublicEvent) -> str:
        return item.title

    def item_description(self, item: PublicEvent) -> str:
        # Atom summaries are HTML to a reader: the plain text is escaped to stay text.
        return escape(item.body or item.title)

    def item_link(self, item: PublicEvent) -> str:
        if item.token_id:
            return reverse("transparency-token", args=[item.token.symbol]) + "#events"
        return getattr(item, "feed_link", reverse("transparency"))

    def item_guid(self, item: PublicEvent) -> str:
        return entry_id(item)

    def item_pubdate(self, item: PublicEvent) -> dt.datetime:
        return item.occurred_at

    def item_updateddate(self, item: PublicEvent) -> dt.datetime:
        return item.occurred_at

    def item_categories(self, item: PublicEvent) -> list[str]:
        return [item.kind] + ([item.condition] if item.condition else [])


class SiteEventsFeed(EventsFeed):
    """The feed's own words follow the reader's language; entries are records, as written."""

    def title(self) -> str:
        return gettext("%(site)s: reserve events of every token") % {"site": settings.SITE_NAME}

    def subtitle(self) -> str:
        return gettext(
            "Under-backing raised and cleared, stale data, chains that disagree, multiplier "
            "changes, pauses, custodian statements and attestations."
        )

    def link(self) -> str:
        return reverse("transparency")

    def feed_url(self) -> str:
        return reverse("alerts:site-feed")

    def items(self) -> list[PublicEvent]:
        return list(selectors.site_events())


class TokenEventsFeed(EventsFeed):
    def get_object(self, request: HttpRequest, symbol: str) -> Token:  # type: ignore[override]
        return get_object_or_404(Token, symbol=symbol)

    def title(self, token: Token) -> str:
        return gettext("%(symbol)s: reserve events") % {"symbol": token.symbol}

    def subtitle(self, token: Token) -> str:
        return gettext(
            "The backing of %(symbol)s: alerts raised and cleared, multiplier changes, "
            "custodian statements and attestations."
        ) % {"symbol": token.symbol}

    def link(self, token: Token) -> str:
        return reverse("transparency-token", args=[token.symbol])

    def feed_url(self, token: Token) -> str:
        return reverse("alerts:token-feed", args=[token.symbol])

    def items(self, token: Token) -> list[PublicEvent]:
        events = list(selectors.token_events(token))
        page = self.link(token) + "#events"
        for event in events:
            event.feed_link = page  # issuer-wide events link to this token's page
        return events
