"""Exports of the back office (audit trail, wallet allowlist), each one audited.

Every CSV goes through apps.core.csv, so no cell can run as a spreadsheet formula.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from django.contrib.auth.models import AbstractBaseUser

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core import csv
from apps.onboarding.models import Wallet

AUDIT_FIELDS = ["id", "created_at", "actor", "action", "object_type", "object_id", "object_repr"]
ALLOWLIST_FIELDS = ["kind", "address", "investor_id", "verified_at"]
CHUNK = 2000  # rows read from the database at a time


def export_audit_csv(
    *, officer: AbstractBaseUser, start: date, end: date, out: TextIO, ip: str | None = None
) -> int:
    """Write audit events from `start` to `end` (dates, UTC, inclusive) as CSV; audit the export.

    `end` must be before date.max (the form checks the range).
    """
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    events = AuditEvent.objects.filter(created_at__gte=since, created_at__lt=until).order_by(
        "created_at", "id"
    )
    writer = csv.writer(out)
    writer.writerow([*AUDIT_FIELDS, "before", "after", "ip_address"])
    count = 0
    for e in events.iterator(chunk_size=CHUNK):
        writer.writerow(
            [
                e.pk,
                e.created_at.isoformat(),
                e.actor_label,
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                json.dumps(e.before, sort_keys=True) if e.before is not None else "",
                json.dumps(e.after, sort_keys=True) if e.after is not None else "",
                e.ip_address or "",
            ]
        )
        count += 1
    record(
        actor=officer,
        action="audit.export",
        after={"from": start.isoformat(), "to": end.isoformat(), "rows": count},
        ip=ip,
    )
    return count


def allowlist_rows(*, officer: AbstractBaseUser, fmt: str, ip: str | None) -> list[dict[str, str]]:
    """Verified wallets of approved investors, as rows; the export is audited."""
    rows = [
        {
            "kind": w.kind,
            "address": w.address,
            "investor_id": str(w.user_id),
            "verified_at": w.verified_at.isoformat(),
        }
        for w in Wallet.objects.allowlist()
    ]
    record(
        actor=officer, action="allowlist.export", after={"format": fmt, "rows": len(rows)}, ip=ip
    )
    return rows


def write_allowlist_csv(*, rows: list[dict[str, str]], out: TextIO) -> None:
    writer = csv.dict_writer(out, fieldnames=ALLOWLIST_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
