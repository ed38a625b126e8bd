from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.models import Token
from apps.catalog.versions import forget_choices
from apps.markets.services import record_quotes
from apps.markets.sources import PriceQuote
from apps.reserves.services import compute_snapshots
from tests.reserves.helpers import make_backed_catalog

PRICED = 5  # tokens given a price: prices ride on the token query, so a few suffice


@pytest.fixture
def backed_catalogue(db) -> Callable[[int], list[Token]]:
    """grow(n): the catalogue grows to n tokens (B0x, B1x, ...), each on Ethereum and
    Solana with its supply read, backed by one custodian statement, its snapshot computed;
    the first few priced. Call it again to grow the same catalogue."""

    def grow(n: int) -> list[Token]:
        have = Token.objects.count()
        make_backed_catalog(n - have, start=have)
        forget_choices()  # as the registry loader does (bulk inserts send no signal)
        tokens = list(Token.objects.select_related("issuer", "security").order_by("pk"))
        compute_snapshots(tokens=tokens)
        now = timezone.now()
        record_quotes(
            quotes=[
                PriceQuote(
                    kind="token",
                    key=t.symbol,
                    price=Decimal("100.25"),
                    time=now,
                    source="simulator",
                    max_age=dt.timedelta(minutes=15),
                )
                for t in tokens[:PRICED]
            ],
            received_at=now,
        )
        return tokens

    return grow
