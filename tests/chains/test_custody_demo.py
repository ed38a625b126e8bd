from __future__ import annotations

from decimal import Decimal

import pytest

from apps.custody.models import HoldingStatement
from apps.custody.services import process_inbox
from apps.devchain.custody_demo import write_demo_statements
from apps.reserves.models import Alert, ReserveSnapshot
from apps.reserves.services import compute_for_token_ids
from tests.factories import CustodianFactory, CustodyAccountFactory, make_catalog
from tests.reserves.helpers import observe

pytestmark = pytest.mark.django_db


def test_demo_statements_back_every_token_but_one(tmp_path, settings, mailoutbox):
    settings.CUSTODY_INBOX_DIR = tmp_path
    tokens = make_catalog(3)
    for i, token in enumerate(tokens):
        for d in token.deployments.all():
            observe(d, supply=Decimal("100.5") + i, block=10 + i)
    issuer = tokens[0].issuer
    CustodyAccountFactory(custodian=CustodianFactory(), account_id="INC-1", issuer=issuer)
    CustodyAccountFactory(
        custodian=CustodianFactory(slug="maerki", name="Maerki Baumann"),
        account_id="MB-1",
        issuer=issuer,
    )
    short = tokens[1].symbol

    paths = write_demo_statements(under_backed_symbol=short)
    assert sorted(p.parent.name for p in paths) == ["incore", "maerki"]
    outcomes = process_inbox()
    assert all(o.accepted for o in outcomes), [o.message for o in outcomes]
    assert HoldingStatement.objects.count() == 2

    compute_for_token_ids(token_ids=[])
    status = {s.token.symbol: s for s in ReserveSnapshot.objects.select_related("token")}
    assert status[short].status == "under_backed"
    assert Decimal("0.99") < status[short].ratio < 1
    others = [t.symbol for t in tokens if t.symbol != short]
    assert all(status[s].status == "backed" for s in others)
    # Split across the two custodians, summing to whole shares covering the supply.
    by = {
        c["custodian"]: Decimal(c["quantity"])
        for c in status[others[0]].provenance["holdings_by_custodian"]
    }
    assert set(by) == {"incore", "maerki"} and by["incore"] > by["maerki"] > 0
    assert sum(by.values()) == 204  # ceil(201 x 1.01 = 203.01): 1 % headroom over the supply
    assert Alert.objects.get().token.symbol == short
    assert len(mailoutbox) == 1

    # The same day's statements written again are duplicates: nothing changes.
    write_demo_statements(under_backed_symbol=short)
    assert all("already imported" in o.message for o in process_inbox())
    assert HoldingStatement.objects.count() == 2
