from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.core.models import JobRun


def report(command: BaseCommand, run: JobRun) -> bool:
    """Print one run's outcome; True when it succeeded."""
    chain = run.scope or "-"
    if run.status == JobRun.Status.OK:
        c = run.counts
        where = f" at block {c['block']}" if "block" in c else ""
        trips = f", {c['round_trips']} round trips" if "round_trips" in c else ""
        items = c.get("deployments", c.get("feeds", 0))
        command.stdout.write(
            command.style.SUCCESS(f"{chain}: ok")
            + f", {items} read, {c.get('created', 0)} new, {c.get('existing', 0)} already"
            + f" recorded{where}{trips}"
        )
        return True
    kind = " (transient)" if run.counts.get("transient") else ""
    command.stderr.write(command.style.ERROR(f"{chain}: FAILED{kind}: {run.error}"))
    return False
