"""Smoke test: a task goes through the configured broker to a worker this test starts."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from celery.app.backends import by_url
from django.conf import settings

from apps.core.tasks import ping
from xstocks_site.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)


def _result_backend_url(tmp_path: Path) -> str:
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("redis://"):
        return broker.rsplit("/", 1)[0] + "/15"
    return f"file://{tmp_path}"


def test_task_runs_on_a_real_worker_through_the_broker(tmp_path):
    queue = f"smoke-{uuid.uuid4().hex[:8]}"
    backend_url = _result_backend_url(tmp_path)
    env = {**os.environ, "CELERY_RESULT_BACKEND": backend_url}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "xstocks_site",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        backend_cls, url = by_url(backend_url, celery_app.loader)
        backend = backend_cls(app=celery_app, url=url)
        celery_app.conf.task_always_eager = False
        sent = ping.apply_async(queue=queue)
        result = celery_app.AsyncResult(sent.id, backend=backend).get(timeout=60)
        assert result["pong"] == "ok"
        assert result["host"]
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert worker.returncode is not None, output
