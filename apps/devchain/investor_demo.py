"""The demo world's investor: an approved account whose verified wallets hold tokens on the
local chains, so /portfolio/ has figures to show.

Only the demo world creates it (apps.devchain is never installed in production). It goes
through the site's own services: sign-up facts, a confirmed address, an eligible
declaration, two generated demo documents, a submitted case, then an approval recorded
with a note saying it is simulated. Its wallets are proven like anyone's: keys generated
here sign the site's challenges, which apps.onboarding.services.wallets checks. The keys
are then dropped: the issuer mints to the addresses, nothing needs signing again.

    investor = ensure_demo_investor()        # idempotent; a new password every call
    give_evm_holdings(nodes, investor.evm_address)
    # the Solana holdings are minted by `solana_devnet --holder <investor.solana_address>`
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from eth_account import Account
from eth_account.messages import encode_defunct
from nacl.signing import SigningKey
from web3 import Web3

from apps.catalog.models import Chain, Deployment
from apps.core.identifiers import b58encode
from apps.onboarding.models import CaseState, InvestorProfile, Wallet, WalletKind
from apps.onboarding.selectors import investor_is_approved
from apps.onboarding.services import cases, documents, wallets
from apps.onboarding.services.accounts import mark_email_verified
from apps.onboarding.services.eligibility import Answers, record_declaration

from . import evm_world

logger = logging.getLogger(__name__)

DEMO_INVESTOR_EMAIL = "demo.investor@xstocks.local"
DEMO_INVESTOR_NAME = "Demo Investor (simulated)"
APPROVAL_NOTE = "Demo world: a simulated investor, approved without a review."
# Whole tokens the demo investor holds (simulated figures), on the canonical EVM deployment
# and on Solana: AAPLx and SPYx on both chains, so /portfolio/ shows sums across chains.
DEMO_EVM_HOLDINGS = {"AAPLx": Decimal("12.5"), "NVDAx": Decimal(40), "SPYx": Decimal("3.25")}
DEMO_SOLANA_HOLDINGS = {"AAPLx": Decimal("7.5"), "TSLAx": Decimal(20), "SPYx": Decimal("1.75")}


@dataclass(frozen=True)
class DemoInvestor:
    email: str
    password: str  # set anew by every ensure_demo_investor()
    evm_address: str
    solana_address: str


def ensure_demo_investor() -> DemoInvestor:
    """The demo investor, approved, with a verified EVM and Solana wallet; created on the
    first call, reused after. Its password is a new random one each time (printed by the
    demo world, never stored in clear)."""
    User = get_user_model()
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=DEMO_INVESTOR_EMAIL, defaults={"email": DEMO_INVESTOR_EMAIL}
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        profile, _ = InvestorProfile.objects.get_or_create(
            user=user, defaults={"full_name": DEMO_INVESTOR_NAME}
        )
        mark_email_verified(user=user)
        if not investor_is_approved(user=user):
            _approve(user, profile)
    if created:
        logger.info("demo investor %s created", DEMO_INVESTOR_EMAIL)
    return DemoInvestor(
        email=DEMO_INVESTOR_EMAIL,
        password=password,
        evm_address=_verified_wallet(user, WalletKind.EVM),
        solana_address=_verified_wallet(user, WalletKind.SOLANA),
    )


def _approve(user: object, profile: InvestorProfile) -> None:
    declaration = record_declaration(
        profile=profile,
        answers=Answers(
            full_name=DEMO_INVESTOR_NAME,
            date_of_birth=dt.date(1980, 1, 1),
            residence_country="DE",
            residence_region="",
            citizenships=["DE"],
            tax_residences=["DE"],
            us_citizen=False,
            us_green_card=False,
            us_resident=False,
            us_tax_person=False,
        ),
        ip=None,
        ip_country="",
    )
    case = cases.open_case(user=user, declaration=declaration)
    for kind, name, content_type, data in (
        ("identity", "demo-identity.png", "image/png", _demo_png()),
        ("address", "demo-proof-of-address.pdf", "application/pdf", _demo_pdf()),
    ):
        if not case.documents.filter(kind=kind).exists():
            upload = SimpleUploadedFile(name, data, content_type=content_type)
            documents.store_document(case=case, kind=kind, upload=upload, user=user)
    case = cases.submit_case(case=case, actor=user)
    if case.state == CaseState.SUBMITTED:
        case = cases.transition_case(case=case, to_state=CaseState.IN_REVIEW, actor=None)
    cases.transition_case(case=case, to_state=CaseState.APPROVED, actor=None, note=APPROVAL_NOTE)


def _demo_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), (230, 230, 230)).save(out, format="PNG")
    return out.getvalue()


def _demo_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _verified_wallet(user: object, kind: str) -> str:
    """The address of the investor's verified wallet of this kind, proven now if missing."""
    wallet = Wallet.objects.filter(user=user, kind=kind, verified_at__isnull=False).first()
    if wallet is not None:
        return wallet.address
    if kind == WalletKind.EVM:
        account = Account.create()
        wallet = wallets.issue_wallet_challenge(user=user, kind=kind, address=account.address)
        signed = account.sign_message(encode_defunct(text=wallet.challenge))
        signature = signed.signature.hex()
    else:
        key = SigningKey.generate()
        address = b58encode(bytes(key.verify_key))
        wallet = wallets.issue_wallet_challenge(user=user, kind=kind, address=address)
        signature = b58encode(key.sign(wallet.challenge.encode()).signature)
    return wallets.verify_wallet(wallet=wallet, signature=signature).address


def give_evm_holdings(nodes: dict[str, Web3], address: str) -> list[str]:
    """Mint DEMO_EVM_HOLDINGS to `address` on the canonical deployment of each token on these
    local chains, unless it already holds some there (their state persists across runs)."""
    given = []
    deployments = Deployment.objects.filter(
        token__symbol__in=DEMO_EVM_HOLDINGS,
        chain__slug__in=nodes,
        chain__kind=Chain.Kind.EVM,
        role=Deployment.Role.CANONICAL,
    ).select_related("token", "chain")
    for d in deployments:
        w3 = nodes[d.chain.slug]
        if not evm_world.has_code(w3, d.address):
            continue
        if evm_world.token(w3, d.address).functions.balanceOf(address).call() > 0:
            continue
        amount = DEMO_EVM_HOLDINGS[d.token.symbol]
        evm_world.mint(w3, d.address, address, amount)
        given.append(f"{amount} {d.token.symbol} on {d.chain.slug}")
    return given
