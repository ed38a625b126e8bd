"""The price oracle against the site's own figures: the `oracle_disagrees` alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.utils import translation

from apps.core.formatting import decimal_text
from apps.markets.oracle import OracleStatus, oracle_statuses
from apps.reserves.computation import Backing
from apps.reserves.models import Alert


@translation.override(settings.LANGUAGE_CODE)  # the alert's message is a record, in English
def oracle_message(symbol: str, status: OracleStatus) -> str:
    """Why the oracle disagrees, in one line (the alert's message)."""
    report = status.report
    if report is None:  # never judged: nothing to say
        return f"{symbol}: no Chainlink Data Streams report"
    reasons = []
    for check in status.chains:
        if not check.agrees:
            reasons.append(
                f"multiplier {decimal_text(report.current_multiplier)} against "
                f"{decimal_text(check.chain.multiplier)} on {check.chain.chain_name}"
            )
    if status.status_disagrees and status.session is not None:
        reasons.append(
            f"market {report.market_status_label.lower()} while the NYSE session is "
            f"{status.session.label.lower()}"
        )
    when = f"{report.observed_at:%Y-%m-%d %H:%M:%S} UTC"
    return f"{symbol}: the Chainlink Data Streams report of {when} says " + "; ".join(reasons)


def add_oracle_conditions(*, backings: Sequence[Backing], now: dt.datetime) -> None:
    """Add `oracle_disagrees` to the conditions of every backing whose token's latest fresh
    Data Streams report disagrees with the chains' multipliers or the NYSE session, with
    the reason as the alert's message. At most three queries for any number of tokens."""
    statuses = oracle_statuses([b.token.pk for b in backings], now=now)
    for backing in backings:
        status = statuses.get(backing.token.pk)
        if status is not None and status.disagrees:
            backing.conditions.append(Alert.Condition.ORACLE_DISAGREES)
            backing.notes[Alert.Condition.ORACLE_DISAGREES] = oracle_message(
                backing.token.symbol, status
            )
