from __future__ import annotations

from decimal import Decimal

import pytest

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
from tests.reserves.helpers import observe

AAPL_ISIN = "US0378331005"


@pytest.fixture
def aapl_world(db):
    """AAPLx (multiplier 1.02) on Ethereum and Solana, and an issuer account at InCore."""
    security = SecurityFactory(
        ticker="AAPL", name="Apple Inc.", isin=AAPL_ISIN, kind=Security.Kind.STOCK
    )
    token = TokenFactory(security=security, symbol="AAPLx", multiplier=Decimal("1.02"))
    eth, sol = ChainFactory(), SolanaChainFactory()
    eth_dep = DeploymentFactory(token=token, chain=eth)
    sol_dep = DeploymentFactory(token=token, chain=sol)
    account = CustodyAccountFactory(
        custodian=CustodianFactory(), account_id="INC-001", issuer=token.issuer
    )
    observe(eth_dep, supply="600", escrow="0", block=19_000_000)
    observe(sol_dep, supply="380", block=250_000_000)
    return {"token": token, "account": account, "eth": eth_dep, "sol": sol_dep}
