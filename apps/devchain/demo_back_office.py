"""The demo world's back office: sample applicants in every state, for an officer to explore.

`seed_back_office()` creates (once; a second run adds only what is missing) fictitious
applicants whose names come from a fixed list and carry "(demo)", at addresses under
DEMO_DOMAIN (a reserved top-level domain: no e-mail can reach them), each through the
site's own services: declaration, case, documents (a PNG and a PDF drawn here, checked by
the site's own parsers), submission and screening, and officers' decisions. A fictitious
one-entry sanctions list (source DEMO_LIST_SOURCE) names one applicant, so a real
screening hit sends that case to review. Two demo officers exist for the four-eyes rule;
every demo account gets a fresh random password at each run, printed by `demo_world`.

Installed only with apps.devchain (the demo world): nothing of it exists elsewhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.context import acting_as
from apps.compliance.services import casework, decisions, second_factor
from apps.onboarding.models import CaseState, InvestorProfile, KycCase, SanctionsList, WalletKind
from apps.onboarding.sanctions import file_sha256
from apps.onboarding.services import cases, documents, eligibility, wallets
from apps.onboarding.services.rescreening import load_sanctions

DEMO_DOMAIN = "demo.invalid"  # RFC 2606: never a real mailbox
DEMO_LIST_SOURCE = "demo-fictitious-list"
DEMO_IP = "192.0.2.10"  # RFC 5737 documentation range
OFFICER = f"officer@{DEMO_DOMAIN}"
SECOND_OFFICER = f"second.officer@{DEMO_DOMAIN}"
DEMO_DEVICE = "demo authenticator"
EXPIRY = date(2031, 6, 30)  # printed on every demo identity document


@dataclass(frozen=True)
class Applicant:
    """One fictitious applicant and the state the demo leaves the case in."""

    key: str
    name: str
    residence: str
    born: date
    state: str
    ip_country: str = ""  # another country than the residence makes the case high-risk


APPLICANTS = (
    Applicant("ada", "Ada Lindqvist (demo)", "SE", date(1988, 2, 14), "draft"),
    Applicant("bruno", "Bruno Carvalho (demo)", "PT", date(1979, 11, 3), "submitted"),
    Applicant("chiara", "Chiara Verdi (demo)", "IT", date(1975, 6, 21), "name_hit"),
    Applicant("dmitri", "Dmitri Nowak (demo)", "PL", date(1990, 9, 9), "second_approval", "CH"),
    Applicant("elena", "Elena Fuentes (demo)", "ES", date(1983, 4, 30), "approved"),
    Applicant("farid", "Farid Haddad (demo)", "FR", date(1969, 1, 17), "rejected"),
    Applicant("greta", "Greta Vogel (demo)", "DE", date(1995, 12, 1), "more_info"),
)
# What each demo state leaves the case in.
STATE_OF = {
    "draft": CaseState.DRAFT,
    "submitted": CaseState.SUBMITTED,
    "name_hit": CaseState.IN_REVIEW,
    "second_approval": CaseState.IN_REVIEW,
    "approved": CaseState.APPROVED,
    "rejected": CaseState.REJECTED,
    "more_info": CaseState.MORE_INFO,
}


@dataclass
class DemoBackOffice:
    password: str
    officers: tuple[str, str] = (OFFICER, SECOND_OFFICER)
    otpauth_url: str = ""  # when COMPLIANCE_REQUIRE_OTP is on
    created: list[str] = field(default_factory=list)  # applicants created by this run
    cases: dict[str, int] = field(default_factory=dict)  # applicant key -> case id

    def lines(self, base_url: str) -> list[str]:
        """What `demo_world` prints: how to log in, and what there is to see."""
        second = (
            f"second factor: scan {self.otpauth_url} in an authenticator app"
            if self.otpauth_url
            else "no second factor (COMPLIANCE_REQUIRE_OTP is off outside production)"
        )
        return [
            f"Back office (demo data): {len(self.cases)} fictitious applicants in every state "
            f"at {base_url}/compliance/?state=all",
            f"  log in at {base_url}/accounts/login/ as {OFFICER} (or {SECOND_OFFICER}, "
            f"for the second approval) with the password {self.password}; {second}",
            f"  demo investors: <first name>@{DEMO_DOMAIN} (e.g. elena@{DEMO_DOMAIN}, approved "
            "with verified wallets), same password",
        ]


def _png(text: str) -> bytes:
    """A small scan-like image saying what it is."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 300), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 471, 291), outline=(40, 60, 90), width=3)
    for row, line in enumerate(text.splitlines()):
        draw.text((24, 24 + 22 * row), line, fill=(20, 30, 50))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pdf(text: str) -> bytes:
    """The same as a one-page PDF (Pillow writes it: an image, nothing active)."""
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(_png(text))).save(out, format="PDF")
    return out.getvalue()


