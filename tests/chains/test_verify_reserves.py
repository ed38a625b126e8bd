"""verify_reserves re-reads a real chain at the snapshot's block: anyone can check a figure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.catalog.models import Token
from apps.custody.services import import_statement
from apps.devchain import evm_world
from apps.reserves.models import ReserveSnapshot
from apps.reserves.services import compute_snapshot
from tests.chains.conftest import load_with_custodian, registry_doc
from tests.factories import make_isin
from tests.reserves.helpers import semt002

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.chain]


@pytest.fixture
def published(tmp_path, w3, anvil, minted_token):
    doc = registry_doc(rpc_url=anvil.url, token_address=minted_token)
    load_with_custodian(tmp_path, doc)
    call_command("sync_supply")
    import_statement(data=semt002(account="INC-001", holdings={make_isin(4242): "1235"}))
    return compute_snapshot(token=Token.objects.get(symbol="XSTx"))


def test_snapshot_matches_the_chain_read_again_at_its_block(
    published, w3, minted_token, holder, capsys
):
    assert published.circulating_supply == Decimal("1234.5")
    block = w3.eth.block_number  # the block the sync read
    # The chain moves on after the snapshot; the check still reads the snapshot's block.
    evm_world.mint(w3, minted_token, holder, Decimal(10))
    call_command("verify_reserves", "XSTx", "--snapshot", str(published.pk))
    out = capsys.readouterr().out
    assert out.strip().endswith("MATCH: every figure recomputed from its sources")
    assert (
        f"ok   circulating XSTx on Local Ethereum ({minted_token}) at block {block}: "
        "published 1234.5\n" in out
    )
    assert "ok   shares held: published 1235\n" in out


def test_a_published_supply_that_the_chain_does_not_confirm_is_a_mismatch(published, capsys):
    ReserveSnapshot.objects.filter(pk=published.pk).update(
        circulating_supply=Decimal("1200"), shares_required=Decimal("1200")
    )
    with pytest.raises(CommandError, match="MISMATCH"):
        call_command("verify_reserves", "XSTx", "--snapshot", str(published.pk))
    out = capsys.readouterr().out
    assert "DIFF" in out and "1234.5" in out and "1200" in out
