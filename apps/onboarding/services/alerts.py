"""E-mails to the compliance officers: written with their cause, sent once after the commit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from apps.onboarding.models import OfficerAlert

MAX_BODY = 20_000  # characters of one alert; the cases are in the back office anyway


def queue_officer_alert(*, key: str, subject: str, lines: list[str]) -> OfficerAlert:
    """Write the alert (once per key) and send it after the commit (task send_officer_alert)."""
    from apps.onboarding.tasks import send_officer_alert

    body = "\n".join(lines)
    if len(body) > MAX_BODY:
        body = body[: MAX_BODY - 40] + "\n… (more in the back office)"
    alert, created = OfficerAlert.objects.get_or_create(
        key=key[:100], defaults={"subject": subject[:200], "body": body}
    )
    if created:
        send_officer_alert.delay_on_commit(alert.pk)
    return alert


def officer_addresses() -> list[str]:
    """COMPLIANCE_EMAIL and every active officer's address, each once."""
    officers = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=settings.COMPLIANCE_GROUP)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(dict.fromkeys([settings.COMPLIANCE_EMAIL, *sorted(officers)]))


def send_officer_alert(*, alert_id: int) -> bool:
    """Send one alert as one e-mail; False when it was sent already (a retried task)."""
    with transaction.atomic():
        claimed = OfficerAlert.objects.filter(pk=alert_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if not claimed:
            return False
        alert = OfficerAlert.objects.get(pk=alert_id)
        # Sent inside the transaction: a failure to send releases the claim for a retry.
        EmailMessage(
            subject=alert.subject,
            body=alert.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=officer_addresses(),
        ).send()
    return True
