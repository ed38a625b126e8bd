"""Reads that compose the catalogue with prices, backing and chain readings."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.catalog.models import Chain, Custodian, Issuer, Token
from apps.chains.selectors import latest_supply_prefetch
from apps.markets.selectors import with_prices
from apps.reserves.selectors import with_backing


def home_figures() -> dict[str, int]:
    """The home page's headline counts: four queries."""
    figures = Token.objects.aggregate(
        tokens=Count("id"),
        stocks=Count("id", filter=Q(security__kind="stock")),
        etfs=Count("id", filter=Q(security__kind="etf")),
    )
    figures["chains"] = Chain.objects.count()
    figures["issuers"] = Issuer.objects.count()
    figures["custodians"] = Custodian.objects.count()
    return figures


def catalogue() -> QuerySet[Token]:
    """Tokens with issuer, underlying and deployments, and their latest price and backing
    riding on the token query itself (subqueries): a page of any size costs the token
    query, the deployments prefetch and the snapshots read by attach_backing()."""
    return with_backing(with_prices(Token.objects.for_catalog()))


def token_page() -> QuerySet[Token]:
    """One token with everything its page and its API answer show, and each deployment's
    latest supply reading (`deployment.latest_supply`)."""
    return Token.objects.for_detail().prefetch_related(latest_supply_prefetch())
