"""Custodian statement parsers: ISO 20022 semt.002 XML and the CSV layout.

Parsers only read: they turn bytes into ParsedStatement values or raise StatementError
naming the CSV line or the XML element path. Accounts, custodians and duplicates are
checked by the import service (apps.custody.services).
"""

from __future__ import annotations

import contextvars
import csv
import datetime as dt
import io
from collections import Counter
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
# Lengths of the stored identifiers (HoldingStatement.statement_id, CustodyAccount.account_id).
MAX_STATEMENT_ID_CHARS = 100
MAX_ACCOUNT_ID_CHARS = 64
MAX_MESSAGE_CHARS = 1000  # an error message (where + reason) is cut to this
MAX_VALUE_CHARS = 40  # a value quoted in a message is cut to this
MAX_RANGES_SHOWN = 5  # missing page ranges named in a message
MAX_PAGE_NUMBER = 10**9  # a PgNb is at most 5 digits in ISO 20022; this bounds the message


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: str) -> str:
    """A value from the file as shown in a message: repr, at most MAX_VALUE_CHARS."""
    return repr(shorten(value, MAX_VALUE_CHARS))


class StatementError(ValueError):
    """A statement that cannot be imported; `where` is the CSV line or XML element path.

    The message is bounded (MAX_MESSAGE_CHARS), whatever the file holds."""

    def __init__(self, where: str, message: str) -> None:
        where = shorten(where, MAX_MESSAGE_CHARS // 2)
        message = shorten(message, MAX_MESSAGE_CHARS - len(where) - 2)
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.reason = message


def page_ranges(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted distinct numbers as (first, last) runs: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def missing_pages(present: set[int], count: int) -> list[tuple[int, int]]:
    """The gaps in 1..count as (first, last) runs, in time linear in the pages present
    (never in `count`, which comes from the file)."""
    gaps = []
    expected = 1
    for n in sorted(present):
        if n > expected:
            gaps.append((expected, n - 1))
        expected = n + 1
    if expected <= count:
        gaps.append((expected, count))
    return gaps


def describe_ranges(runs: list[tuple[int, int]]) -> str:
    shown = [str(a) if a == b else f"{a}-{b}" for a, b in runs[:MAX_RANGES_SHOWN]]
    more = len(runs) - MAX_RANGES_SHOWN
    return ", ".join(shown) + (f" and {more} more ranges" if more > 0 else "")


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
    # Longer text cannot be a valid quantity; refused before Decimal reads it.
    if len(raw) > QUANTITY_DIGITS + QUANTITY_PLACES + 2:
        raise StatementError(where, f"quantity {quoted(raw)} is too long")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise StatementError(where, f"quantity {quoted(raw)} is not a number") from None
    if not value.is_finite():
        raise StatementError(where, f"quantity {quoted(raw)} is not a number")
    if value < 0:
        raise StatementError(where, f"quantity {raw} is negative")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
        raise StatementError(where, f"quantity {raw} has more than {QUANTITY_PLACES} decimals")
    if value.adjusted() >= QUANTITY_DIGITS:
        raise StatementError(where, f"quantity {raw} is too large")
    return value


def _identifier(text: str, where: str, what: str, limit: int) -> str:
    if not text:
        raise StatementError(where, f"empty {what}")
    if len(text) > limit:
        raise StatementError(where, f"{what} {quoted(text)} is longer than {limit} characters")
    if not text.isprintable():
        raise StatementError(where, f"{what} {quoted(text)} has control characters")
    return text


def _isin(text: str | None, where: str) -> str:
    raw = (text or "").strip()
    if len(raw) > 12:
        raise StatementError(where, f"ISIN {quoted(raw)} is not 12 characters")
    try:
        return check_isin(raw)
    except ValueError as exc:
        raise StatementError(where, f"ISIN {exc}") from None


def _not_future(when: dt.datetime, where: str, now: dt.datetime) -> dt.datetime:
    # A date-only statement dated today is fine; anything later is not.
    if when > now:
        raise StatementError(where, f"statement date {when.isoformat()} is in the future")
    return when


def _parse_when(text: str, where: str, *, date_only: bool | None = None) -> dt.datetime:
    raw = text.strip()
    if len(raw) > 40:
        raise StatementError(where, f"{quoted(raw)} is not an ISO 8601 date")
    try:
        if date_only or (date_only is None and len(raw) == 10):
            day = dt.date.fromisoformat(raw)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise StatementError(where, f"{quoted(raw)} is not an ISO 8601 date") from None
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
    seen: set[tuple[tuple[str, str, str], str]] = set()  # (statement, ISIN): linear check
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
            for name, value, limit in (
                ("statement_id", statement_id, MAX_STATEMENT_ID_CHARS),
                ("statement_date", date_text, 40),
                ("custodian", custodian, MAX_ACCOUNT_ID_CHARS),
                ("account", account, MAX_ACCOUNT_ID_CHARS),
            ):
                if not value:
                    raise StatementError(line, f"{name} is empty")
                _identifier(value, f"{line} {name}", name, limit)
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
                raise StatementError(
                    line, f"statement {statement_id} has two dates ({quoted(date_text)})"
                )
            holding = ParsedHolding(
                isin=_isin(isin, f"{line} isin"),
                quantity=_quantity(quantity, f"{line} quantity"),
                where=line,
            )
            if (key, holding.isin) in seen:
                raise StatementError(line, f"{holding.isin} appears twice in {statement_id}")
            seen.add((key, holding.isin))
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


# Per parse: parent element -> {child: its label, e.g. "BalForAcct[2]"}, so that a path
# costs its depth, not the number of siblings on the way (which made paths quadratic).
_labels: contextvars.ContextVar[dict[etree._Element, dict[etree._Element, str]] | None] = (
    contextvars.ContextVar("semt002_labels", default=None)
)


def _sibling_labels(parent: etree._Element) -> dict[etree._Element, str]:
    children = [c for c in parent if isinstance(c.tag, str)]
    names = [_local(c) for c in children]
    totals = Counter(names)
    seen: Counter[str] = Counter()
    labels = {}
    for child, name in zip(children, names, strict=True):
        seen[name] += 1
        labels[child] = f"{name}[{seen[name]}]" if totals[name] > 1 else name
    return labels


def _path(element: etree._Element) -> str:
    """A readable path like Document/SctiesBalCtdyRpt/BalForAcct[2]/FinInstrmId/ISIN."""
    cache = _labels.get()
    if cache is None:
        cache = {}
    parts = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        if parent is None:
            parts.append(_local(node))
        else:
            labels = cache.get(parent)
            if labels is None:
                labels = cache[parent] = _sibling_labels(parent)
            parts.append(labels.get(node, _local(node)))
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
    text = _text(number_el)
    if len(text) > 12:
        raise StatementError(_path(number_el), f"page number {quoted(text)} is not a number")
    try:
        number = int(text)
    except ValueError:
        raise StatementError(_path(number_el), "page number is not a number") from None
    if number > MAX_PAGE_NUMBER:
        raise StatementError(_path(number_el), f"page number {number} is not a page number")
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
    Time and memory are linear in the file's size.
    """
    token = _labels.set({})
    try:
        return _parse_semt002(data, now=now)
    finally:
        _labels.reset(token)


def _parse_semt002(data: bytes, *, now: dt.datetime | None = None) -> ParsedStatement:
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
    gaps = missing_pages(set(pages), count)
    if gaps:
        where = _path(pages[count][1])
        word = "page" if len(gaps) == 1 and gaps[0][0] == gaps[0][1] else "pages"
        raise StatementError(
            where, f"{word} {describe_ranges(gaps)} of {count} missing from the file"
        )

    statement: ParsedStatement | None = None
    isins: set[str] = set()
    for number in range(1, count + 1):  # every page is present: count == len(pages)
        _, report, ns = pages[number]
        general = _required(report, "StmtGnlDtls", ns)
        id_el = _required(general, "StmtId", ns)
        statement_id = _text(id_el)
        if not statement_id:
            raise StatementError(_path(id_el), "empty statement id")
        _identifier(statement_id, _path(id_el), "statement id", MAX_STATEMENT_ID_CHARS)
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
        _identifier(account_id, _path(account_el), "account id", MAX_ACCOUNT_ID_CHARS)
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
        balances = report.findall(f"{{{ns}}}BalForAcct")
        report_where = f"{_path(report)}/BalForAcct"
        for index, balance in enumerate(balances, start=1):
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
            if isin in isins:
                raise StatementError(_path(isin_el), f"{isin} appears twice in the statement")
            isins.add(isin)
            where = f"{report_where}[{index}]" if len(balances) > 1 else report_where
            statement.holdings.append(ParsedHolding(isin=isin, quantity=quantity, where=where))
    assert statement is not None
    return statement
