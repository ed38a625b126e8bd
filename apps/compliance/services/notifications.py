"""E-mails to investors about their case."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.onboarding.models import CaseState, KycCase

OUTCOME_TEXT = {
    CaseState.APPROVED: _("Your application is approved. You can now register your wallets."),
    CaseState.REJECTED: _("Your application was refused."),
    CaseState.MORE_INFO: _("We need more information to finish reviewing your application."),
}


def send_outcome_email(*, case_id: int) -> bool:
    """Tell the investor the case's current outcome; False when there is none to tell."""
    case = KycCase.objects.select_related("user__investor").get(pk=case_id)
    text = OUTCOME_TEXT.get(case.state)
    if text is None:
        return False
    last = case.transitions.order_by("-created_at", "-id").first()
    note = last.note if last and last.to_state == case.state and last.note else ""
    # The investor's language (from sign-up), whatever the officer's; the note as written.
    profile = getattr(case.user, "investor", None)
    language = (profile.language if profile else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        body = str(text) + (f"\n\n{note}" if note and case.state != CaseState.APPROVED else "")
        subject = gettext("Your application: %(state)s") % {
            "state": str(case.get_state_display()).lower()
        }
        details = gettext("Details are on your application page.")
    send_mail(
        subject=subject,
        message=body + "\n\n" + details,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[case.user.email],
    )
    return True
