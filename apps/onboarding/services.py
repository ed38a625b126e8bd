"""Writes for onboarding: accounts, declarations, KYC cases, documents, screening, wallets."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.compliance.models import RuleStatus
from apps.core.identifiers import b58decode, check_evm_address, check_solana_address

from . import sanctions
from .jurisdiction import rules_for
from .models import (
    TRANSITIONS,
    CaseState,
    Declaration,
    DocumentKind,
    InvestorProfile,
    KycCase,
    KycDocument,
    KycTransition,
    SanctionsEntry,
    SanctionsList,
    ScreeningHit,
    Wallet,
    WalletKind,
)

User = get_user_model()
MINIMUM_AGE = 18
US_PERSON_QUESTIONS = {
    "us_citizen": "You are a US citizen.",
    "us_green_card": "You hold a US green card (lawful permanent residence).",
    "us_resident": "You live in the United States.",
    "us_tax_person": "You are a US person for tax purposes.",
}


class OnboardingError(ValueError):
    """A request the rules refuse; the message is shown to the person as is."""


class IllegalTransition(OnboardingError):
    pass


# Accounts -----------------------------------------------------------------


@transaction.atomic
def create_investor(*, email: str, password: str, full_name: str) -> AbstractBaseUser:
    """A new, not yet verified investor account; the e-mail is the username."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(username__iexact=email).exists():
        raise OnboardingError("An account with this e-mail address already exists.")
    user = User.objects.create_user(username=email, email=email, password=password)
    InvestorProfile.objects.create(user=user, full_name=full_name.strip())
    return user


