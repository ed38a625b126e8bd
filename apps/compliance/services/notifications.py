"""E-mails to investors about their case."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from apps.onboarding.models import CaseState, KycCase

OUTCOME_TEXT = {
    CaseState.APPROVED: "Your application is approved. You can now register your wallets.",
    CaseState.REJECTED: "Your application was refused.",
    CaseState.MORE_INFO: "We need more information to finish reviewing your application.",
}


def send_outcome_email(*, case_id: int) -> bool:
    """Tell the investor the case's current outcome; False when there is none to tell."""
    case = KycCase.objects.select_related("user").get(pk=case_id)
    text = OUTCOME_TEXT.get(case.state)
    if text is None:
        return False
    last = case.transitions.order_by("-created_at", "-id").first()
    note = last.note if last and last.to_state == case.state and last.note else ""
    body = text + (f"\n\n{note}" if note and case.state != CaseState.APPROVED else "")
    send_mail(
        subject=f"Your application: {case.get_state_display().lower()}",
        message=body + "\n\nDetails are on your application page.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[case.user.email],
    )
    return True
