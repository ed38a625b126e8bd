"""Lists and pages stay constant in queries at the size of the real catalogue: the shipped
registry (622 tokens, 2,915 deployments on nine chains) against its first 40 tokens, every
token's backing computed, the answers' caches off."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Deployment, Token
from apps.reserves.services import compute_snapshots

pytestmark = pytest.mark.django_db

URLS = [
    "/tokens/",
    "/tokens/?chain=xlayer&kind=stock",
    "/tokens/?q=apple",
    "/api/v1/tokens/?limit=1000",
    "/api/v1/tokens/?chain=solana",
    "/api/v1/reserves/",
    "/transparency/",
    "/transparency/?status=unknown",
    "/status/",
    "/tokens/AAPLx/",
    "/api/v1/tokens/AAPLx/",
    "/transparency/AAPLx/",
]
# Pinned as in the tests at synthetic sizes (tests/explorer, tests/reserves, tests/chains).
PINNED = {"/tokens/": 3, "/api/v1/tokens/?limit=1000": 3, "/api/v1/reserves/": 2}


def _load(tmp_path, tokens: list[dict], registry: dict) -> None:
    path = tmp_path / f"registry-{len(tokens)}.json"
    path.write_text(json.dumps({**registry, "tokens": tokens}))
    call_command("load_registry", str(path), verbosity=0)
    compute_snapshots(tokens=Token.objects.select_related("issuer", "security"))


def _counts(client) -> dict[str, int]:
    out = {}
    for url in URLS:
        assert client.get(url).status_code == 200, url  # warm the filter options
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        out[url] = len(ctx.captured_queries)
    return out


def test_queries_do_not_grow_with_the_real_catalogue(client, settings, tmp_path):
    settings.CATALOG_CACHE_SECONDS = 0
    settings.PUBLIC_CACHE_SECONDS = 0
    registry = json.loads(django_settings.REGISTRY_PATH.read_text())
    first = [t for t in registry["tokens"] if t["symbol"] == "AAPLx"]
    first += [t for t in registry["tokens"] if t["symbol"] != "AAPLx"][:39]
    _load(tmp_path, first, registry)
    small = _counts(client)
    _load(tmp_path, registry["tokens"], registry)
    assert Token.objects.count() >= 600 and Deployment.objects.count() >= 2900
    large = _counts(client)
    assert large == small
    for url, queries in PINNED.items():
        assert large[url] == queries, url
