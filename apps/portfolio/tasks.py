"""Celery tasks: thin wrappers over services.balances."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from apps.chains.readings import ChainReadError

from .services.balances import refresh_balances

# A read of 200 wallets on each of a few chains takes seconds; a node that stalls is cut by
# CHAIN_RPC_TIMEOUT_SECONDS per round trip long before these.
TASK_TIME_LIMIT = 300  # seconds, hard
TASK_SOFT_TIME_LIMIT = 240  # seconds


class TransientRefreshError(ChainReadError):
    """A chain failed for a reason worth retrying (connection refused, timeout, HTTP 5xx)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=True)


@shared_task(
    name="portfolio.refresh_wallets",
    autoretry_for=(TransientRefreshError,),
    retry_backoff=5,  # seconds, doubled at every retry
    retry_backoff_max=300,  # seconds
    retry_jitter=True,
    max_retries=4,
    time_limit=TASK_TIME_LIMIT,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
)
def refresh_wallets(wallet_ids: list[int]) -> dict:
    """Read these wallets' balances (after a wallet is verified); retried on transient faults."""
    result = refresh_balances(wallet_ids=wallet_ids)
    if result.transient:
        raise TransientRefreshError("; ".join(result.failed.values()))
    return asdict(result)


@shared_task(
    name="portfolio.refresh_all", time_limit=TASK_TIME_LIMIT, soft_time_limit=TASK_SOFT_TIME_LIMIT
)
def refresh_all() -> dict:
    """Every verified wallet of every approved investor (beat, PORTFOLIO_REFRESH_SECONDS); a
    failed chain waits for the next run, its last good figures stay."""
    return asdict(refresh_balances())
