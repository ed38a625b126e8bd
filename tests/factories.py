from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from eth_utils import keccak, to_checksum_address

from apps.catalog.models import Chain, Deployment, Issuer, Security, Token
from apps.core.identifiers import b58encode, cusip_check_digit
from apps.custody.models import Custodian, CustodyAccount
from apps.onboarding.models import Declaration, InvestorProfile, KycCase


def make_isin(n: int, country: str = "US") -> str:
    """A valid ISIN (with CUSIP check digit) for the n-th test security."""
    body = f"{n:08d}"
    cusip = body + str(cusip_check_digit(body))
    partial = country + cusip
    digits = "".join(str(int(c, 36)) for c in partial)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = int(ch)
        if i % 2 == 0:
            v *= 2
            v = v - 9 if v > 9 else v
        total += v
    return partial + str((10 - total % 10) % 10)


def evm_address(seed: str) -> str:
    return to_checksum_address(keccak(text=seed)[:20])


def solana_address(seed: str) -> str:
    return b58encode(hashlib.sha256(seed.encode()).digest())


class IssuerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issuer
        django_get_or_create = ("slug",)

    slug = "backed-assets-je"
    name = "Backed Assets (JE) Limited"
    jurisdiction = "JE"


class SecurityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Security

    ticker = factory.Sequence(lambda n: f"T{n}")
    name = factory.Sequence(lambda n: f"Test Company {n} Inc.")
    isin = factory.Sequence(lambda n: make_isin(n + 1))
    exchange_mic = "XNAS"
    kind = Security.Kind.STOCK
    sector = "Technology"


class TokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Token

    symbol = factory.LazyAttribute(lambda o: f"{o.security.ticker}x")
    name = factory.LazyAttribute(lambda o: f"{o.security.name} xStock")
    issuer = factory.SubFactory(IssuerFactory)
    security = factory.SubFactory(SecurityFactory)
    multiplier = Decimal(1)


class ChainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chain
        django_get_or_create = ("slug",)

    slug = "ethereum"
    kind = Chain.Kind.EVM
    name = "Ethereum"
    chain_id = 1
    # A node is configured (nothing listens there: tests that read a chain start their own);
    # rpc_url="" makes a chain without a node ("not read: no node configured").
    rpc_url = "http://127.0.0.1:9"
    explorer_url = "https://etherscan.io"


class SolanaChainFactory(ChainFactory):
    slug = "solana"
    kind = Chain.Kind.SOLANA
    name = "Solana"
    chain_id = None
    explorer_url = "https://solscan.io"


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    token = factory.SubFactory(TokenFactory)
    chain = factory.SubFactory(ChainFactory)
    address = factory.LazyAttribute(
        lambda o: (
            evm_address(f"{o.chain.slug}:{o.token.symbol}")
            if o.chain.kind == "evm"
            else solana_address(f"{o.chain.slug}:{o.token.symbol}")
        )
    )
    decimals = factory.LazyAttribute(lambda o: 18 if o.chain.kind == "evm" else 8)


class CustodianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Custodian
        django_get_or_create = ("slug",)

    slug = "incore"
    name = "InCore Bank AG"
    country = "CH"


class CustodyAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustodyAccount

    custodian = factory.SubFactory(CustodianFactory)
    account_id = factory.Sequence(lambda n: f"ACC-{n:04d}")
    issuer = factory.SubFactory(IssuerFactory)


def make_catalog(n: int) -> list[Token]:
    """n tokens, each deployed on Ethereum and Solana."""
    eth, sol = ChainFactory(), SolanaChainFactory()
    tokens = TokenFactory.create_batch(n)
    for token in tokens:
        DeploymentFactory(token=token, chain=eth)
        DeploymentFactory(token=token, chain=sol)
    return tokens


# Onboarding ------------------------------------------------------------------

TEST_PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password(TEST_PASSWORD)


class InvestorProfileFactory(factory.django.DjangoModelFactory):
    """A verified investor: user, profile and confirmed e-mail."""

    class Meta:
        model = InvestorProfile

    user = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"Investor Number{n}")
    email_verified_at = factory.LazyFunction(timezone.now)


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    profile = factory.SubFactory(InvestorProfileFactory)
    full_name = factory.LazyAttribute(lambda o: o.profile.full_name)
    date_of_birth = date(1985, 5, 17)
    residence_country = "DE"
    citizenships = ["DE"]
    tax_residences = ["DE"]
    us_citizen = False
    us_green_card = False
    us_resident = False
    us_tax_person = False
    eligible = True
    ip_address = "85.214.1.2"
    ip_country = "DE"


class KycCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KycCase

    declaration = factory.SubFactory(DeclarationFactory)
    user = factory.LazyAttribute(lambda o: o.declaration.profile.user)


def make_officer(username: str = "officer@example.org"):
    """A member of the Compliance group."""
    user = UserFactory(username=username)
    group, _ = Group.objects.get_or_create(name="Compliance")
    user.groups.add(group)
    return user
