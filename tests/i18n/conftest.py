from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.catalog.models import Security
from tests.factories import (
    ChainFactory,
    CustodianFactory,
    CustodyAccountFactory,
    DeploymentFactory,
    SecurityFactory,
    SolanaChainFactory,
    TokenFactory,
)
from tests.markets.conftest import price_token
from tests.reserves.helpers import observe, semt002


@pytest.fixture
def aapl_backed(db, tmp_path, django_capture_on_commit_callbacks):
    """AAPLx on Ethereum and Solana, priced, with a custodian statement: every block of the
    token, transparency and catalogue pages has figures to show."""
    security = SecurityFactory(
        ticker="AAPL", name="Apple Inc.", isin="US0378331005", kind=Security.Kind.STOCK
    )
    token = TokenFactory(security=security, symbol="AAPLx", multiplier=Decimal("1.02"))
    eth_dep = DeploymentFactory(token=token, chain=ChainFactory())
    sol_dep = DeploymentFactory(token=token, chain=SolanaChainFactory())
    CustodyAccountFactory(custodian=CustodianFactory(), account_id="INC-001", issuer=token.issuer)
    observe(eth_dep, supply="600", escrow="0", block=19_000_000)
    observe(sol_dep, supply="380", block=250_000_000)
    price_token(token, price="231.20", underlying="226.50", at=timezone.now())
    path = tmp_path / "incore.xml"
    path.write_bytes(semt002(account="INC-001", holdings={"US0378331005": "1000"}))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_custody_statement", str(path), "--custodian", "incore")
    return token
