"""Writes of core: pruning job runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery

from .models import JobRun

DELETE_BATCH = 500  # ids per DELETE


def prune_job_runs(*, older_than: dt.datetime) -> int:
    """Delete finished runs started before `older_than`, except the latest run of every
    (job, scope), which /status/ shows. Returns how many were deleted."""
    newest = JobRun.objects.filter(job=OuterRef("job"), scope=OuterRef("scope")).order_by(
        "-started_at", "-pk"
    )
    latest = JobRun.objects.annotate(newest=Subquery(newest.values("pk")[:1])).values_list(
        "newest", flat=True
    )
    keep = set(latest)
    doomed = [
        pk
        for pk in JobRun.objects.finished_before(older_than)
        .values_list("pk", flat=True)
        .iterator(chunk_size=2000)
        if pk not in keep
    ]
    deleted = 0
    for start in range(0, len(doomed), DELETE_BATCH):
        deleted += JobRun.objects.filter(pk__in=doomed[start : start + DELETE_BATCH]).delete()[0]
    return deleted
