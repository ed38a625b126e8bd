from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_service_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "database": "up",
        "cache": "up",
        "broker": "up",
        "geoip": "up",
    }


def test_healthz_names_the_broker_when_it_is_down(client, settings):
    # A real connection attempt to a closed port: nothing inside kombu is patched.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["broker"]["status"] == "down"
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["status"] == "up"


def test_healthz_names_a_missing_country_database(client, settings, tmp_path):
    from apps.jurisdictions.geo import reset_reader_cache

    settings.GEOIP_DB_PATH = tmp_path / "missing.mmdb"
    reset_reader_cache()
    try:
        response = client.get("/healthz")
    finally:
        reset_reader_cache()
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["geoip"]
    assert "missing.mmdb does not exist" in body["checks"]["geoip"]["error"]


def test_apps_add_their_checks_through_the_registry(client):
    from apps.core import health

    def check_ledger() -> None:
        raise RuntimeError("ledger unreachable")

    health.register_check("ledger", check_ledger)
    try:
        body = client.get("/healthz").json()
    finally:
        health.unregister_check("ledger")
    assert body["down"] == ["ledger"]
    assert body["checks"]["ledger"]["error"] == "RuntimeError: ledger unreachable"
    assert "ledger" not in client.get("/healthz").json()["checks"]
