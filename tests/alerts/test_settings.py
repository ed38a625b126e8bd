"""Links in alert e-mails point at the site's https address in production."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "XSTOCKS_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",  # required; nothing connects to it here
}


def _site_url(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.SITE_URL)",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        env={**base, **env},
    )


def test_production_links_default_to_https_and_the_first_allowed_host():
    proc = _site_url(**PRODUCTION, ALLOWED_HOSTS=".example.org,xstocks.example")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "https://xstocks.example"


def test_production_refuses_links_that_are_not_https():
    proc = _site_url(**PRODUCTION, ALLOWED_HOSTS="xstocks.example", SITE_URL="http://x.example")
    assert proc.returncode != 0
    assert "SITE_URL must be the site's https:// address in production" in proc.stderr
