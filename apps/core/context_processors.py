from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from apps.compliance.access import is_compliance_officer


def site(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        # A callable: asked (one query, then cached on the user) only by pages that show it.
        "is_compliance_officer": lambda: is_compliance_officer(user),
    }