def send_verification_email(*, user: AbstractBaseUser, verify_url: str) -> None:
    send_mail(
        subject="Confirm your e-mail address",
        message=(
            "Open this link to confirm your e-mail address and continue your application:\n\n"
            f"{verify_url}\n\nIf you did not sign up, ignore this message."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def mark_email_verified(*, user: AbstractBaseUser) -> InvestorProfile:
    profile = user.investor
    if profile.email_verified_at is None:
        profile.email_verified_at = timezone.now()
        profile.save(update_fields=["email_verified_at"])
    return profile


def _login_key(username: str, ip: str | None) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip or ''}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_locked(*, username: str, ip: str | None) -> bool:
    """True once LOGIN_MAX_ATTEMPTS failures from this IP for this username are in the window."""
    return cache.get(_login_key(username, ip), 0) >= settings.LOGIN_MAX_ATTEMPTS


def record_login_failure(*, username: str, ip: str | None) -> int:
    key = _login_key(username, ip)
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        return 1


def clear_login_failures(*, username: str, ip: str | None) -> None:
    cache.delete(_login_key(username, ip))


# Eligibility ----------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    full_name: str
    date_of_birth: date
    residence_country: str
    residence_region: str
    citizenships: list[str]
    tax_residences: list[str]
    us_citizen: bool
    us_green_card: bool
    us_resident: bool
    us_tax_person: bool


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def evaluate_eligibility(*, answers: Answers, ip_country: str = "") -> tuple[list[str], list[str]]:
    """(reasons the person is refused, reasons the case needs a closer look).

    Refused: under 18; any US nexus; residence, residence region, citizenship or
    tax residence in a blocked jurisdiction. Closer look: a review-status
    jurisdiction, or an IP country that contradicts the declared residence.
    """
    refused: list[str] = []
    review: list[str] = []
    if _age_on(answers.date_of_birth, timezone.localdate()) < MINIMUM_AGE:
        refused.append(f"You must be at least {MINIMUM_AGE} years old.")
    for field, text in US_PERSON_QUESTIONS.items():
        if getattr(answers, field):
            refused.append(f"{text} The tokens may not be offered to US persons.")

    places = {
        "residence": [answers.residence_country],
        "citizenship": answers.citizenships,
        "tax residence": answers.tax_residences,
    }
    countries = {c for codes in places.values() for c in codes}
    regions = {answers.residence_region} if answers.residence_region else set()
    rules = rules_for(countries=countries, regions=regions)

    def judge(code: str, what: str) -> None:
        rule = rules.get(code)
        if rule is None:
            return
        if rule.status == RuleStatus.BLOCKED:
            refused.append(f"Your {what} ({code}) is a restricted jurisdiction: {rule.reason}")
        elif rule.status == RuleStatus.REVIEW:
            review.append(f"{what} in {code}: {rule.reason}")

    # A region's own rule replaces its country's for the residence (e.g. UA-43 in UA).
    if answers.residence_region and answers.residence_region in rules:
        judge(answers.residence_region, "region of residence")
        places["residence"] = []
    for what, codes in places.items():
        for code in dict.fromkeys(codes):
            judge(code, what)
    if ip_country and ip_country != answers.residence_country:
        review.append(
            f"connected from {ip_country} but declared residence in {answers.residence_country}"
        )
    return refused, review


@transaction.atomic
def record_declaration(
    *, profile: InvestorProfile, answers: Answers, ip: str | None, ip_country: str
) -> Declaration:
    """Store the questionnaire exactly as answered, with the verdict, time and IP."""
    refused, review = evaluate_eligibility(answers=answers, ip_country=ip_country)
    return Declaration.objects.create(
        profile=profile,
        created_at=timezone.now(),
        ip_address=ip,
        ip_country=ip_country,
        full_name=answers.full_name,
        date_of_birth=answers.date_of_birth,
        residence_country=answers.residence_country,
        residence_region=answers.residence_region,
        citizenships=sorted(set(answers.citizenships)),
        tax_residences=sorted(set(answers.tax_residences)),
        us_citizen=answers.us_citizen,
        us_green_card=answers.us_green_card,
        us_resident=answers.us_resident,
        us_tax_person=answers.us_tax_person,
        eligible=not refused,
        reasons=refused,
        review_reasons=review,
    )


# KYC cases ----------------------------------------------------------------


@transaction.atomic
def open_case(*, user: AbstractBaseUser, declaration: Declaration) -> KycCase:
    """The user's open case, attached to this (eligible) declaration, or a new draft."""
    if not declaration.eligible:
        raise OnboardingError("An ineligible declaration cannot start an application.")
    if declaration.profile.user_id != user.pk:
        raise OnboardingError("This declaration belongs to someone else.")
    if KycCase.objects.filter(user=user, state=CaseState.APPROVED).exists():
        raise OnboardingError("You are already an approved investor.")
    case = KycCase.objects.select_for_update().open().filter(user=user).first()
    if case is None:
        return KycCase.objects.create(user=user, declaration=declaration)
    if not case.editable_by_investor:
        raise OnboardingError("Your application is being reviewed and cannot be changed now.")
    case.declaration = declaration
    case.save(update_fields=["declaration"])
    return case


@transaction.atomic
def transition_case(
    *, case: KycCase, to_state: str, actor: AbstractBaseUser | None, note: str = ""
) -> KycCase:
    """Move a case along TRANSITIONS, recording who did it; any other move raises.

    The UPDATE is conditional on the state the move starts from, so two
    concurrent moves cannot both succeed.
    """
    from_state = case.state
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise IllegalTransition(f"A case cannot go from {from_state} to {to_state}.")
    now = timezone.now()
    changes: dict[str, object] = {"state": to_state}
    if to_state == CaseState.SUBMITTED:
        changes["submitted_at"] = now
    if to_state in {CaseState.APPROVED, CaseState.REJECTED}:
        changes["decided_at"] = now
    updated = KycCase.objects.filter(pk=case.pk, state=from_state).update(**changes)
    if updated != 1:
        raise IllegalTransition("The case changed meanwhile; reload it and try again.")
    KycTransition.objects.create(
        case=case, from_state=from_state, to_state=to_state, actor=actor, note=note, created_at=now
    )
    for name, value in changes.items():
        setattr(case, name, value)
    case._loaded_state = to_state
    return case


class PrivateStorage(FileSystemStorage):
    """Files that no URL reaches: served only by views that check permission."""

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no URL; serve them through a permission check")


def kyc_storage() -> PrivateStorage:
    """The KYC directory (settings.KYC_STORAGE_DIR), outside MEDIA_ROOT and STATIC_ROOT."""
    return PrivateStorage(location=str(settings.KYC_STORAGE_DIR))


SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]


