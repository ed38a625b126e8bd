"""Custodian statement parsers: ISO 20022 semt.002 XML and the CSV layout.

Parsers only read: they turn bytes into ParsedStatement values or raise StatementError
naming the CSV line or the XML element path. Accounts, custodians and duplicates are
checked by the import service (apps.custody.services).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from lxml import etree

from apps.core.identifiers import check_isin

SEMT002_NAMESPACES = {
    "urn:iso:std:iso:20022:tech:xsd:semt.002.001.10": "semt.002.001.10",
    "urn:iso:std:iso:20022:tech:xsd:semt.002.001.11": "semt.002.001.11",
}
CSV_HEADER = ["statement_id", "statement_date", "custodian", "account", "isin", "quantity"]
QUANTITY_PLACES = 10  # decimal places a holding may carry (Holding.quantity)
QUANTITY_DIGITS = 30  # integer digits a holding may carry


class StatementError(ValueError):
    """A statement that cannot be imported; `where` is the CSV line or XML element path."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.reason = message


@dataclass(frozen=True)
class ParsedHolding:
    isin: str
    quantity: Decimal
    where: str


@dataclass
class ParsedStatement:
    statement_id: str
    statement_date: dt.datetime
    account_id: str
    custodian_slug: str  # "" when the format does not name it (semt.002)
    format: str
    where: str  # where the account is named, for error messages
    holdings: list[ParsedHolding] = field(default_factory=list)
    page_count: int = 1


