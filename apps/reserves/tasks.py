from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(time_limit=300, soft_time_limit=240)
def compute_reserves(*, token_ids: list[int]) -> int:
    """Recompute the backing of these tokens (after a supply sync)."""
    return services.compute_for_token_ids(token_ids=token_ids)


@shared_task(time_limit=300, soft_time_limit=240)
def compute_reserves_for_issuers(*, issuer_ids: list[int]) -> int:
    """Recompute every token of these issuers (after a custodian statement import)."""
    return services.compute_for_issuers(issuer_ids=issuer_ids)


@shared_task(time_limit=300, soft_time_limit=240)
def compute_all_reserves() -> int:
    """Recompute every token, so data that grows old turns stale without a new input."""
    return services.compute_for_token_ids(token_ids=[])


@shared_task(time_limit=300, soft_time_limit=240)
def write_demo_custody_statements(
    *, day: str | None = None, under_backed: str | None = "TSLAx"
) -> list[str]:
    """The demo world's daily custodian statements (see apps.reserves.demo)."""
    import datetime as dt

    from . import demo

    paths = demo.write_demo_statements(
        day=dt.date.fromisoformat(day) if day else None, under_backed_symbol=under_backed
    )
    return [str(p) for p in paths]
