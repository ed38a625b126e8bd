from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.catalog.models import Token
from apps.markets.services import record_quotes
from apps.markets.sources import PriceQuote
from tests.factories import TokenFactory

MAX_AGE = dt.timedelta(minutes=5)


def quote(
    subject: Token | str,
    price: str | Decimal,
    at: dt.datetime,
    *,
    kind: str = "token",
    source: str = "simulator",
    max_age: dt.timedelta = MAX_AGE,
) -> PriceQuote:
    key = subject.symbol if isinstance(subject, Token) else subject
    return PriceQuote(
        kind=kind, key=key, price=Decimal(price), time=at, source=source, max_age=max_age
    )


def price_token(
    token: Token,
    *,
    price: str,
    underlying: str | None = None,
    at: dt.datetime,
    source: str = "simulator",
):
    """Record a token price (and its underlying's) as a source would."""
    quotes = [quote(token, price, at, source=source)]
    if underlying is not None:
        quotes.append(quote(token.security.isin, underlying, at, kind="security", source=source))
    return record_quotes(quotes=quotes, received_at=at)


@pytest.fixture
def aapl(db) -> Token:
    return TokenFactory(
        security__ticker="AAPL",
        security__name="Apple Inc.",
        security__exchange_mic="XNAS",
        multiplier=Decimal("1"),
    )
