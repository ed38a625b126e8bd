"""The registry is written with bulk operations: the number of queries does not depend on
the number of tokens (pinned at 10 and 700 generated tokens)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import Deployment, OracleFeed, Token
from apps.catalog.registry import load_registry
from tests.factories import evm_address, make_isin

pytestmark = pytest.mark.django_db

# Per model a read of the existing rows (12), the chains and issuers known before the
# load (2), and savepoints of the transaction; then one INSERT per model with new rows.
FRESH_SELECTS = 14
WRITES_FRESH = 12  # every model gets rows: chain, issuer, custodian, security, token,
# custody account, deployment, oracle feed, venue, document, corporate action, price feed


def registry(n: int, *, multiplier: str = "1") -> dict:
    return {
        "chains": [
            {"slug": "ethereum", "kind": "evm", "name": "Ethereum", "chain_id": 1},
        ],
        "issuers": [
            {
                "slug": "issuer",
                "name": "Issuer Ltd",
                "jurisdiction": "JE",
                "documents": [
                    {"kind": "prospectus", "title": "Base", "url": "https://x.example/p"}
                ],
            }
        ],
        "custodians": [
            {
                "slug": "bank",
                "name": "Bank AG",
                "country": "CH",
                "accounts": [{"id": "A-1", "issuer": "issuer"}],
            }
        ],
        "tokens": [
            {
                "symbol": f"T{i}x",
                "name": f"Token {i}",
                "issuer": "issuer",
                "multiplier": multiplier,
                "underlying": {
                    "ticker": f"T{i}",
                    "name": f"Company {i}",
                    "isin": make_isin(50_000 + i),
                    "kind": "stock",
                },
                "deployments": [
                    {"chain": "ethereum", "address": evm_address(f"t{i}"), "decimals": 18}
                ],
                "oracles": [{"chain": "ethereum", "address": evm_address(f"o{i}")}],
                "price_feeds": [
                    {
                        "provider": "chainlink-data-streams",
                        "schema": "v10",
                        "feed_id": f"0x000a{i:060x}",
                    }
                ],
                "venues": [{"name": "Kraken", "kind": "cex"}],
                "documents": [{"kind": "kid", "title": f"KID {i}", "url": "https://x.example/kid"}],
                "corporate_actions": [
                    {
                        "kind": "split",
                        "ex_date": "2024-06-10",
                        "multiplier_before": "1",
                        "multiplier_after": "1",
                    }
                ],
            }
            for i in range(n)
        ],
    }


def _counts(doc: dict) -> tuple[int, int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = load_registry(doc)
    sql = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
    selects = sum(s.startswith("SELECT") for s in sql)
    writes = sum(s.startswith(("INSERT", "UPDATE")) for s in sql)
    return selects, writes, result


def _load_three_times(n: int) -> list[tuple[int, int]]:
    fresh = _counts(registry(n))
    again = _counts(registry(n))
    changed = _counts(registry(n, multiplier="1.5"))
    assert fresh[2].created["tokens"] == n and not fresh[2].updated
    assert not again[2].changed and again[2].unchanged == 8 * n + 5
    assert changed[2].updated == {"tokens": n} and not changed[2].created
    Token.objects.all().delete()
    assert Deployment.objects.count() == 0 and OracleFeed.objects.count() == 0
    return [fresh[:2], again[:2], changed[:2]]


def test_registry_queries_do_not_depend_on_the_number_of_tokens():
    small = _load_three_times(10)
    _clear()
    large = _load_three_times(700)
    selects = [s for s, _ in small]
    assert selects == [s for s, _ in large] == [FRESH_SELECTS, FRESH_SELECTS, FRESH_SELECTS]
    # Nothing is written when nothing changed; one UPDATE for 700 changed tokens.
    assert small[1][1] == large[1][1] == 0
    if connection.vendor == "postgresql":
        assert small == large
        assert small[0][1] == WRITES_FRESH and small[2][1] == 1
    else:
        # SQLite caps a query at 999 parameters: large inserts go in several batches.
        assert small[0][1] == WRITES_FRESH and large[0][1] >= WRITES_FRESH


def _clear() -> None:
    from apps.catalog.models import Chain, Custodian, CustodyAccount, Document, Issuer, Security

    Document.objects.all().delete()
    CustodyAccount.objects.all().delete()
    for model in (Security, Custodian, Issuer, Chain):
        model.objects.all().delete()
