"""Investor accounts: sign-up without account enumeration, e-mail verification."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from apps.onboarding.models import InvestorProfile
from apps.onboarding.tokens import email_tokens

User = get_user_model()

# Turns a site path into an absolute link for an e-mail (request.build_absolute_uri).
Linker = Callable[[str], str]


def normalize_email(email: str) -> str:
    """The address as the username is stored: trimmed, domain and local part lower-cased."""
    return User.objects.normalize_email(email.strip()).lower()


def sign_up(*, email: str, password: str, full_name: str, link: Linker) -> None:
    """Open an account, or tell the owner of an existing one: both answer the same.

    A new address gets an unverified account and a verification link. An address
    that already has an account gets an e-mail saying so (with the log-in and
    password-reset links) and nothing changes; the password is hashed anyway so
    both paths take the same time. Nothing returned tells the two apart.
    """
    email = normalize_email(email)
    exists = User.objects.filter(username__iexact=email).exists()
    if not exists:
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=email, email=email, password=password)
                InvestorProfile.objects.create(
                    user=user,
                    full_name=full_name.strip(),
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                )
        except IntegrityError:  # the same address signed up a moment ago
            exists = True
    if exists:
        make_password(password)
        send_mail(
            subject=_("Someone tried to sign up with your address"),
            message=_(
                "An account with this e-mail address already exists, so no new one was "
                "opened.\n\nLog in: %(login)s\n"
                "Forgot your password? %(reset)s\n\n"
                "If this was not you, you need not do anything."
            )
            % {
                "login": link(reverse("accounts:login")),
                "reset": link(reverse("accounts:password-reset")),
            },
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
        return
    send_verification_email(user=user, link=link)


def send_verification_email(*, user: AbstractBaseUser, link: Linker) -> None:
    """E-mail the one-use link that confirms the address (valid PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = link(reverse("accounts:verify", args=[uid, email_tokens.make_token(user)]))
    send_mail(
        subject=_("Confirm your e-mail address"),
        message=_(
            "Open this link to confirm your e-mail address and continue your application:\n\n"
            "%(url)s\n\nIf you did not sign up, ignore this message."
        )
        % {"url": url},
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def resend_verification(*, user: AbstractBaseUser, link: Linker) -> bool:
    """A new link for an unverified investor; False when there is nothing to verify."""
    profile = InvestorProfile.objects.filter(user=user).first()
    if profile is None or profile.email_verified:
        return False
    send_verification_email(user=user, link=link)
    return True


def mark_email_verified(*, user: AbstractBaseUser) -> InvestorProfile:
    """Record that the investor opened the verification link (once)."""
    profile = user.investor
    if profile.email_verified_at is None:
        profile.email_verified_at = timezone.now()
        profile.save(update_fields=["email_verified_at"])
    return profile
