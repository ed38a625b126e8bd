from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "XSTOCKS_ENV"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        env={**base, **env},
    )


def test_check_deploy_is_clean_under_production_settings():
    proc = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        XSTOCKS_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="xstocks.example",
        REDIS_CACHE_URL="redis://127.0.0.1:6379/1",
        TRUSTED_PROXIES="127.0.0.1",
    )
    assert proc.returncode == 0, proc.stderr
    assert "no issues" in proc.stdout


def test_production_refuses_to_start_without_a_secret_key():
    proc = _manage("check", XSTOCKS_ENV="production")
    assert proc.returncode != 0
    assert "SECRET_KEY must be set in production" in proc.stderr


def _installed(**env: str) -> list[str]:
    code = "from django.conf import settings; print(' '.join(settings.INSTALLED_APPS))"
    proc = _manage("shell", "-c", code, **env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_the_demo_world_is_not_installed_in_production():
    production = {
        "XSTOCKS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "xstocks.example",
        # Production refuses a per-process cache; nothing connects to it here.
        "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",
    }
    assert "apps.devchain" not in _installed(**production)
    assert "apps.devchain" in _installed(**production, XSTOCKS_DEMO_APPS="true")
    assert "apps.devchain" in _installed(XSTOCKS_DEMO_APPS="true")
    assert "apps.devchain" not in _installed(XSTOCKS_DEMO_APPS="false")
