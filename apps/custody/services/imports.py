"""Importing a custodian statement: one service behind the command, the inbox and the upload."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.custody.models import Custodian, CustodyAccount, Holding, HoldingStatement
from apps.custody.parsers import ParsedStatement, StatementError, parse_statement, shorten
from apps.custody.signals import statements_imported

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1500  # a refusal, as stored, shown and written to .reason
MAX_SOURCE_NAME_CHARS = 255  # HoldingStatement.source_name


class StatementRejected(Exception):
    """The whole file was refused; nothing was imported. `where` names the line or element."""

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__(shorten(message, MAX_MESSAGE_CHARS))
        self.where = where


def clean_source_name(name: str) -> str:
    """A file name as received, safe to store, show and log: its last path component,
    printable characters only, at most MAX_SOURCE_NAME_CHARS."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(c if c.isprintable() else "_" for c in base)
    return shorten(printable, MAX_SOURCE_NAME_CHARS)


@dataclass
class ImportResult:
    """What an import did: `created` statements, or nothing because it was a duplicate."""

    sha256: str
    created: list[HoldingStatement] = field(default_factory=list)
    duplicate_of: list[HoldingStatement] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # older than the account's latest

    @property
    def duplicate(self) -> bool:
        return not self.created

    @property
    def message(self) -> str:
        if self.duplicate:
            names = ", ".join(s.statement_id for s in self.duplicate_of)
            return f"already imported (statement {names}); nothing changed"
        parts = [
            f"imported statement {s.statement_id} of {s.custodian.slug}:{s.account.account_id} "
            f"dated {s.statement_date:%Y-%m-%d} ({s.holdings_count} holdings)"
            for s in self.created
        ]
        parts += [
            f"{name} is older than the account's latest statement: kept as history, not used"
            for name in self.superseded
        ]
        return "; ".join(parts)


def max_statement_bytes() -> int:
    return int(settings.CUSTODY_MAX_STATEMENT_BYTES)


def read_statement_file(path: Path) -> bytes:
    """A statement file's bytes, refused (StatementRejected) unless it is a regular file of
    at most CUSTODY_MAX_STATEMENT_BYTES. Reads at most one byte past the limit, so a device
    (/dev/zero), a pipe or a file still growing never takes the process's memory."""
    try:
        info = path.lstat()
    except OSError as exc:
        raise StatementRejected(f"cannot read the file ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise StatementRejected("not a regular file (a link, a device, a pipe or a folder)")
    limit = max_statement_bytes()
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise StatementRejected(
            f"file is over {limit} bytes; statements are limited to {limit} bytes"
        )
    return data


def _resolve_account(
    parsed: ParsedStatement, custodian: Custodian | None, accounts: list[CustodyAccount]
) -> CustodyAccount:
    slug = custodian.slug if custodian else parsed.custodian_slug
    if custodian and parsed.custodian_slug and parsed.custodian_slug != custodian.slug:
        raise StatementRejected(
            f"{parsed.where}: custodian {parsed.custodian_slug!r} is not {custodian.slug!r}",
            where=parsed.where,
        )
    matches = [
        a
        for a in accounts
        if a.account_id == parsed.account_id and (not slug or a.custodian.slug == slug)
    ]
    if not matches:
        owner = f" at custodian {slug!r}" if slug else ""
        raise StatementRejected(
            f"{parsed.where}: unknown account {parsed.account_id!r}{owner}", where=parsed.where
        )
    if len(matches) > 1:
        raise StatementRejected(
            f"{parsed.where}: account {parsed.account_id!r} exists at several custodians; "
            "name the custodian (--custodian)",
            where=parsed.where,
        )
    return matches[0]


def import_statement(
    *,
    data: bytes,
    source_name: str = "",
    custodian: Custodian | None = None,
    user: Any = None,
    via: str = "command",
    now: dt.datetime | None = None,
) -> ImportResult:
    """Check a whole statement file, then store it in one transaction, or refuse it whole.

    The same file (same SHA-256) or the same statement id again is a no-op. A statement
    dated before its account's latest is stored as history; the latest keeps being used.
    Raises StatementRejected naming the CSV line or XML element when anything is wrong.
    """
    now = now or timezone.now()
    if len(data) > max_statement_bytes():
        raise StatementRejected(
            f"file is {len(data)} bytes; statements are limited to {max_statement_bytes()} bytes"
        )
    sha256 = hashlib.sha256(data).hexdigest()
    result = ImportResult(sha256=sha256)
    same_file = list(HoldingStatement.objects.without_source().filter(sha256=sha256))
    if same_file:
        result.duplicate_of = same_file
        return result
    try:
        parsed = parse_statement(data, now=now)
    except StatementError as exc:
        raise StatementRejected(str(exc), where=exc.where) from None

    account_ids = {p.account_id for p in parsed}
    accounts = list(
        CustodyAccount.objects.select_related("custodian").filter(account_id__in=account_ids)
    )
    resolved = [(p, _resolve_account(p, custodian, accounts)) for p in parsed]
    existing = {
        (s.account_id, s.statement_id): s
        for s in HoldingStatement.objects.without_source().filter(
            account__in=[a for _, a in resolved],
            statement_id__in=[p.statement_id for p in parsed],
        )
    }
    known = [existing.get((a.pk, p.statement_id)) for p, a in resolved]
    if all(known):
        result.duplicate_of = [s for s in known if s]
        return result
    if any(known):
        names = ", ".join(s.statement_id for s in known if s)
        raise StatementRejected(
            f"statement(s) {names} already imported; the file mixes old and new"
        )
    latest_ids = HoldingStatement.objects.latest_ids_for_accounts([a.pk for _, a in resolved])
    latest_dates = dict(
        HoldingStatement.objects.filter(pk__in=latest_ids.values()).values_list(
            "account_id", "statement_date"
        )
    )

    try:
        with transaction.atomic():
            for p, account in resolved:
                statement = HoldingStatement.objects.create(
                    custodian=account.custodian,
                    account=account,
                    statement_id=p.statement_id,
                    statement_date=p.statement_date,
                    format=p.format,
                    sha256=sha256,
                    source_name=clean_source_name(source_name),
                    source=data,
                    page_count=p.page_count,
                    imported_at=now,
                    imported_by=user if getattr(user, "pk", None) else None,
                    imported_via=via,
                )
                Holding.objects.bulk_create(
                    Holding(statement=statement, isin=h.isin, quantity=h.quantity)
                    for h in p.holdings
                )
                statement.holdings_count = len(p.holdings)
                result.created.append(statement)
                previous = latest_dates.get(account.pk)
                if previous and previous > p.statement_date:
                    result.superseded.append(p.statement_id)
            issuer_ids = sorted({a.issuer_id for _, a in resolved})
            transaction.on_commit(
                lambda: statements_imported.send(
                    sender=HoldingStatement,
                    statement_ids=[s.pk for s in result.created],
                    issuer_ids=issuer_ids,
                )
            )
    except IntegrityError:
        # Another process imported the same statement between our check and our insert.
        result.created = []
        result.duplicate_of = list(HoldingStatement.objects.without_source().filter(sha256=sha256))
        return result
    logger.info(
        "custody import %s: %s", clean_source_name(source_name) or sha256[:12], result.message
    )
    return result
