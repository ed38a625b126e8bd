"""A real Celery worker killed (SIGKILL) in the middle of a batch of alert e-mails, then
started again: every subscriber gets the event exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

SUBSCRIBERS = 8
MAIL_DELAY = 1.0  # seconds the "mail server" takes per message
KILL_AFTER = 3  # messages written before the worker is killed
LEASE = 3  # ALERTS_DELIVERY_LEASE_SECONDS for this run
WORKER = [sys.executable, "-m", "celery", "-A", "xstocks_site", "worker", "--without-heartbeat"]

SEED = f"""
from django.utils import timezone
from apps.alerts.models import Subscriber, Subscription
from apps.catalog.models import Issuer, Security, Token
from apps.reserves.models import PublicEvent
from apps.reserves.services.events import record_events

now = timezone.now()
issuer = Issuer.objects.create(slug="backed", name="Backed Assets (JE) Limited", jurisdiction="JE")
security = Security.objects.create(ticker="AAPL", name="Apple Inc.", isin="US0378331005")
token = Token.objects.create(symbol="AAPLx", name="Apple xStock", issuer=issuer, security=security)
for i in range({SUBSCRIBERS}):
    s = Subscriber.objects.create(email=f"reader{{i}}@example.org", created_at=now)
    Subscription.objects.create(subscriber=s, created_at=now, confirmed_at=now)
# Recorded outside a transaction: announced at once, fan-out queued on the broker.
record_events(events=[PublicEvent(
    key="alert:1:raised", kind="alert_raised", condition="under_backed", token=token,
    issuer=issuer, title="AAPLx: Under-backed", body="AAPLx is under-backed", occurred_at=now,
)])
"""

STATES = """
import json
from apps.alerts.models import Delivery
print(json.dumps(sorted(Delivery.objects.values_list("subscriber__email", "state", "attempts"))))
"""

SWEEP = """
import json, time
from apps.alerts.models import Delivery
from apps.alerts.tasks import retry_deliveries
for _ in range(60):
    if not Delivery.objects.exclude(state="sent").exists():
        break
    retry_deliveries.delay()  # what beat does every ALERTS_RETRY_SECONDS
    time.sleep(1)
print(json.dumps(sorted(Delivery.objects.values_list("subscriber__email", "state", "attempts"))))
"""


def _manage(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _json(output: str) -> list:
    return json.loads(output.strip().splitlines()[-1])  # after the shell's own messages


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [*WORKER, "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _recipients(maildir: Path) -> list[str]:
    """The To: of every message the mail server accepted, in every file it wrote."""
    return sorted(
        line.split(":", 1)[1].strip()
        for path in maildir.glob("*.log")
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    )


def _wait(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{log.read_text()}"
        time.sleep(0.02)


def test_a_worker_killed_mid_batch_and_restarted_sends_each_event_once(tmp_path):
    maildir = tmp_path / "mail"
    maildir.mkdir()
    env = {
        **os.environ,
        # Its own database, broker and cache: nothing shared with the test run or others.
        "XSTOCKS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_CACHE_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "XSTOCKS_DEMO_APPS": "false",
        "EMAIL_BACKEND": "tests.alerts.slow_mail.SlowFileBackend",
        "ALERTS_TEST_MAIL_DIR": str(maildir),
        "ALERTS_TEST_MAIL_DELAY": str(MAIL_DELAY),
        "ALERTS_DELIVERY_LEASE_SECONDS": str(LEASE),
        "ALERTS_RETRY_SECONDS": "1",
    }
    log = tmp_path / "worker.log"
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", SEED)

    worker = _worker(env, log)
    try:
        _wait(lambda: len(_recipients(maildir)) >= KILL_AFTER, 120, "the first e-mails", log)
        # The next message is claimed and on its way (MAIL_DELAY): kill the worker now.
        time.sleep(MAIL_DELAY / 3)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    sent_before = _recipients(maildir)
    states = _json(_manage(env, "shell", "-c", STATES))
    by_state = [state for _, state, _ in states]
    assert len(sent_before) == KILL_AFTER
    assert by_state.count("sent") == KILL_AFTER
    assert by_state.count("sending") == 1  # claimed, never sent: the worker died
    assert by_state.count("pending") == SUBSCRIBERS - KILL_AFTER - 1

    time.sleep(LEASE)  # the dead worker's claim expires
    worker = _worker(env, log)
    try:
        states = _json(_manage(env, "shell", "-c", SWEEP))
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    assert [state for _, state, _ in states] == ["sent"] * SUBSCRIBERS, log.read_text()[-3000:]
    # Every subscriber exactly once: no loss, no duplicate.
    assert _recipients(maildir) == sorted(f"reader{i}@example.org" for i in range(SUBSCRIBERS))
    assert sorted(attempts for _, _, attempts in states) == [1] * (SUBSCRIBERS - 1) + [2]
