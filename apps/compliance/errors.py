from __future__ import annotations


class ComplianceError(ValueError):
    """A refused back-office action; the message is shown to the officer."""


class FourEyesError(ComplianceError):
    """A second approval of a high-risk case by the officer who gave the first."""
