"""Chain sync runs: each read of a chain is a core JobRun scoped by the chain's slug; its
node is stored as scheme://host[:port] and its error without the URL's secrets."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from apps.catalog.models import Chain
from apps.core.models import JobRun

logger = logging.getLogger("apps.chains.services")

SUPPLY_JOB = "sync_supply"
ORACLE_JOB = "sync_oracles"
JOBS = (SUPPLY_JOB, ORACLE_JOB)


def start_run(job: str, chain: Chain) -> JobRun:
    # The node is stored as scheme://host[:port]: never a key, user or path.
    return JobRun.start(job=job, scope=chain.slug, node=chain.effective_rpc_url)


def fail_run(
    run: JobRun, message: str, *, chain: Chain, transient: bool = False, **counts: int
) -> JobRun:
    run.fail(message, secrets=(chain.effective_rpc_url,), **counts, transient=transient)
    logger.warning("%s: %s", run, run.error)
    return run


def finish_run(run: JobRun, **counts: int) -> None:
    run.finish(**counts)


def no_url(chain: Chain) -> str:
    return f"{chain.name}: no rpc_url configured (registry or RPC_URL_*)"


@contextmanager
def failing_on_crash(run: JobRun, *, chain: Chain) -> Iterator[None]:
    """A run whose service raised (a bug, a database error) ends failed, not "running"
    for ever; the exception goes on to the caller."""
    try:
        yield
    except Exception as exc:
        fail_run(run, f"{chain.name}: unexpected error: {type(exc).__name__}: {exc}", chain=chain)
        raise
