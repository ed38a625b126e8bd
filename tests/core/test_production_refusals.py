"""Production refuses to start with a configuration that would be unsafe."""

from __future__ import annotations

import secrets

import pytest

from tests.core.test_deploy_settings import _manage

SAFE = {
    "XSTOCKS_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "xstocks.example",
    "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",
    "TRUSTED_PROXIES": "127.0.0.1",
}
DEVELOPMENT_KEY = "development-only-key-never-use-in-production-0123456789abcdefghij"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": DEVELOPMENT_KEY}, "SECRET_KEY is the development key or too weak"),
        ({"SECRET_KEY": "short-key"}, "SECRET_KEY is the development key or too weak"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY is the development key or too weak"),
        ({"DEBUG": "true"}, "DEBUG must be off in production"),
        ({"REDIS_CACHE_URL": ""}, "REDIS_CACHE_URL must be set in production"),
        ({"GEOIP_DB_PATH": "/nonexistent/country.mmdb"}, "needs a readable country database"),
        (
            {"RESERVE_SKIP_CHAINS_WITHOUT_NODE": "true"},
            "RESERVE_SKIP_CHAINS_WITHOUT_NODE is for the demo world only",
        ),
    ],
)
def test_production_refuses_to_start(override, message):
    proc = _manage("check", **{**SAFE, **override})
    assert proc.returncode != 0
    assert message in proc.stderr


def test_check_deploy_warns_without_trusted_proxies():
    proc = _manage("check", "--deploy", **{**SAFE, "TRUSTED_PROXIES": ""})
    assert "jurisdictions.W001" in proc.stderr
    assert "TRUSTED_PROXIES is empty" in proc.stderr


def test_production_requires_the_second_factor_by_default():
    proc = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.COMPLIANCE_REQUIRE_OTP)",
        **SAFE,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "True"
