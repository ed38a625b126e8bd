"""The investor's own holdings. There is no id in any URL: every answer is about the user
who asks, so no one can ask for someone else's portfolio."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import csv
from apps.core.formatting import decimal_text
from apps.onboarding.selectors import investor_standing

from . import selectors

CSV_FIELDS = [
    "token",
    "chain",
    "wallet",
    "contract_or_mint",
    "quantity",
    "raw_balance",
    "decimals",
    "multiplier",
    "block_or_slot",
    "read_at",
    "read_failed_at",
    "price",
    "price_as_of",
    "value",
]


def approved_investor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in (else the log-in page), and an approved investor: anyone else, officers
    included, gets 403 with the reason in words and no figure."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        standing = investor_standing(request.user)
        if not standing.approved:
            return render(request, "portfolio/unavailable.html", {"standing": standing}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@require_GET
@approved_investor_required
def holdings(request: HttpRequest) -> HttpResponse:
    return render(request, "portfolio/holdings.html", {"p": selectors.portfolio_of(request.user)})


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


@never_cache
@require_GET
@approved_investor_required
def holdings_csv(request: HttpRequest) -> HttpResponse:
    """One line per wallet, chain and token: the figures of the page, exact."""
    portfolio = selectors.portfolio_of(request.user, chart=False)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="holdings.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_FIELDS)
    for h in portfolio.holdings:
        price = h.price.underlying_price
        for p in h.positions:
            read = p.read
            quantity = p.quantity
            writer.writerow(
                _cell(v)
                for v in (
                    h.token.symbol,
                    p.chain.slug,
                    p.wallet.address,
                    p.deployment.address,
                    quantity,
                    p.balance.raw_balance,
                    p.balance.decimals,
                    p.balance.multiplier,
                    read.block_number if read else p.balance.block_number,
                    read.read_at if read else p.balance.read_at,
                    read.failed_at if read and read.failing else None,
                    price,
                    h.price.underlying_as_of if price is not None else None,
                    quantity * price if quantity is not None and price is not None else None,
                )
            )
    return response
