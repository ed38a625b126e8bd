"""Records the site keeps (public events, alert e-mails to compliance) are written in
English whatever language the request that caused them was in; pages translate around them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone, translation

from apps.reserves.models import Alert, PublicEvent
from apps.reserves.services.email import email_alerts
from apps.reserves.services.events import alert_events
from tests.factories import TokenFactory

pytestmark = pytest.mark.django_db


def test_events_and_alert_mail_stay_english_in_a_chinese_request(settings):
    settings.COMPLIANCE_EMAIL = "compliance@example.org"
    token = TokenFactory(symbol="AAPLx")
    alert = Alert.objects.create(
        token=token,
        condition=Alert.Condition.UNDER_BACKED,
        message="AAPLx: 99.50 % backed",
        raised_at=timezone.now(),
    )
    with translation.override("zh-hant"):
        assert str(Alert.Condition.UNDER_BACKED.label) == "擔保不足"  # the pages translate
        alert_events(raised=[alert])
        email_alerts([alert], now=timezone.now())
    assert PublicEvent.objects.get().title == "AAPLx: Under-backed"
    assert mail.outbox[0].subject == "[reserves] AAPLx: Under-backed"
