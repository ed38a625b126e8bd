"""Writing the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event. `before`/`after` must be JSON-serialisable."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "get_username", lambda: "")() if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        ip_address=ip,
    )
