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


def access_suspended(*, user: AbstractBaseUser) -> bool:
    """An approved investor whose case was reopened and is not decided yet."""
    return (
        KycCase.objects.filter(user=user, access_suspended_at__isnull=False)
        .exclude(state__in=[CaseState.APPROVED, CaseState.REJECTED])
        .exists()
    )


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
