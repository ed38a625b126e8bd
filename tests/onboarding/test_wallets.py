from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from nacl.signing import SigningKey

from apps.core.identifiers import b58encode
from apps.onboarding import errors
from apps.onboarding.models import Wallet
from apps.onboarding.services import cases
from apps.onboarding.services.wallets import issue_wallet_challenge, verify_wallet
from tests.factories import KycCaseFactory
from tests.onboarding.conftest import DE_IP

pytestmark = pytest.mark.django_db


def _approve(case):
    for state in ("submitted", "in_review", "approved"):
        cases.transition_case(case=case, to_state=state, actor=None)
    return case


def _evm_sign(account, message: str) -> str:
    return account.sign_message(encode_defunct(text=message)).signature.hex()


@pytest.fixture
def approved(investor_case):
    return _approve(investor_case)


def test_evm_wallet_is_verified_by_eip191_signature(client, approved):
    account = Account.create()
    client.force_login(approved.user)
    response = client.post(
        "/onboarding/wallets/",
        {"kind": "evm", "address": account.address.lower()},
        REMOTE_ADDR=DE_IP,
    )
    wallet = Wallet.objects.get()
    assert response.url == f"/onboarding/wallets/{wallet.pk}/verify/"
    assert wallet.address == account.address  # stored in EIP-55 form
    page = client.get(response.url, REMOTE_ADDR=DE_IP).content.decode()
    assert "Nonce:" in page
    signature = _evm_sign(account, wallet.challenge)
    client.post(response.url, {"signature": signature}, REMOTE_ADDR=DE_IP)
    wallet.refresh_from_db()
    assert wallet.verified_at is not None and wallet.challenge == ""


def test_solana_wallet_is_verified_by_ed25519_signature(approved):
    key = SigningKey.generate()
    address = b58encode(bytes(key.verify_key))
    wallet = issue_wallet_challenge(user=approved.user, kind="solana", address=address)
    signature = b58encode(key.sign(wallet.challenge.encode()).signature)
    verify_wallet(wallet=wallet, signature=signature)
    assert Wallet.objects.get().verified_at is not None


def test_signature_by_another_key_is_refused_and_spends_the_challenge(approved):
    owner, thief = Account.create(), Account.create()
    wallet = issue_wallet_challenge(user=approved.user, kind="evm", address=owner.address)
    challenge = wallet.challenge
    with pytest.raises(errors.OnboardingError, match="does not match"):
        verify_wallet(wallet=wallet, signature=_evm_sign(thief, challenge))
    wallet.refresh_from_db()
    assert wallet.verified_at is None and wallet.challenge == ""
    # The owner's signature of the spent challenge is no longer accepted (one-time).
    with pytest.raises(errors.OnboardingError, match="new message"):
        verify_wallet(wallet=wallet, signature=_evm_sign(owner, challenge))


def test_solana_signature_of_other_message_is_refused(approved):
    key = SigningKey.generate()
    wallet = issue_wallet_challenge(
        user=approved.user, kind="solana", address=b58encode(bytes(key.verify_key))
    )
    bad = b58encode(key.sign(b"something else").signature)
    with pytest.raises(errors.OnboardingError):
        verify_wallet(wallet=wallet, signature=bad)
    assert Wallet.objects.get().verified_at is None


def test_expired_challenge_is_refused(approved):
    account = Account.create()
    wallet = issue_wallet_challenge(user=approved.user, kind="evm", address=account.address)
    Wallet.objects.filter(pk=wallet.pk).update(
        challenge_expires_at=wallet.challenge_expires_at - timedelta(hours=1)
    )
    with pytest.raises(errors.OnboardingError, match="expired"):
        verify_wallet(wallet=wallet, signature=_evm_sign(account, wallet.challenge))


def test_only_approved_investors_register_wallets(client, investor_case):
    with pytest.raises(errors.OnboardingError, match="approved"):
        issue_wallet_challenge(
            user=investor_case.user, kind="evm", address=Account.create().address
        )
    client.force_login(investor_case.user)
    assert (
        "once your application is approved"
        in client.get("/onboarding/wallets/", REMOTE_ADDR=DE_IP).content.decode()
    )


