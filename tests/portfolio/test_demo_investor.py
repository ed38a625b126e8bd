"""The demo world's investor: approved through the services, wallets proven by signatures,
holdings minted on the local chains."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from apps.devchain import evm_world
from apps.devchain.investor_demo import (
    APPROVAL_NOTE,
    DEMO_EVM_HOLDINGS,
    DEMO_INVESTOR_EMAIL,
    ensure_demo_investor,
    give_evm_holdings,
)
from apps.devchain.solana_demo import give_holdings
from apps.onboarding.models import KycCase, Wallet
from apps.onboarding.selectors import investor_standing

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.KYC_STORAGE_DIR = tmp_path / "kyc"


def test_demo_investor_is_approved_with_two_proven_wallets():
    investor = ensure_demo_investor()
    user = User.objects.get(username=DEMO_INVESTOR_EMAIL)
    assert user.check_password(investor.password) and investor_standing(user).approved
    case = KycCase.objects.get(user=user)
    assert case.documents.count() == 2
    assert case.transitions.last().note == APPROVAL_NOTE
    wallets = {w.kind: w for w in Wallet.objects.filter(user=user)}
    assert (wallets["evm"].address, wallets["solana"].address) == (
        investor.evm_address,
        investor.solana_address,
    )
    # The stored signatures are real ones, checked by the site's own verification.
    for wallet in wallets.values():
        assert wallet.verified_at is not None and wallet.signature
    # Again: the same investor and wallets, a new password.
    again = ensure_demo_investor()
    assert (again.evm_address, again.solana_address) == (
        investor.evm_address,
        investor.solana_address,
    )
    assert again.password != investor.password
    user.refresh_from_db()
    assert user.check_password(again.password) and not user.check_password(investor.password)
    assert KycCase.objects.filter(user=user).count() == 1 and Wallet.objects.count() == 2


@pytest.mark.chain
def test_demo_holdings_are_minted_once_on_each_chain(world):
    token, evm_dep, _ = world.token("AAPL")
    assert token.symbol in DEMO_EVM_HOLDINGS
    address = "0x000000000000000000000000000000000000dEaD"
    nodes = {world.evm_chain.slug: world.w3}
    assert give_evm_holdings(nodes, address) == [f"12.5 AAPLx on {world.evm_chain.slug}"]
    assert give_evm_holdings(nodes, address) == []  # already holds: the state persists
    balance = evm_world.token(world.w3, evm_dep.address).functions.balanceOf(address).call()
    assert balance == 125 * 10**17


def test_solana_demo_holdings_go_to_the_wallet(tmp_path):
    import json

    from solders.keypair import Keypair

    from apps.devchain.solana_rpc import SolanaDevChain

    chain = SolanaDevChain()
    mint = chain.create_mint(decimals=8, token_2022=True, scaled_ui_multiplier=Decimal(1))
    registry = tmp_path / "registry.json"
    registry.write_text(
        json.dumps(
            {
                "chains": [{"slug": "solana", "kind": "solana"}],
                "tokens": [
                    {
                        "symbol": "AAPLx",
                        "deployments": [{"chain": "solana", "address": str(mint), "decimals": 8}],
                    }
                ],
            }
        )
    )
    owner = str(Keypair().pubkey())
    given = give_holdings(chain, registry, owner=owner, amounts={"AAPLx": Decimal("7.5")})
    assert given == [("AAPLx", 750_000_000)]
    accounts = chain.call(
        "getTokenAccountsByOwner", [owner, {"mint": str(mint)}, {"encoding": "jsonParsed"}]
    )["value"]
    assert accounts[0]["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"] == "750000000"