def sniff_content_type(head: bytes) -> str | None:
    """The type from the file's first bytes (not its name), or None if not PDF/JPEG/PNG."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


@transaction.atomic
def store_document(
    *, case: KycCase, kind: str, upload: UploadedFile, user: AbstractBaseUser
) -> KycDocument:
    """Check size and content, hash, store privately under a random name, record."""
    if not case.editable_by_investor:
        raise OnboardingError("Documents can be added only before you submit.")
    if kind not in DocumentKind.values:
        raise OnboardingError("Choose the kind of document.")
    limit = settings.KYC_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise OnboardingError(f"The file is larger than {limit // (1024 * 1024)} MB.")
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    if content_type is None:
        raise OnboardingError("Only PDF, JPEG or PNG files are accepted.")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = kyc_storage().save(f"{uuid.uuid4().hex}", upload)
    try:
        return KycDocument.objects.create(
            case=case,
            kind=kind,
            original_name=Path(upload.name or "upload").name[:255],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            storage_name=name,
            uploaded_by=user,
        )
    except Exception:
        kyc_storage().delete(name)
        raise


def can_view_document(*, user: AbstractBaseUser, document: KycDocument) -> bool:
    from apps.compliance.access import is_compliance_officer

    if not user.is_authenticated:
        return False
    return document.case.user_id == user.pk or is_compliance_officer(user)


@transaction.atomic
def submit_case(*, case: KycCase, actor: AbstractBaseUser) -> KycCase:
    """Submit with both documents; screen; a hit or a review reason sends it to review."""
    kinds = set(case.documents.values_list("kind", flat=True))
    missing = [label for value, label in DocumentKind.choices if value not in kinds]
    if missing:
        raise OnboardingError(f"Add your {' and '.join(m.lower() for m in missing)} first.")
    case = transition_case(case=case, to_state=CaseState.SUBMITTED, actor=actor)
    hits = screen_case(case=case)
    reasons = list(case.declaration.review_reasons)
    if hits:
        reasons.append(f"{len(hits)} potential sanctions match(es), best score {hits[0].score}")
    if reasons:
        case.high_risk = True
        case.risk_reasons = reasons
        case.save(update_fields=["high_risk", "risk_reasons"])
    if hits:
        transition_case(
            case=case,
            to_state=CaseState.IN_REVIEW,
            actor=None,
            note="Potential sanctions match: manual review required.",
        )
    return case


# Sanctions ------------------------------------------------------------------


def screen_case(*, case: KycCase) -> list[ScreeningHit]:
    """Match the declared name, birth date and citizenships against every loaded list."""
    declaration = case.declaration
    entries = SanctionsEntry.objects.values_list(
        "id", "name", "aliases", "search_names", "birth_dates", "nationalities"
    )
    candidates: list[sanctions.Candidate] = []
    for pk, name, aliases, search_names, birth_dates, nationalities in entries.iterator(
        chunk_size=2000
    ):
        names = [name, *aliases]
        normalized = search_names if len(search_names) == len(names) else [""] * len(names)
        dob, nat = tuple(birth_dates), tuple(nationalities)
        for listed, norm in zip(names, normalized, strict=True):
            candidates.append(sanctions.Candidate(pk, listed, dob, nat, norm))
    matches = sanctions.score_candidates(
        name=declaration.full_name,
        date_of_birth=declaration.date_of_birth,
        nationalities=set(declaration.citizenships),
        candidates=candidates,
        threshold=float(settings.SANCTIONS_MATCH_THRESHOLD),
    )
    top = matches[: settings.SANCTIONS_MAX_HITS]
    by_id = SanctionsEntry.objects.select_related("sanctions_list").in_bulk(
        [m.entry_id for m in top]
    )
    hits = []
    for match in top:
        entry = by_id[match.entry_id]
        hits.append(
            ScreeningHit(
                case=case,
                entry=entry,
                source=entry.sanctions_list.source,
                external_id=entry.external_id,
                entry_name=entry.name,
                matched_name=match.matched_name,
                entry_snapshot={
                    "name": entry.name,
                    "aliases": entry.aliases,
                    "birth_dates": entry.birth_dates,
                    "nationalities": entry.nationalities,
                    "programs": entry.programs,
                },
                score=str(match.score),
                name_score=str(match.name_score),
            )
        )
    return ScreeningHit.objects.bulk_create(hits)


def load_sanctions(*, path: Path, source: str | None = None) -> SanctionsList:
    """Load a whole list or nothing; a reload of the same source replaces its entries."""
    fmt, parsed = sanctions.parse_file(path)
    source = source or {"ofac_sdn": "ofac-sdn"}.get(fmt, "opensanctions")
    digest = sanctions.file_sha256(path)
    with transaction.atomic():
        SanctionsList.objects.filter(source=source).delete()
        loaded = SanctionsList.objects.create(
            source=source, format=fmt, path=str(path), sha256=digest, entry_count=len(parsed)
        )
        SanctionsEntry.objects.bulk_create(
            [
                SanctionsEntry(
                    sanctions_list=loaded,
                    external_id=e.external_id,
                    schema=e.schema[:40],
                    name=e.name,
                    aliases=e.aliases,
                    birth_dates=e.birth_dates,
                    nationalities=e.nationalities,
                    programs=e.programs,
                    search_names=[sanctions.normalize_name(n) for n in [e.name, *e.aliases]],
                )
                for e in parsed
            ],
            batch_size=1000,  # rows per INSERT; keeps SQLite under its variable limit
        )
    return loaded


# Wallets --------------------------------------------------------------------


def investor_is_approved(*, user: AbstractBaseUser) -> bool:
    return KycCase.objects.filter(user=user, state=CaseState.APPROVED).exists()


@transaction.atomic
def issue_wallet_challenge(*, user: AbstractBaseUser, kind: str, address: str) -> Wallet:
    """A fresh one-time message for the owner of `address` to sign."""
    if not investor_is_approved(user=user):
        raise OnboardingError("Only approved investors can register wallets.")
    try:
        if kind == WalletKind.EVM:
            address = check_evm_address(address.strip())
        elif kind == WalletKind.SOLANA:
            address = check_solana_address(address.strip())
        else:
            raise OnboardingError("Choose EVM or Solana.")
    except ValueError as exc:
        raise OnboardingError(str(exc)) from exc
    if (
        Wallet.objects.filter(kind=kind, address=address, verified_at__isnull=False)
        .exclude(user=user)
        .exists()
    ):
        raise OnboardingError("This address is already registered to another investor.")
    wallet, _ = Wallet.objects.get_or_create(user=user, kind=kind, address=address)
    issued = timezone.now()
    wallet.challenge = (
        f"{settings.SITE_NAME} wallet ownership\n"
        f"Account: {user.pk}\nAddress: {address}\n"
        f"Nonce: {secrets.token_hex(16)}\nIssued: {issued.isoformat()}"
    )
    wallet.challenge_expires_at = issued + timedelta(seconds=settings.WALLET_CHALLENGE_TTL_SECONDS)
    wallet.save(update_fields=["challenge", "challenge_expires_at"])
    return wallet


def _signature_bytes(text: str) -> bytes:
    text = text.strip()
    if text.startswith("0x"):
        return bytes.fromhex(text[2:])
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b58decode(text)


def _signature_valid(wallet: Wallet, signature: str) -> bool:
    message = wallet.challenge.encode()
    try:
        raw = _signature_bytes(signature)
    except ValueError:
        return False
    if wallet.kind == WalletKind.EVM:
        from eth_account import Account
        from eth_account.messages import encode_defunct

        try:
            signer = Account.recover_message(encode_defunct(primitive=message), signature=raw)
        except Exception:  # malformed signatures raise several error types
            return False
        return signer.lower() == wallet.address.lower()
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    if len(raw) != 64:
        return False
    try:
        VerifyKey(b58decode(wallet.address)).verify(message, raw)
    except (BadSignatureError, ValueError):
        return False
    return True


def verify_wallet(*, wallet: Wallet, signature: str) -> Wallet:
    """Accept a signature of the current challenge once; the challenge is spent either way."""
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
        if not wallet.challenge or wallet.challenge_expires_at is None:
            raise OnboardingError("Ask for a new message to sign.")
        expired = wallet.challenge_expires_at <= timezone.now()
        valid = not expired and _signature_valid(wallet, signature)
        wallet.challenge = ""
        wallet.challenge_expires_at = None
        if valid:
            wallet.signature = signature.strip()
            wallet.verified_at = timezone.now()
        wallet.save(update_fields=["challenge", "challenge_expires_at", "signature", "verified_at"])
    # Raised after the commit, so a failed attempt still spends the challenge.
    if expired:
        raise OnboardingError("The message expired; ask for a new one.")
    if not valid:
        raise OnboardingError("The signature does not match this address; ask for a new message.")
    return wallet
