"""Reads for prices: latest prices of many tokens in one query, and what a page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import Token

from .models import Bar, Quote
from .sessions import MarketSession, market_session

BPS = Decimal(10000)
DAY = dt.timedelta(days=1)
PRICE_PLACES = Decimal("0.0001")
BPS_PLACES = Decimal("0.01")


def with_prices(tokens: QuerySet[Token], *, now: dt.datetime | None = None) -> QuerySet[Token]:
    """Annotate tokens with their latest published price, their underlying's latest price
    and the price a day ago: correlated subqueries, so still one query for any number of
    tokens. Read the result through attach_prices()."""
    now = now or timezone.now()
    published = Quote.objects.filter(status=Quote.Status.PUBLISHED).order_by("-time", "-pk")
    mine = published.filter(token=OuterRef("pk"))
    underlying = published.filter(security=OuterRef("security_id"))
    day_ago = Bar.objects.filter(token=OuterRef("pk"), start__lte=now - DAY).order_by("-start")
    return tokens.annotate(
        px_price=Subquery(mine.values("price")[:1]),
        px_time=Subquery(mine.values("time")[:1]),
        px_source=Subquery(mine.values("source")[:1]),
        px_max_age=Subquery(mine.values("max_age_seconds")[:1]),
        px_under_price=Subquery(underlying.values("price")[:1]),
        px_under_time=Subquery(underlying.values("time")[:1]),
        px_under_max_age=Subquery(underlying.values("max_age_seconds")[:1]),
        px_day_ago=Subquery(day_ago.values("close")[:1]),
    )


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def age_text(age: dt.timedelta) -> str:
    """An age in the active language: 45 s, 12 min, 5 h 3 min, 2 d 4 h."""
    seconds = max(int(age.total_seconds()), 0)
    if seconds < 60:
        return _("%(seconds)d s") % {"seconds": seconds}
    if seconds < 3600:
        return _("%(minutes)d min") % {"minutes": seconds // 60}
    if seconds < 86400:
        return _("%(hours)d h %(minutes)d min") % {
            "hours": seconds // 3600,
            "minutes": seconds % 3600 // 60,
        }
    return _("%(days)d d %(hours)d h") % {
        "days": seconds // 86400,
        "hours": seconds % 86400 // 3600,
    }


@dataclass(frozen=True)
class TokenPrice:
    """A token's price as shown: never called live once older than its source allows."""

    now: dt.datetime
    price: Decimal | None
    as_of: dt.datetime | None
    source: str
    max_age: dt.timedelta | None
    underlying_price: Decimal | None
    underlying_as_of: dt.datetime | None
    underlying_max_age: dt.timedelta | None
    multiplier: Decimal
    day_ago: Decimal | None
    session: MarketSession

    @property
    def has_price(self) -> bool:
        return self.price is not None

    @property
    def age(self) -> dt.timedelta | None:
        return None if self.as_of is None else self.now - self.as_of

    @property
    def age_text(self) -> str:
        return "" if self.age is None else age_text(self.age)

    @property
    def source_label(self) -> str:
        """The source named for readers, in their language (the key when unknown)."""
        return str(dict(Quote.Source.choices).get(self.source, self.source))

    @property
    def stale(self) -> bool:
        if self.age is None or self.max_age is None:
            return False
        return self.age > self.max_age

    @property
    def underlying_age(self) -> dt.timedelta | None:
        return None if self.underlying_as_of is None else self.now - self.underlying_as_of

    @property
    def underlying_stale(self) -> bool:
        age, limit = self.underlying_age, self.underlying_max_age
        return age is not None and limit is not None and age > limit

    @property
    def fair_value(self) -> Decimal | None:
        """Underlying price x shares per token."""
        if self.underlying_price is None:
            return None
        return (self.underlying_price * self.multiplier).quantize(PRICE_PLACES)

    @property
    def premium_bps(self) -> Decimal | None:
        """Token price against fair value, in basis points (negative: a discount)."""
        fair = self.fair_value
        if self.price is None or not fair:
            return None
        return ((self.price / fair - 1) * BPS).quantize(BPS_PLACES)

    @property
    def change_24h(self) -> Decimal | None:
        if self.price is None or not self.day_ago:
            return None
        return (self.price - self.day_ago).quantize(PRICE_PLACES)

    @property
    def change_24h_pct(self) -> Decimal | None:
        if self.price is None or not self.day_ago:
            return None
        return ((self.price / self.day_ago - 1) * 100).quantize(BPS_PLACES)


def price_of(token: Token, *, session: MarketSession, now: dt.datetime | None = None) -> TokenPrice:
    """The TokenPrice of a token annotated by with_prices()."""
    now = now or timezone.now()
    max_age = getattr(token, "px_max_age", None)
    under_max_age = getattr(token, "px_under_max_age", None)
    return TokenPrice(
        now=now,
        price=_dec(getattr(token, "px_price", None)),
        as_of=getattr(token, "px_time", None),
        source=getattr(token, "px_source", None) or "",
        max_age=None if max_age is None else dt.timedelta(seconds=max_age),
        underlying_price=_dec(getattr(token, "px_under_price", None)),
        underlying_as_of=getattr(token, "px_under_time", None),
        underlying_max_age=None if under_max_age is None else dt.timedelta(seconds=under_max_age),
        multiplier=token.multiplier,
        day_ago=_dec(getattr(token, "px_day_ago", None)),
        session=session,
    )


PRICE_FIELDS = (
    "px_price",
    "px_time",
    "px_source",
    "px_max_age",
    "px_under_price",
    "px_under_time",
    "px_under_max_age",
    "px_day_ago",
)


def attach_prices(tokens: Iterable[Token], *, now: dt.datetime | None = None) -> list[Token]:
    """Set `token.market` (a TokenPrice) on each token: no query when the tokens come
    from with_prices(), else one query for all of them, whatever their number."""
    now = now or timezone.now()
    session = market_session(now)
    tokens = list(tokens)
    missing = [t for t in tokens if not hasattr(t, "px_price")]
    if missing:
        rows = with_prices(Token.objects.filter(pk__in=[t.pk for t in missing]), now=now)
        values = {row["pk"]: row for row in rows.values("pk", *PRICE_FIELDS)}
        for token in missing:
            for name in PRICE_FIELDS:
                setattr(token, name, values.get(token.pk, {}).get(name))
    for token in tokens:
        token.market = price_of(token, session=session, now=now)
    return tokens


def token_price(token: Token, *, now: dt.datetime | None = None) -> TokenPrice:
    """One token's price, in one query."""
    now = now or timezone.now()
    annotated = with_prices(Token.objects.filter(pk=token.pk), now=now).get()
    return price_of(annotated, session=market_session(now), now=now)


def latest_security_prices(*, security_ids: Iterable[int]) -> dict[int, Decimal]:
    """{security id: latest published price of the underlying}, in one query."""
    from apps.catalog.models import Security

    latest = Quote.objects.filter(security=OuterRef("pk"), status=Quote.Status.PUBLISHED).order_by(
        "-time", "-pk"
    )
    rows = (
        Security.objects.filter(pk__in=list(security_ids))
        .annotate(px=Subquery(latest.values("price")[:1]))
        .values_list("pk", "px")
    )
    return {pk: _dec(px) for pk, px in rows if px is not None}
