from __future__ import annotations

from django.http import HttpRequest

from apps.core.staff import is_compliance_officer


def back_office(request: HttpRequest) -> dict[str, object]:
    """`is_compliance_officer` for the back-office link in the header.

    A callable: asked (one query, then cached on the user) only by pages that show it.
    """
    user = getattr(request, "user", None)
    return {"is_compliance_officer": lambda: is_compliance_officer(user)}
