"""The demo world's custodians: one semt.002 statement per custodian account per simulated day.

The statements match the demo supply read from the chains (the latest SupplyObservation of
every deployment) plus 1 % headroom, rounded up to whole shares and split across the
custodians, except one token deliberately held a little short so the under-backed status and
its alert show.

A simulated day lasts DEMO_STATEMENT_SECONDS of real time (beat runs
`apps.devchain.tasks.write_demo_custody_statements` that often while the demo world runs),
so statements are stamped with a date and time and identified to the minute:

    from apps.devchain.custody_demo import write_demo_statements
    write_demo_statements(at=timezone.now())     # -> list of written paths

Files go to CUSTODY_INBOX_DIR/<custodian slug>/ (written as .part, then renamed), where the
inbox poller (apps.custody.tasks.poll_custody_inbox) imports them.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree

from apps.catalog.models import Token
from apps.reserves.computation import AccountRef, underlying_units
from apps.reserves.inputs import load_inputs

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:semt.002.001.11"
DEFAULT_UNDER_BACKED = "TSLAx"
DEFAULT_SHORTFALL = Decimal("0.005")  # 0.5 % short: visible, and beyond the default tolerance
# Like a real issuer, the custodians hold a little more than required, so tokens minted
# between two statements are still covered (the simulator mints well under 1 % a day).
DEFAULT_HEADROOM = Decimal("0.01")
FIRST_CUSTODIAN_SHARE = Decimal("0.6")  # with two custodians: 60 % / 40 %


def demo_holdings(
    *,
    at: dt.datetime | None = None,
    under_backed_symbol: str | None = DEFAULT_UNDER_BACKED,
    shortfall: Decimal = DEFAULT_SHORTFALL,
    headroom: Decimal = DEFAULT_HEADROOM,
) -> dict[AccountRef, dict[str, Decimal]]:
    """{account: {ISIN: whole shares}} matching the latest supply, split across custodians."""
    at = at or timezone.now()
    tokens = list(Token.objects.select_related("issuer", "security").order_by("symbol"))
    inputs = load_inputs(tokens)
    # None: every token fully backed. A symbol not in the catalogue: the first token with supply.
    short = under_backed_symbol
    pick_first = bool(short) and short not in {t.symbol for t in tokens}
    result: dict[AccountRef, dict[str, Decimal]] = {}
    for token in tokens:
        if not token.security.isin:
            continue  # custodians report by ISIN; none is published for this underlying
        # Chains without a node are not read (the demo world runs only some chains).
        deployments = [d for d in inputs.deployments.get(token.pk, []) if d.chain.has_node]
        observations = [inputs.observations.get(d.pk) for d in deployments]
        if not deployments or None in observations:
            continue
        if pick_first:
            short, pick_first = token.symbol, False
        # As the backing counts it, with any multiplier the chains apply by `at` (a split
        # takes effect for the custodian's shares when it does on the chain).
        required = sum(
            (underlying_units(o, token.multiplier, at) for o in observations if o), Decimal(0)
        )
        if token.symbol == short:
            total = (required * (1 - shortfall)).to_integral_value(ROUND_FLOOR)
        else:
            total = (required * (1 + headroom)).to_integral_value(ROUND_CEILING)
        # One account per custodian for this issuer, custodians in name order.
        accounts: dict[int, AccountRef] = {}
        for a in inputs.accounts.get(token.issuer_id, []):
            accounts.setdefault(a.custodian_id, a)
        chosen = list(accounts.values())
        if not chosen:
            continue
        shares = [Decimal(0)] * len(chosen)
        if len(chosen) == 1:
            shares[0] = total
        else:
            first = (total * FIRST_CUSTODIAN_SHARE).to_integral_value(ROUND_FLOOR)
            shares[0] = first
            rest = total - first
            each = (rest / (len(chosen) - 1)).to_integral_value(ROUND_FLOOR)
            for i in range(1, len(chosen)):
                shares[i] = each
            shares[-1] = rest - each * (len(chosen) - 2)
        for account, quantity in zip(chosen, shares, strict=True):
            result.setdefault(account, {})[token.security.isin] = quantity
    return result


def semt002_document(
    *, statement_id: str, at: dt.datetime, account_id: str, holdings: dict[str, Decimal]
) -> bytes:
    """A one-page semt.002.001.11 Securities Balance Custody Report."""

    def el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
        if text is not None:
            child.text = text
        return child

    document = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    report = el(document, "SctiesBalCtdyRpt")
    pagination = el(report, "Pgntn")
    el(pagination, "PgNb", "1")
    el(pagination, "LastPgInd", "true")
    general = el(report, "StmtGnlDtls")
    el(general, "StmtId", statement_id)
    stamp = at.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    el(el(general, "StmtDtTm"), "DtTm", stamp)
    el(el(general, "Frqcy"), "Cd", "DAIL")
    el(el(general, "UpdTp"), "Cd", "COMP")
    el(el(general, "StmtBsis"), "Cd", "SETT")
    el(general, "ActvtyInd", "true")
    el(general, "AudtdInd", "false")
    el(general, "SubAcctInd", "false")
    el(el(report, "SfkpgAcct"), "Id", account_id)
    for isin, quantity in sorted(holdings.items()):
        balance = el(report, "BalForAcct")
        el(el(balance, "FinInstrmId"), "ISIN", isin)
        aggregate = el(balance, "AggtBal")
        el(el(el(el(aggregate, "Qty"), "Qty"), "Qty"), "Unit", format(quantity, "f"))
        el(aggregate, "ShrtLngInd", "LONG")
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_demo_statements(
    *,
    at: dt.datetime | None = None,
    inbox: Path | None = None,
    under_backed_symbol: str | None = DEFAULT_UNDER_BACKED,
    shortfall: Decimal = DEFAULT_SHORTFALL,
    headroom: Decimal = DEFAULT_HEADROOM,
) -> list[Path]:
    """Write the statement of every custodian account as of `at` (now) into the inbox."""
    at = (at or timezone.now()).replace(microsecond=0)
    inbox = Path(inbox or settings.CUSTODY_INBOX_DIR)
    written = []
    holdings = demo_holdings(
        at=at, under_backed_symbol=under_backed_symbol, shortfall=shortfall, headroom=headroom
    )
    for account, positions in holdings.items():
        statement_id = f"DEMO-{account.account_id}-{at:%Y%m%dT%H%M%S}"
        folder = inbox / account.custodian.slug
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{statement_id}.xml"
        partial = folder / f"{statement_id}.xml.part"
        partial.write_bytes(
            semt002_document(
                statement_id=statement_id,
                at=at,
                account_id=account.account_id,
                holdings=positions,
            )
        )
        os.replace(partial, target)  # the poller never sees a half-written file
        written.append(target)
    return written
