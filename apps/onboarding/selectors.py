"""Reads of the onboarding app: the investor's pages and who may see a document."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from apps.core.staff import Access, staff_access

from .models import (
    CaseState,
    Declaration,
    InvestorProfile,
    KycCase,
    KycDocument,
    KycTransition,
    Wallet,
)


def investor_profile(user: AbstractBaseUser) -> InvestorProfile | None:
    return InvestorProfile.objects.filter(user=user).first()


def investor_is_approved(*, user: AbstractBaseUser) -> bool:
    return KycCase.objects.filter(user=user, state=CaseState.APPROVED).exists()


_UNREAD = object()


def latest_case(user: AbstractBaseUser) -> KycCase | None:
    """The user's latest case, read once per user object (a request's user): the gate's
    suspension check and the investor pages' standing share the one query."""
    cached = getattr(user, "_latest_kyc_case", _UNREAD)
    if cached is _UNREAD:
        cached = KycCase.objects.filter(user=user).order_by("-created_at", "-id").first()
        user._latest_kyc_case = cached
    return cached


def access_suspended(*, user: AbstractBaseUser) -> bool:
    """An approved investor whose case was reopened and is not decided yet."""
    case = latest_case(user)
    return case is not None and case.access_suspended


@dataclass(frozen=True)
class Dashboard:
    profile: InvestorProfile | None
    declaration: Declaration | None
    case: KycCase | None
    transitions: list[KycTransition]
    outcome: KycTransition | None


def dashboard(user: AbstractBaseUser) -> Dashboard:
    """The investor's profile, latest declaration, latest case with documents and history."""
    profile = investor_profile(user)
    case = (
        KycCase.objects.filter(user=user)
        .select_related("declaration")
        .prefetch_related("documents", "transitions")
        .order_by("-created_at", "-id")
        .first()
    )
    declaration = profile.declarations.first() if profile else None
    transitions = list(case.transitions.all()) if case else []
    # Internal notes (why a review was opened) are for officers only.
    outcome = transitions[-1] if transitions and transitions[-1].investor_note else None
    return Dashboard(profile, declaration, case, transitions, outcome)


def own_open_case(user: AbstractBaseUser) -> KycCase | None:
    return KycCase.objects.open().filter(user=user).select_related("declaration").first()


def wallets_of(user: AbstractBaseUser) -> QuerySet[Wallet]:
    return Wallet.objects.filter(user=user).order_by("created_at")


def document_for(pk: int) -> KycDocument | None:
    return KycDocument.objects.select_related("case").filter(pk=pk).first()


def document_access(request, document: KycDocument) -> Access:
    """The owner may read their document; staff may once their second factor is confirmed;
    anyone else is refused as if it did not exist (the view answers 404)."""
    user = request.user
    if not user.is_authenticated:
        return Access.LOGIN
    if document.case.user_id == user.pk:
        return Access.GRANTED
    return staff_access(request)


def verified_wallets_of(user: AbstractBaseUser) -> QuerySet[Wallet]:
    """The wallets whose ownership the investor proved, oldest first."""
    return Wallet.objects.filter(user=user, verified_at__isnull=False).order_by("verified_at", "pk")


def readable_wallets(*, wallet_ids: list[int] | None = None) -> QuerySet[Wallet]:
    """Verified wallets of approved investors (all of them, or those of `wallet_ids`): the
    wallets whose holdings the site reads."""
    qs = Wallet.objects.allowlist()
    return qs.filter(pk__in=wallet_ids) if wallet_ids is not None else qs


@dataclass(frozen=True)
class Standing:
    """Whether a user may use the pages of approved investors, and if not, why.

    `reason` is a code the page turns into words: no_profile, email_unverified, no_case,
    or the state of the latest case (draft, submitted, in_review, more_info, rejected).
    """

    approved: bool
    reason: str = ""
    case: KycCase | None = None


def investor_standing(user: AbstractBaseUser) -> Standing:
    """The investor's latest case decides: approved only while it is the approved one (a
    case opened later, such as a review, suspends the investor pages until it is decided)."""
    profile = investor_profile(user)
    if profile is None:
        return Standing(approved=False, reason="no_profile")
    if not profile.email_verified:
        return Standing(approved=False, reason="email_unverified")
    case = latest_case(user)
    if case is None:
        return Standing(approved=False, reason="no_case")
    if case.state == CaseState.APPROVED:
        return Standing(approved=True, case=case)
    return Standing(approved=False, reason=case.state, case=case)