def _demo_list(directory: Path) -> Path:
    """A one-entry FollowTheMoney file: a fictitious listing of one demo applicant."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "demo-sanctions.ftm.json"
    entry = {
        "id": "demo-listed-1",
        "schema": "Person",
        "properties": {
            "name": ["Chiara Verdi (demo)"],
            "birthDate": ["1975"],
            "nationality": ["it"],
            "program": ["Fictitious list of the demo world"],
        },
        "last_change": "2026-01-01T00:00:00",
    }
    path.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    return path


def _account(email: str, password: str, *, officer: bool = False):
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User.objects.create_user(username=email, email=email)
    user.set_password(password)
    user.save(update_fields=["password"])
    if officer:
        group = Group.objects.get(name=settings.COMPLIANCE_GROUP)
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)  # audited as officer.grant
    return user


def _upload(case: KycCase, kind: str, name: str, data: bytes, user) -> None:
    documents.store_document(
        case=case,
        kind=kind,
        upload=SimpleUploadedFile(name, data),
        user=user,
        expires_on=EXPIRY if kind == "identity" else None,
    )


def _evm_wallet(user, seed: str) -> None:
    from eth_account import Account
    from eth_account.messages import encode_defunct

    key = Account.from_key(hashlib.sha256(f"xstocks-demo-wallet:evm:{seed}".encode()).digest())
    wallet = wallets.issue_wallet_challenge(user=user, kind=WalletKind.EVM, address=key.address)
    signature = key.sign_message(encode_defunct(text=wallet.challenge)).signature.hex()
    wallets.verify_wallet(wallet=wallet, signature=signature)


def _solana_wallet(user, seed: str) -> None:
    from solders.keypair import Keypair

    key = Keypair.from_seed(hashlib.sha256(f"xstocks-demo-wallet:solana:{seed}".encode()).digest())
    wallet = wallets.issue_wallet_challenge(
        user=user, kind=WalletKind.SOLANA, address=str(key.pubkey())
    )
    wallets.verify_wallet(wallet=wallet, signature=str(key.sign_message(wallet.challenge.encode())))


def _applicant(spec: Applicant, password: str, officer, second) -> KycCase:
    email = f"{spec.key}@{DEMO_DOMAIN}"
    user = _account(email, password)
    profile = InvestorProfile.objects.create(
        user=user, full_name=spec.name, email_verified_at=timezone.now()
    )
    answers = eligibility.Answers(
        full_name=spec.name,
        date_of_birth=spec.born,
        residence_country=spec.residence,
        residence_region="",
        citizenships=[spec.residence],
        tax_residences=[spec.residence],
        us_citizen=False,
        us_green_card=False,
        us_resident=False,
        us_tax_person=False,
    )
    declaration = eligibility.record_declaration(
        profile=profile, answers=answers, ip=DEMO_IP, ip_country=spec.ip_country or spec.residence
    )
    case = cases.open_case(user=user, declaration=declaration)
    label = f"DEMO - FICTITIOUS\n{spec.name}\nborn {spec.born.isoformat()}\n"
    _upload(case, "identity", "identity-demo.png", _png(label + f"valid until {EXPIRY}"), user)
    if spec.state == "draft":
        return case
    _upload(
        case, "address", "address-demo.pdf", _pdf(label + f"resident in {spec.residence}"), user
    )
    case = cases.submit_case(case=case, actor=user)
    if spec.state == "name_hit":
        casework.claim_case(case=case, officer=officer)
        casework.add_note(
            case=case,
            officer=officer,
            text="Demo note: compare the listed birth year and nationality with the passport.",
        )
    elif spec.state == "second_approval":
        decisions.decide_case(
            case=case,
            officer=second,
            decision="approve",
            reason_code="verified",
            note="Demo: connected from abroad while travelling; documents consistent.",
        )
    elif spec.state in {"approved", "rejected", "more_info"}:
        decision = {"approved": "approve", "rejected": "reject", "more_info": "more_info"}
        notes = {
            "approved": "",
            "rejected": "Demo: the proof of address is for another person.",
            "more_info": "Demo: send a proof of address less than three months old.",
        }
        reasons = {
            "approved": "verified",
            "rejected": "address_unverified",
            "more_info": "address_unverified",
        }
        decisions.decide_case(
            case=case,
            officer=officer,
            decision=decision[spec.state],
            reason_code=reasons[spec.state],
            note=notes[spec.state],
        )
        if spec.state == "approved":
            _evm_wallet(user, spec.key)
            _solana_wallet(user, spec.key)
    case.refresh_from_db()
    return case


def seed_back_office(*, var_dir: Path | None = None) -> DemoBackOffice:
    """Create what is missing of the demo back office and give every demo account a fresh
    password (returned, for `demo_world` to print)."""
    password = secrets.token_urlsafe(12)
    result = DemoBackOffice(password=password)
    with acting_as("demo world"):
        officer = _account(OFFICER, password, officer=True)
        second = _account(SECOND_OFFICER, password, officer=True)
        if settings.COMPLIANCE_REQUIRE_OTP:
            device = TOTPDevice.objects.filter(user=officer, name=DEMO_DEVICE).first()
            if device is None:
                device = second_factor.enrol_totp(user=officer, name=DEMO_DEVICE)
            result.otpauth_url = device.config_url
        listing = _demo_list(Path(var_dir or settings.VAR_DIR) / "demo")
        if not SanctionsList.objects.filter(
            source=DEMO_LIST_SOURCE, sha256=file_sha256(listing)
        ).exists():
            load_sanctions(
                path=listing,
                source=DEMO_LIST_SOURCE,
                version="demo-1",
                published_on=date(2026, 1, 1),
            )
        for spec in APPLICANTS:
            email = f"{spec.key}@{DEMO_DOMAIN}"
            existing = KycCase.objects.filter(user__username=email).order_by("-id").first()
            if existing is not None:
                _account(email, password)
                result.cases[spec.key] = existing.pk
                continue
            with transaction.atomic():
                case = _applicant(spec, password, officer, second)
            result.cases[spec.key] = case.pk
            result.created.append(spec.key)
    return result
