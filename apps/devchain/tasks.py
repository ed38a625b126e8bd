"""Tasks of the demo world; registered only when apps.devchain is installed
(XSTOCKS_DEMO_APPS, on in development)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="devchain.write_demo_custody_statements", time_limit=300, soft_time_limit=240)
def write_demo_custody_statements(*, under_backed: str | None = "TSLAx") -> list[str]:
    """The demo custodians' statements for this simulated day (apps.devchain.custody_demo),
    imported at once rather than at the next inbox poll."""
    from apps.custody.services import process_inbox

    from . import custody_demo

    paths = [str(p) for p in custody_demo.write_demo_statements(under_backed_symbol=under_backed)]
    process_inbox()
    return paths
