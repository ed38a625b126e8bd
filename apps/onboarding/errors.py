from __future__ import annotations


class OnboardingError(ValueError):
    """A request the rules refuse; the message is shown to the person as is."""


class IllegalTransition(OnboardingError):
    """A move of a KYC case that its state machine does not allow."""
