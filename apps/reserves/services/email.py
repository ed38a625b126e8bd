"""E-mailing reserve alerts to the compliance address."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from apps.reserves.models import Alert

logger = logging.getLogger("apps.reserves.services")


@translation.override(settings.LANGUAGE_CODE)  # to the compliance address: English
def email_alerts(alerts: list[Alert], *, now: dt.datetime) -> None:
    """One e-mail to the compliance address for the alerts just raised, marked as sent."""
    subject = (
        f"[reserves] {alerts[0].token.symbol}: {alerts[0].get_condition_display()}"
        if len(alerts) == 1
        else f"[reserves] {len(alerts)} backing alerts raised"
    )
    try:
        send_mail(
            subject,
            "\n".join(a.message for a in alerts) + "\n",
            settings.DEFAULT_FROM_EMAIL,
            [settings.COMPLIANCE_EMAIL],
        )
    except OSError:
        logger.exception("could not e-mail %d reserve alerts", len(alerts))
        return
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(emailed_at=now)
