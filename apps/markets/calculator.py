"""The fractional calculator: how much of a token an amount of dollars buys, in Decimal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.utils.translation import gettext as _

MAX_AMOUNT = Decimal("1000000000")  # USD; beyond this the answer is no use to anyone
DEFAULT_AMOUNT = "10"


@dataclass(frozen=True)
class Calculation:
    amount_text: str
    amount: Decimal | None = None
    quantity: Decimal | None = None
    error: str = ""


def parse_amount(text: str) -> Decimal:
    text = (text or "").strip().replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("%(text)r is not an amount in USD") % {"text": text[:40]}) from exc
    if not amount.is_finite() or amount <= 0:
        raise ValueError(_("the amount must be more than 0 USD"))
    if amount > MAX_AMOUNT:
        raise ValueError(_("the amount must be at most %(max)s USD") % {"max": f"{MAX_AMOUNT:,}"})
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(_("the amount has more than 2 decimals (cents)"))
    return amount


def tokens_for(amount: Decimal, price: Decimal) -> Decimal:
    """Whole and fractional tokens `amount` USD buys at `price`, rounded down: never more
    than the money buys. Four decimals, more for a small purchase of a dear token."""
    quantity = amount / price
    places = Decimal("0.0001")
    while quantity.quantize(places, rounding=ROUND_DOWN) == 0 and places > Decimal("1e-12"):
        places /= 100
    return quantity.quantize(places, rounding=ROUND_DOWN)


def calculate(text: str | None, price: Decimal | None) -> Calculation:
    text = DEFAULT_AMOUNT if text is None else text
    try:
        amount = parse_amount(text)
    except ValueError as exc:
        return Calculation(amount_text=text, error=str(exc))
    if price is None:
        return Calculation(amount_text=text, amount=amount, error="no price yet")
    return Calculation(amount_text=text, amount=amount, quantity=tokens_for(amount, price))
