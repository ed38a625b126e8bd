"""The custody inbox: files custodians drop in CUSTODY_INBOX_DIR, imported by a beat task.

Every file taken ends in processed/ or rejected/ with `<name>.reason` beside it, whatever
happens: a refusal, a crash of the importer, a memory error, a worker stopped on the way
(the file is then found in processing/ at a later poll and rejected as unfinished).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from apps.custody.models import Custodian
from apps.custody.parsers import shorten

from .imports import (
    MAX_MESSAGE_CHARS,
    StatementRejected,
    clean_source_name,
    import_statement,
    max_statement_bytes,
    read_statement_file,
)

logger = logging.getLogger(__name__)

INBOX_SKIP_SUFFIXES = (".tmp", ".part", ".partial", ".reason")  # files still being written
# A file left in processing/ this long was abandoned by a worker that stopped (hard time
# limit, out of memory, killed): longer than the poll task's hard limit (300 s).
ABANDONED_AFTER_SECONDS = 900
# Names of stored files: short enough for "<timestamp>-<name>.reason" within 255 bytes.
MAX_STORED_NAME_BYTES = 180


@dataclass(frozen=True)
class InboxOutcome:
    name: str
    accepted: bool
    message: str
    moved_to: Path


def stored_name(name: str) -> str:
    """The name a file is kept under: printable, without path parts, at most
    MAX_STORED_NAME_BYTES (a long name keeps its start and a hash of the whole)."""
    clean = clean_source_name(name).replace("/", "_") or "unnamed"
    if clean.startswith("."):
        clean = "_" + clean[1:]
    if len(clean.encode()) <= MAX_STORED_NAME_BYTES:
        return clean
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    head = clean.encode()[: MAX_STORED_NAME_BYTES - 14].decode("utf-8", "ignore")
    return f"{head}-{digest}"


def _unique_target(folder: Path, name: str, now: dt.datetime) -> Path:
    target = folder / name
    if target.exists() or target.with_name(target.name + ".reason").exists():
        target = folder / f"{now:%Y%m%dT%H%M%S%f}-{name}"
    return target


def _settle(
    claimed: Path,
    *,
    name: str,
    accepted: bool,
    message: str,
    folders: dict[str, Path],
    now: dt.datetime,
) -> InboxOutcome:
    """Move a claimed file to processed/ or rejected/ and write its .reason."""
    message = shorten(message, MAX_MESSAGE_CHARS)
    folder = folders["processed" if accepted else "rejected"]
    target = _unique_target(folder, stored_name(name), now)
    os.replace(claimed, target)
    target.with_name(target.name + ".reason").write_text(message + "\n", encoding="utf-8")
    logger.log(logging.INFO if accepted else logging.WARNING, "inbox %s: %s", target.name, message)
    return InboxOutcome(name, accepted, message, target)


def _import_claimed(claimed: Path, *, name: str, custodian: Custodian | None) -> tuple[bool, str]:
    size = claimed.lstat().st_size
    if size > max_statement_bytes():
        raise StatementRejected(
            f"file is {size} bytes; statements are limited to {max_statement_bytes()} bytes"
        )
    result = import_statement(
        data=read_statement_file(claimed), source_name=name, custodian=custodian, via="inbox"
    )
    return True, result.message


def _reject_abandoned(folders: dict[str, Path], now: dt.datetime) -> list[InboxOutcome]:
    outcomes = []
    cutoff = time.time() - ABANDONED_AFTER_SECONDS
    for path in sorted(folders["processing"].iterdir()):
        try:
            if path.is_symlink() or path.lstat().st_mtime >= cutoff:
                continue
        except FileNotFoundError:
            continue
        outcomes.append(
            _settle(
                path,
                name=path.name.partition("-")[2] or path.name,
                accepted=False,
                message=(
                    "refused, nothing imported: the import did not finish (the worker "
                    "stopped, ran out of time or of memory)"
                ),
                folders=folders,
                now=now,
            )
        )
    return outcomes


def process_inbox(
    *, inbox: Path | None = None, now: dt.datetime | None = None
) -> list[InboxOutcome]:
    """Import every file waiting in the inbox and move it to processed/ or rejected/.

    A file in a sub-folder named after a custodian slug is imported for that custodian.
    Each moved file gets `<name>.reason` beside it saying what happened. A file is claimed
    by renaming it into processing/ first, so two pollers never import it twice. Symbolic
    links are refused unread (they could point anywhere on the host).
    """
    inbox = Path(inbox or settings.CUSTODY_INBOX_DIR)
    now = now or timezone.now()
    folders = {name: inbox / name for name in ("processing", "processed", "rejected")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    outcomes = _reject_abandoned(folders, now)
    custodians = {c.slug: c for c in Custodian.objects.all()}
    candidates: list[tuple[Path, Custodian | None]] = []
    for entry in sorted(inbox.iterdir()):
        if entry.name in folders:
            continue
        if entry.is_symlink() or entry.is_file():
            candidates.append((entry, None))
        elif entry.is_dir() and entry.name in custodians:
            candidates += [
                (f, custodians[entry.name])
                for f in sorted(entry.iterdir())
                if f.is_symlink() or f.is_file()
            ]
    for path, custodian in candidates:
        if path.name.startswith(".") or path.name.endswith(INBOX_SKIP_SUFFIXES):
            continue
        claimed = folders["processing"] / f"{now:%Y%m%dT%H%M%S%f}-{stored_name(path.name)}"
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            continue  # another poller took it
        try:
            if claimed.is_symlink():
                raise StatementRejected("a symbolic link, not a file: not read")
            accepted, message = _import_claimed(claimed, name=path.name, custodian=custodian)
        except StatementRejected as exc:
            accepted, message = False, f"refused, nothing imported: {exc}"
        except Exception as exc:  # a crash must not leave the file in processing/
            logger.exception("inbox %s: import crashed", stored_name(path.name))
            accepted = False
            message = (
                f"refused, nothing imported: the import failed "
                f"({type(exc).__name__}: {shorten(str(exc), 300)})"
            )
        outcomes.append(
            _settle(
                claimed,
                name=path.name,
                accepted=accepted,
                message=message,
                folders=folders,
                now=now,
            )
        )
    return outcomes
