"""Reading what the backing computation needs, for many tokens at once."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import OuterRef, Subquery

from apps.catalog.models import Chain, CustodyAccount, Deployment, Token
from apps.chains.models import SupplyObservation
from apps.custody.models import Holding, HoldingStatement

from .computation import (
    AccountRef,
    ChainRef,
    CustodianRef,
    DeploymentRef,
    Inputs,
    ObservationRef,
    StatementRef,
)


def load_inputs(tokens: Sequence[Token]) -> Inputs:
    """Deployments, their latest supply, the issuers' accounts and latest statements: 5 queries.

    Rows are read with values_list into small records: building 10,000 model instances
    would cost more than the whole computation.
    """
    inputs = Inputs()
    token_ids = [t.pk for t in tokens]
    latest_observation = (
        SupplyObservation.objects.filter(deployment=OuterRef("pk"))
        .order_by("-block_number")
        .values("pk")[:1]
    )
    rows = (
        Deployment.objects.filter(token_id__in=token_ids)
        .annotate(latest_observation_id=Subquery(latest_observation))
        .order_by("chain__name", "pk")
        .values_list(
            "pk",
            "token_id",
            "address",
            "role",
            "chain_id",
            "chain__slug",
            "chain__name",
            "chain__kind",
            "chain__max_age_seconds",
            "chain__rpc_url",
            "latest_observation_id",
        )
    )
    chains: dict[int, ChainRef] = {}
    observation_ids = []
    for pk, token_id, address, role, chain_id, slug, name, kind, max_age, rpc, latest in rows:
        chain = chains.get(chain_id)
        if chain is None:
            node = Chain.node_url(slug, rpc)
            chain = chains[chain_id] = ChainRef(slug, name, kind, max_age, has_node=bool(node))
        inputs.deployments.setdefault(token_id, []).append(
            DeploymentRef(pk, token_id, address, role, chain)
        )
        if latest:
            observation_ids.append(latest)
    inputs.observations = {
        row[1]: ObservationRef(*row)
        for row in SupplyObservation.objects.filter(pk__in=observation_ids).values_list(
            "pk",
            "deployment_id",
            "block_number",
            "block_hash",
            "block_time",
            "raw_supply",
            "escrow_balance",
            "decimals",
            "observed_at",
            "multiplier",
            "supply_is_underlying",
            "paused",
            "new_multiplier",
            "new_multiplier_at",
        )
    }

    issuer_ids = {t.issuer_id for t in tokens}
    latest_statement = (
        HoldingStatement.objects.filter(account=OuterRef("pk"))
        .order_by("-statement_date", "-pk")
        .values("pk")[:1]
    )
    accounts = (
        CustodyAccount.objects.filter(issuer_id__in=issuer_ids)
        .annotate(latest_statement_id=Subquery(latest_statement))
        .order_by("custodian__name", "account_id")
        .values_list(
            "pk",
            "issuer_id",
            "account_id",
            "custodian_id",
            "custodian__slug",
            "custodian__name",
            "latest_statement_id",
        )
    )
    custodians: dict[int, CustodianRef] = {}
    statement_ids = []
    for pk, issuer_id, account_id, custodian_id, slug, name, latest in accounts:
        custodian = custodians.get(custodian_id)
        if custodian is None:
            custodian = custodians[custodian_id] = CustodianRef(custodian_id, slug, name)
        inputs.accounts.setdefault(issuer_id, []).append(
            AccountRef(pk, issuer_id, account_id, custodian_id, custodian)
        )
        if latest:
            statement_ids.append(latest)
    inputs.statements = {
        row[1]: StatementRef(*row)
        for row in HoldingStatement.objects.filter(pk__in=statement_ids).values_list(
            "pk", "account_id", "statement_id", "statement_date", "sha256"
        )
    }
    isins = {t.security.isin for t in tokens}
    inputs.holdings = {
        (statement_id, isin): quantity
        for statement_id, isin, quantity in Holding.objects.filter(
            statement_id__in=statement_ids, isin__in=isins
        ).values_list("statement_id", "isin", "quantity")
    }
    return inputs
