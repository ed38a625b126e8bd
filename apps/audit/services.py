"""Writing the audit trail: one function, used by every app's services."""

from __future__ import annotations

from typing import Any

from django.db import models

from .context import current_via
from .models import AuditEvent

MAX_REPR = 200  # characters of an object's text kept on the event


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event. `before`/`after` must be JSON-serialisable.

    An event written outside a web request (a management command, the shell)
    carries the label set by `acting_as(...)` in `after["via"]` when there is one.
    """
    via = current_via()
    if via and (after is None or isinstance(after, dict)):
        after = {**(after or {}), "via": via}
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "get_username", lambda: "")() if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:MAX_REPR] if obj is not None else "",
        before=before,
        after=after,
        ip_address=ip,
    )
