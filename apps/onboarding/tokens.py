from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens that stop working once the address is verified (PASSWORD_RESET_TIMEOUT)."""

    key_salt = "apps.onboarding.email-verification"

    def _make_hash_value(self, user, timestamp: int) -> str:
        profile = getattr(user, "investor", None)
        verified = profile.email_verified_at if profile else None
        return f"{user.pk}{user.email}{verified}{timestamp}"


email_tokens = EmailVerificationTokenGenerator()
