from __future__ import annotations

from django.http import HttpRequest

from .access import is_compliance_officer


def staff(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    # A callable: asked (one query, then cached on the user) only by pages that show it.
    return {"is_compliance_officer": lambda: is_compliance_officer(user)}
