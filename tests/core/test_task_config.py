"""Every scheduled task can actually be sent: beat names real tasks with coherent limits."""

from __future__ import annotations

import pytest
from django.conf import settings

from xstocks_site.celery import app

OURS = (
    "apps.",
    "core.",
    "chains.",
    "markets.",
    "compliance.",
    "jurisdictions.",
    "onboarding.",
    "alerts.",
    "portfolio.",
)


def _our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(OURS)}


def test_every_beat_entry_names_a_registered_task():
    tasks = _our_tasks()
    for entry, spec in settings.CELERY_BEAT_SCHEDULE.items():
        assert spec["task"] in tasks, f"beat entry {entry}: no task {spec['task']}"


@pytest.mark.parametrize("name", sorted(_our_tasks()))
def test_soft_time_limit_is_within_the_hard_limit(name):
    # apply_async refuses a soft limit above the hard one: beat would never send the task.
    task = app.tasks[name]
    hard = task.time_limit or app.conf.task_time_limit
    soft = task.soft_time_limit or app.conf.task_soft_time_limit
    assert hard and soft and soft <= hard, f"{name}: soft {soft} s, hard {hard} s"
