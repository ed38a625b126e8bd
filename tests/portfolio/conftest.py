from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct
from nacl.signing import SigningKey
from solders.pubkey import Pubkey

from apps.catalog.models import Chain, Deployment, Token
from apps.core.identifiers import b58encode
from apps.devchain import evm_world
from apps.devchain.anvil import AnvilNode
from apps.devchain.solana_rpc import SolanaDevChain, SolanaRpcServer
from apps.markets.services.recording import record_quotes
from apps.markets.sources import PriceQuote
from apps.onboarding.models import Wallet
from apps.onboarding.services import cases
from apps.portfolio.models import WalletBalance, WalletChainRead
from apps.reserves.models import ReserveSnapshot
from tests.factories import (
    ChainFactory,
    DeploymentFactory,
    KycCaseFactory,
    SolanaChainFactory,
    TokenFactory,
    evm_address,
    make_officer,
)
from tests.factories import solana_address as fake_solana_address


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def approve(case):
    for state in ("submitted", "in_review", "approved"):
        cases.transition_case(case=case, to_state=state, actor=None)
    return case


@pytest.fixture
def alice(db):
    """An approved investor (the portfolio's owner)."""
    return approve(KycCaseFactory(declaration__profile__full_name="Alice Example")).user


@pytest.fixture
def bob(db):
    """Another approved investor."""
    return approve(KycCaseFactory(declaration__profile__full_name="Bob Other")).user


@pytest.fixture
def officer(db):
    return make_officer()


def sign_evm(account, message: str) -> str:
    return account.sign_message(encode_defunct(text=message)).signature.hex()


def sign_solana(key: SigningKey, message: str) -> str:
    return b58encode(key.sign(message.encode()).signature)


def solana_address(key: SigningKey) -> str:
    return b58encode(bytes(key.verify_key))


def verify_through_pages(client, user, *, kind: str, address: str, sign) -> Wallet:
    """The real wallet flow: ask for a message on /onboarding/wallets/, sign it, post it."""
    client.force_login(user)
    response = client.post("/onboarding/wallets/", {"kind": kind, "address": address})
    assert response.status_code == 302, response.content[:300]
    wallet = Wallet.objects.get(user=user, kind=kind, verified_at__isnull=True)
    response = client.post(response.url, {"signature": sign(wallet.challenge)})
    assert response.status_code == 302
    wallet.refresh_from_db()
    assert wallet.verified_at is not None
    return wallet


def price(token: Token, value: str, *, at: dt.datetime | None = None) -> None:
    """A published price of the token's underlying (and its bars), as a source records it."""
    record_quotes(
        quotes=[
            PriceQuote(
                kind="security",
                key=token.security.isin,
                price=Decimal(value),
                time=at or timezone.now(),
                source="simulator",
                max_age=dt.timedelta(minutes=15),
            )
        ],
        band_bps=Decimal(1_000_000),
    )


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilNode]:
    with AnvilNode(chain_id=1) as node:
        yield node


@dataclass
class LocalWorld:
    """A catalogue on local chains: anvil (EVM) and LiteSVM behind its JSON-RPC front."""

    w3: object
    solana: SolanaDevChain
    evm_chain: Chain
    solana_chain: Chain

    def token(
        self, ticker: str, *, multiplier: str = "1.25"
    ) -> tuple[Token, Deployment, Deployment]:
        token = TokenFactory(security__ticker=ticker, security__name=f"{ticker} Corp")
        contract = evm_world.deploy_token(self.w3, name=token.name, symbol=token.symbol)
        mint = self.solana.create_mint(
            decimals=8, token_2022=True, scaled_ui_multiplier=Decimal(multiplier)
        )
        evm_dep = DeploymentFactory(token=token, chain=self.evm_chain, address=contract)
        sol_dep = DeploymentFactory(token=token, chain=self.solana_chain, address=str(mint))
        return token, evm_dep, sol_dep

    def mint_evm(self, deployment: Deployment, to: str, amount: str) -> None:
        evm_world.mint(self.w3, deployment.address, to, Decimal(amount))

    def mint_solana(self, deployment: Deployment, owner: str, raw: int) -> None:
        mint = Pubkey.from_string(deployment.address)
        account = self.solana.create_token_account(mint=mint, owner=Pubkey.from_string(owner))
        self.solana.mint_to(mint=mint, account=account, amount=raw)


@pytest.fixture
def world(anvil, db) -> Iterator[LocalWorld]:
    chain = SolanaDevChain()
    with SolanaRpcServer(chain) as server:
        yield LocalWorld(
            w3=evm_world.connect(anvil.url),
            solana=chain,
            evm_chain=ChainFactory(slug="local-evm", name="Local EVM", rpc_url=anvil.url),
            solana_chain=SolanaChainFactory(
                slug="local-solana", name="Local Solana", rpc_url=server.url
            ),
        )


@pytest.fixture
def evm_key():
    return Account.create()


@pytest.fixture
def solana_key():
    return SigningKey.generate()


def stored_portfolio(user, *, tokens: int, wallets: int) -> None:
    """Stored readings (no chain): `wallets` EVM and Solana wallets each holding `tokens`
    tokens, priced two hours and one minute ago, backed; Solana has no node."""
    now = timezone.now()
    evm = ChainFactory(rpc_url="http://127.0.0.1:1")
    sol = SolanaChainFactory(rpc_url="")  # no node: a line says so, at no extra query
    owned = []
    for n in range(wallets):
        for kind, address in (
            ("evm", evm_address(f"w{n}")),
            ("solana", fake_solana_address(f"w{n}")),
        ):
            owned.append(
                Wallet.objects.create(user=user, kind=kind, address=address, verified_at=now)
            )
    for n in range(tokens):
        token = TokenFactory()
        deployments = {
            "evm": DeploymentFactory(token=token, chain=evm),
            "solana": DeploymentFactory(token=token, chain=sol),
        }
        price(token, f"{100 + n}", at=now - dt.timedelta(hours=2))
        price(token, f"{101 + n}", at=now - dt.timedelta(minutes=1))
        ReserveSnapshot.objects.create(
            token=token,
            status=ReserveSnapshot.Status.BACKED,
            multiplier=Decimal(1),
            computed_at=now,
            as_of=now,
            checked_at=now,
            provenance={},
            fingerprint=f"{n}",
        )
        for wallet in owned:
            WalletBalance.objects.create(
                wallet=wallet,
                deployment=deployments[wallet.kind],
                block_number=10,
                read_at=now,
                raw_balance=Decimal(10**18 if wallet.kind == "evm" else 10**8),
                decimals=18 if wallet.kind == "evm" else 8,
                multiplier=Decimal(1),
            )
    for wallet in owned:
        if wallet.kind == "evm":
            WalletChainRead.objects.create(wallet=wallet, chain=evm, block_number=10, read_at=now)