def parse_statement(data: bytes, *, now: dt.datetime | None = None) -> list[ParsedStatement]:
    """Parse a semt.002 document or a CSV file, told apart by their first character."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return [parse_semt002(data, now=now)]
    return parse_csv(data, now=now)


def _quantity(text: str | None, where: str) -> Decimal:
    raw = (text or "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise StatementError(where, f"quantity {raw!r} is not a number") from None
    if not value.is_finite():
        raise StatementError(where, f"quantity {raw!r} is not a number")
    if value < 0:
        raise StatementError(where, f"quantity {raw} is negative")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
        raise StatementError(where, f"quantity {raw} has more than {QUANTITY_PLACES} decimals")
    if value.adjusted() >= QUANTITY_DIGITS:
        raise StatementError(where, f"quantity {raw} is too large")
    return value


def _isin(text: str | None, where: str) -> str:
    try:
        return check_isin((text or "").strip())
    except ValueError as exc:
        raise StatementError(where, f"ISIN {exc}") from None


def _not_future(when: dt.datetime, where: str, now: dt.datetime) -> dt.datetime:
    # A date-only statement dated today is fine; anything later is not.
    if when > now:
        raise StatementError(where, f"statement date {when.isoformat()} is in the future")
    return when


def _parse_when(text: str, where: str, *, date_only: bool | None = None) -> dt.datetime:
    raw = text.strip()
    try:
        if date_only or (date_only is None and len(raw) == 10):
            day = dt.date.fromisoformat(raw)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise StatementError(where, f"{raw!r} is not an ISO 8601 date") from None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


# --- CSV -----------------------------------------------------------------------------------


def parse_csv(data: bytes, *, now: dt.datetime | None = None) -> list[ParsedStatement]:
    """CSV with the header statement_id,statement_date,custodian,account,isin,quantity.

    Rows of one (custodian, account, statement_id) form one statement; every row of a
    statement must carry the same date.
    """
    now = now or timezone.now()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StatementError("", f"not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise StatementError("line 1", "empty file") from None
    except csv.Error as exc:
        raise StatementError("line 1", f"bad CSV: {exc}") from None
    if [h.strip().lower() for h in header] != CSV_HEADER:
        raise StatementError("line 1", f"header must be {','.join(CSV_HEADER)}")
    statements: dict[tuple[str, str, str], ParsedStatement] = {}
    try:
        for row in reader:
            line = f"line {reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(CSV_HEADER):
                raise StatementError(line, f"{len(row)} fields, expected {len(CSV_HEADER)}")
            statement_id, date_text, custodian, account, isin, quantity = (
                cell.strip() for cell in row
            )
            for name, value in (
                ("statement_id", statement_id),
                ("statement_date", date_text),
                ("custodian", custodian),
                ("account", account),
            ):
                if not value:
                    raise StatementError(line, f"{name} is empty")
            when = _not_future(_parse_when(date_text, f"{line} statement_date"), line, now)
            key = (custodian, account, statement_id)
            statement = statements.get(key)
            if statement is None:
                statement = statements[key] = ParsedStatement(
                    statement_id=statement_id,
                    statement_date=when,
                    account_id=account,
                    custodian_slug=custodian,
                    format="csv",
                    where=f"{line} account",
                )
            elif statement.statement_date != when:
                raise StatementError(line, f"statement {statement_id} has two dates ({date_text})")
            holding = ParsedHolding(
                isin=_isin(isin, f"{line} isin"),
                quantity=_quantity(quantity, f"{line} quantity"),
                where=line,
            )
            if any(h.isin == holding.isin for h in statement.holdings):
                raise StatementError(line, f"{holding.isin} appears twice in {statement_id}")
            statement.holdings.append(holding)
    except csv.Error as exc:
        raise StatementError(f"line {reader.line_num}", f"bad CSV: {exc}") from None
    if not statements:
        raise StatementError("line 2", "no holdings")
    return list(statements.values())


# --- ISO 20022 semt.002 --------------------------------------------------------------------


def _safe_parser() -> etree.XMLParser:
    # No DTD loading, no entity expansion, no network; lxml's default tree limits stay on.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _path(element: etree._Element) -> str:
    """A readable path like Document/SctiesBalCtdyRpt/BalForAcct[2]/FinInstrmId/ISIN."""
    parts = []
    node: etree._Element | None = element
    while node is not None:
        name = _local(node)
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if isinstance(c.tag, str) and _local(c) == name]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/".join(reversed(parts))


def _child(element: etree._Element, name: str, ns: str) -> etree._Element | None:
    return element.find(f"{{{ns}}}{name}")


def _required(element: etree._Element, name: str, ns: str) -> etree._Element:
    found = _child(element, name, ns)
    if found is None:
        raise StatementError(_path(element), f"missing {name}")
    return found


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()


def _page(document: etree._Element, ns: str) -> tuple[int, bool, etree._Element]:
    report = _required(document, "SctiesBalCtdyRpt", ns)
    general = _required(report, "StmtGnlDtls", ns)
    # Pagination sits at the top of the report; older writers put it in StmtGnlDtls.
    pagination = _child(report, "Pgntn", ns)
    if pagination is None:
        pagination = _child(general, "Pgntn", ns)
    if pagination is None:
        return 1, True, report
    number_el = _required(pagination, "PgNb", ns)
    last_el = _required(pagination, "LastPgInd", ns)
    try:
        number = int(_text(number_el))
    except ValueError:
        raise StatementError(_path(number_el), "page number is not a number") from None
    if number < 1:
        raise StatementError(_path(number_el), "page number must be 1 or more")
    last_text = _text(last_el).lower()
    if last_text not in {"true", "false", "1", "0"}:
        raise StatementError(_path(last_el), "LastPgInd must be true or false")
    return number, last_text in {"true", "1"}, report


def parse_semt002(data: bytes, *, now: dt.datetime | None = None) -> ParsedStatement:
    """A semt.002 Securities Balance Custody Report (001.10 or 001.11), one or more pages.

    Pages are Document elements: the root itself, or children of any envelope. Every page
    must be present (1..n, the last one flagged LastPgInd) and name the same statement.
    """
    now = now or timezone.now()
    try:
        root = etree.fromstring(data, parser=_safe_parser())
    except etree.XMLSyntaxError as exc:
        raise StatementError(f"line {exc.lineno or '?'}", f"malformed XML: {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise StatementError("DOCTYPE", "document type declarations and entities are refused")
    documents = [root] if _local(root) == "Document" else list(root.iter("{*}Document"))
    if not documents:
        raise StatementError(_local(root), "no Document/SctiesBalCtdyRpt found")
    pages: dict[int, tuple[bool, etree._Element, str]] = {}
    for document in documents:
        ns = etree.QName(document).namespace or ""
        if ns not in SEMT002_NAMESPACES:
            raise StatementError(
                _path(document),
                f"namespace {ns!r} is not semt.002.001.10 or semt.002.001.11",
            )
        number, last, report = _page(document, ns)
        if number in pages:
            raise StatementError(_path(report), f"page {number} appears twice")
        pages[number] = (last, report, ns)
    count = max(pages)
    last_pages = [n for n, (last, _, _) in pages.items() if last]
    if last_pages != [count]:
        where = _path(pages[count][1])
        raise StatementError(where, f"page {count} is not flagged as the last page (LastPgInd)")
    missing = sorted(set(range(1, count + 1)) - set(pages))
    if missing:
        where = _path(pages[count][1])
        raise StatementError(
            where, f"page(s) {', '.join(map(str, missing))} of {count} missing from the file"
        )

    statement: ParsedStatement | None = None
    for number in range(1, count + 1):
        _, report, ns = pages[number]
        general = _required(report, "StmtGnlDtls", ns)
        id_el = _required(general, "StmtId", ns)
        statement_id = _text(id_el)
        if not statement_id:
            raise StatementError(_path(id_el), "empty statement id")
        date_el = _required(general, "StmtDtTm", ns)
        value_el = _child(date_el, "DtTm", ns)
        date_only = value_el is None
        if value_el is None:
            value_el = _required(date_el, "Dt", ns)
        when = _not_future(
            _parse_when(_text(value_el), _path(value_el), date_only=date_only),
            _path(value_el),
            now,
        )
        account_el = _required(_required(report, "SfkpgAcct", ns), "Id", ns)
        account_id = _text(account_el)
        if not account_id:
            raise StatementError(_path(account_el), "empty account id")
        if statement is None:
            statement = ParsedStatement(
                statement_id=statement_id,
                statement_date=when,
                account_id=account_id,
                custodian_slug="",
                format="semt002",
                where=_path(account_el),
                page_count=count,
            )
        elif (statement_id, when, account_id) != (
            statement.statement_id,
            statement.statement_date,
            statement.account_id,
        ):
            raise StatementError(
                _path(general), f"page {number} belongs to another statement or account"
            )
        for balance in report.findall(f"{{{ns}}}BalForAcct"):
            isin_el = _required(_required(balance, "FinInstrmId", ns), "ISIN", ns)
            isin = _isin(_text(isin_el), _path(isin_el))
            aggregate = _required(balance, "AggtBal", ns)
            quantity_el = next(
                (e for e in aggregate.iter(f"{{{ns}}}Unit", f"{{{ns}}}FaceAmt")),
                None,
            )
            if quantity_el is None:
                raise StatementError(_path(aggregate), "no Unit or FaceAmt quantity")
            quantity = _quantity(_text(quantity_el), _path(quantity_el))
            short = next(aggregate.iter(f"{{{ns}}}ShrtLngInd"), None)
            if short is not None and _text(short).upper() == "SHRT" and quantity:
                raise StatementError(_path(short), f"quantity {quantity} is negative (SHRT)")
            if any(h.isin == isin for h in statement.holdings):
                raise StatementError(_path(isin_el), f"{isin} appears twice in the statement")
            statement.holdings.append(
                ParsedHolding(isin=isin, quantity=quantity, where=_path(balance))
            )
    assert statement is not None
    return statement