def test_bad_addresses_are_refused(approved):
    with pytest.raises(errors.OnboardingError, match="not an EVM address"):
        issue_wallet_challenge(user=approved.user, kind="evm", address="0x123")
    with pytest.raises(errors.OnboardingError, match="Solana"):
        issue_wallet_challenge(user=approved.user, kind="solana", address="0OIl")


def test_address_verified_by_someone_else_cannot_be_claimed(approved, outsider_case):
    account = Account.create()
    wallet = issue_wallet_challenge(user=approved.user, kind="evm", address=account.address)
    verify_wallet(wallet=wallet, signature=_evm_sign(account, wallet.challenge))
    _approve(outsider_case)
    with pytest.raises(errors.OnboardingError, match="another investor"):
        issue_wallet_challenge(user=outsider_case.user, kind="evm", address=account.address)


def test_other_users_wallet_page_is_404(client, approved, outsider_case):
    wallet = issue_wallet_challenge(
        user=approved.user, kind="evm", address=Account.create().address
    )
    client.force_login(outsider_case.user)
    response = client.get(f"/onboarding/wallets/{wallet.pk}/verify/", REMOTE_ADDR=DE_IP)
    assert response.status_code == 404


def _verified_wallets(n: int) -> list[Wallet]:
    wallets = []
    for _ in range(n):
        case = _approve(KycCaseFactory())
        account = Account.create()
        wallet = issue_wallet_challenge(user=case.user, kind="evm", address=account.address)
        wallets.append(verify_wallet(wallet=wallet, signature=_evm_sign(account, wallet.challenge)))
    return wallets


def test_allowlist_is_for_compliance_only(client, approved, officer):
    _verified_wallets(1)
    for url in ("/compliance/allowlist.csv", "/compliance/allowlist.json"):
        assert client.get(url).status_code == 302  # anonymous: log in
        client.force_login(approved.user)
        assert client.get(url).status_code == 403  # investor
        client.force_login(officer)
        assert client.get(url).status_code == 200
        client.logout()


def test_allowlist_exports_verified_wallets_of_approved_investors(client, officer, investor_case):
    wallets = _verified_wallets(2)
    # A pending wallet and a wallet of a non-approved investor are left out.
    issue_wallet_challenge(user=wallets[0].user, kind="evm", address=Account.create().address)
    client.force_login(officer)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/compliance/allowlist.csv").content.decode()))
    )
    assert sorted(r["address"] for r in rows) == sorted(w.address for w in wallets)
    assert rows[0].keys() == {"kind", "address", "investor_id", "verified_at"}
    data = client.get("/compliance/allowlist.json").json()
    assert data["count"] == 2
    assert {w["address"] for w in data["wallets"]} == {w.address for w in wallets}


# session, user, the Compliance group check, the wallets, the audit event, and the staff
# session saved (savepoint, update, release)
ALLOWLIST_QUERIES = 8


@pytest.mark.parametrize("wallets", [2, 12])
@pytest.mark.parametrize("url", ["/compliance/allowlist.csv", "/compliance/allowlist.json"])
def test_allowlist_query_count_is_pinned(client, get_with_queries, officer, wallets, url):
    client.force_login(officer)
    _verified_wallets(wallets)
    get_with_queries(url, ALLOWLIST_QUERIES)


def test_unsigned_addresses_per_investor_are_bounded(approved):
    from apps.onboarding.services.wallets import MAX_PENDING_WALLETS
    from tests.factories import evm_address

    user = approved.user
    for i in range(MAX_PENDING_WALLETS):
        issue_wallet_challenge(user=user, kind="evm", address=evm_address(f"w{i}"))
    with pytest.raises(errors.OnboardingError, match="waiting for a signature"):
        issue_wallet_challenge(user=user, kind="evm", address=evm_address("one-too-many"))
    # A new message for an address already claimed is still given.
    issue_wallet_challenge(user=user, kind="evm", address=evm_address("w0"))
    assert Wallet.objects.filter(user=user).count() == MAX_PENDING_WALLETS
