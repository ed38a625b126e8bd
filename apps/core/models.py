"""Records every app may use: the run of a background job."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import cache_versions
from .redaction import MAX_MESSAGE_CHARS, redact_url, scrub

# Pages that show job runs (/status/) put this in their cache keys; every run started or
# ended bumps it after commit.
JOBS_VERSION_KEY = "core:jobs:version"


def _runs_changed() -> None:
    transaction.on_commit(lambda: cache_versions.bump(JOBS_VERSION_KEY))


class JobRunQuerySet(QuerySet["JobRun"]):
    def latest_per_job_and_scope(self) -> JobRunQuerySet:
        """The most recent run of every (job, scope) pair, in one query."""
        newest = JobRun.objects.filter(job=OuterRef("job"), scope=OuterRef("scope")).order_by(
            "-started_at", "-pk"
        )
        return self.filter(pk=Subquery(newest.values("pk")[:1])).order_by("scope", "job")

    def finished_before(self, when: dt.datetime) -> JobRunQuerySet:
        return self.filter(started_at__lt=when).exclude(status=JobRun.Status.RUNNING)


class JobRun(models.Model):
    """One run of a background job, with its outcome.

    `scope` names what the run was for (a chain's slug for the chain syncs) or is empty
    for jobs that run for no particular thing (the price sync). `node` is the endpoint
    asked, as scheme://host[:port] only: never a key, user or path.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("OK")
        FAILED = "failed", _("Failed")

    job = models.CharField(max_length=32, db_index=True)
    scope = models.CharField(max_length=64, blank=True, default="")
    node = models.CharField(max_length=500, blank=True, help_text="scheme://host[:port] asked")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    objects = JobRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "scope", "-started_at"], name="jobrun_latest")]

    def __str__(self) -> str:
        where = f" on {self.scope}" if self.scope else ""
        return f"{self.job}{where} at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.status}"

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        _runs_changed()  # every run started or ended shows on /status/

    @classmethod
    def start(cls, *, job: str, scope: str = "", node: str = "") -> JobRun:
        return cls.objects.create(
            job=job, scope=scope, node=redact_url(node), started_at=timezone.now()
        )

    def finish(self, **counts: object) -> None:
        self.status = self.Status.OK
        self.counts = counts
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "counts", "finished_at"])

    def fail(self, message: str, *, secrets: tuple[str, ...] = (), **counts: object) -> None:
        """Record a failure; the message is scrubbed of URLs' secrets and bounded."""
        self.status = self.Status.FAILED
        self.error = scrub(message, urls=secrets, limit=MAX_MESSAGE_CHARS)
        self.counts = counts
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "counts", "finished_at"])

    @property
    def items_read(self) -> int:
        """Deployments or feeds the run asked about."""
        return int(self.counts.get("deployments", self.counts.get("feeds", 0)))

    @property
    def created_count(self) -> int:
        return int(self.counts.get("created", 0))

    @property
    def block(self) -> int | None:
        return self.counts.get("block")
