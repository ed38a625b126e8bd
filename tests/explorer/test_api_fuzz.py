"""schemathesis against the live test server: every operation of /api/schema/, positive
and negative inputs, every check (server errors, statuses, content types, headers, the
response schemas, invalid input refused, valid input accepted, unsupported methods).

Bounded and deterministic: a fixed number of examples per operation, derandomized."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from apps.markets.services import record_quotes
from apps.markets.sources import PriceQuote
from apps.reserves.services import compute_snapshots
from tests.reserves.helpers import make_backed_catalog

pytestmark = [pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 50  # per operation and generation phase

load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture
def api_schema(live_server, settings_module):
    """The live server's schema, with a small catalogue behind it (B0x...B3x), backed
    and priced so every answer has figures in it."""
    tokens = make_backed_catalog(4)
    compute_snapshots(tokens=tokens)
    now = timezone.now()
    record_quotes(
        quotes=[
            PriceQuote(
                kind="token",
                key=t.symbol,
                price=Decimal("101.5"),
                time=now,
                source="simulator",
                max_age=dt.timedelta(minutes=15),
            )
            for t in tokens
        ],
        received_at=now,
    )
    # Most symbols drawn are the catalogue's, so `interval` and `since` meet real tokens
    # rather than a 404; the rest are drawn from the schema (unknown symbols: 404).
    config = schemathesis.Config.from_dict(
        {
            "dictionaries": {"symbols": {"values": [t.symbol for t in tokens]}},
            "parameters": {"path.symbol": {"dictionary": "symbols", "probability": 0.75}},
        }
    )
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", config=config)


@pytest.fixture
def settings_module(settings):
    # The fuzzer sends thousands of requests from one address: measure the answers, not
    # the throttle (its own test is in test_api.py).
    settings.API_ANON_RATE = "1000000/minute"
    return settings


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(checks=ALL_CHECKS)
