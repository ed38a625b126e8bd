"""Builders shared by the custody and reserves tests: statements as custodians send them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.chains.models import SupplyObservation

NS10 = "urn:iso:std:iso:20022:tech:xsd:semt.002.001.10"
NS11 = "urn:iso:std:iso:20022:tech:xsd:semt.002.001.11"


def semt002_page(
    *,
    account: str,
    holdings: dict[str, str],
    statement_id: str = "STMT-1",
    date: str | None = None,
    page: int | None = None,
    last: bool = True,
    ns: str = NS11,
) -> str:
    date = date or timezone.now().date().isoformat()
    balances = "".join(
        f"""
    <BalForAcct>
      <FinInstrmId><ISIN>{isin}</ISIN><Desc>test</Desc></FinInstrmId>
      <AggtBal><Qty><Qty><Qty><Unit>{qty}</Unit></Qty></Qty></Qty><ShrtLngInd>LONG</ShrtLngInd></AggtBal>
    </BalForAcct>"""
        for isin, qty in holdings.items()
    )
    flag = "true" if last else "false"
    pagination = (
        "" if page is None else f"<Pgntn><PgNb>{page}</PgNb><LastPgInd>{flag}</LastPgInd></Pgntn>"
    )
    return f"""<Document xmlns="{ns}">
  <SctiesBalCtdyRpt>
    {pagination}
    <StmtGnlDtls>
      <StmtId>{statement_id}</StmtId>
      <StmtDtTm><Dt>{date}</Dt></StmtDtTm>
      <Frqcy><Cd>DAIL</Cd></Frqcy><UpdTp><Cd>COMP</Cd></UpdTp><StmtBsis><Cd>SETT</Cd></StmtBsis>
      <ActvtyInd>true</ActvtyInd><AudtdInd>false</AudtdInd><SubAcctInd>false</SubAcctInd>
    </StmtGnlDtls>
    <SfkpgAcct><Id>{account}</Id></SfkpgAcct>{balances}
  </SctiesBalCtdyRpt>
</Document>"""


def semt002(**kwargs) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + semt002_page(**kwargs)).encode()


def observe(
    deployment,
    *,
    supply: Decimal | str,
    escrow: Decimal | str = "0",
    block: int = 100,
    age: dt.timedelta = dt.timedelta(0),
    block_hash: str = "",
) -> SupplyObservation:
    """A supply observation in whole tokens, stored in the smallest unit as the chain reports it."""
    scale = Decimal(10) ** deployment.decimals
    now = timezone.now() - age
    return SupplyObservation.objects.create(
        deployment=deployment,
        block_number=block,
        block_hash=block_hash or f"0x{block:064x}",
        block_time=now,
        raw_supply=Decimal(supply) * scale,
        escrow_balance=Decimal(escrow) * scale,
        decimals=deployment.decimals,
        observed_at=now,
    )


def make_backed_catalog(n: int, *, start: int = 0) -> list:
    """n tokens on Ethereum and Solana, supply read on both, one statement holding them all.

    Rows are bulk-inserted so the benchmark can build 1,000 tokens quickly.
    """
    import hashlib

    from apps.catalog.models import Deployment, Security, Token
    from apps.custody.models import Holding, HoldingStatement
    from tests.factories import (
        ChainFactory,
        CustodianFactory,
        CustodyAccountFactory,
        IssuerFactory,
        SolanaChainFactory,
        evm_address,
        make_isin,
        solana_address,
    )

    issuer = IssuerFactory()
    eth, sol = ChainFactory(), SolanaChainFactory()
    securities = Security.objects.bulk_create(
        Security(ticker=f"B{i}", name=f"Bench {i} Inc.", isin=make_isin(500_000 + i), kind="stock")
        for i in range(start, start + n)
    )
    tokens = Token.objects.bulk_create(
        Token(symbol=f"{s.ticker}x", name=f"{s.name} xStock", issuer=issuer, security=s)
        for s in securities
    )
    deployments = Deployment.objects.bulk_create(
        [
            Deployment(token=t, chain=eth, address=evm_address(f"bench:{t.symbol}"), decimals=18)
            for t in tokens
        ]
        + [
            Deployment(token=t, chain=sol, address=solana_address(f"b:{t.symbol}"), decimals=8)
            for t in tokens
        ]
    )
    now = timezone.now()
    SupplyObservation.objects.bulk_create(
        SupplyObservation(
            deployment=d,
            block_number=1000 + start,
            block_hash=f"0x{d.pk:064x}",
            raw_supply=Decimal(50) * Decimal(10) ** d.decimals,
            decimals=d.decimals,
            observed_at=now,
        )
        for d in deployments
    )
    account = CustodyAccountFactory(custodian=CustodianFactory(), issuer=issuer)
    body = f"bench-{start}-{n}".encode()
    statement = HoldingStatement.objects.create(
        custodian=account.custodian,
        account=account,
        statement_id=f"BENCH-{start}-{n}",
        statement_date=now,
        format="csv",
        sha256=hashlib.sha256(body).hexdigest(),
        source=body,
        imported_at=now,
    )
    Holding.objects.bulk_create(
        Holding(statement=statement, isin=s.isin, quantity=Decimal(100)) for s in securities
    )
    return tokens
