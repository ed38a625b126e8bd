from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.jurisdictions.models import AccessLogEntry
from apps.jurisdictions.tasks import prune_access_log

pytestmark = pytest.mark.django_db


def test_access_log_entries_past_the_retention_age_are_pruned(settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    old = AccessLogEntry.objects.create(
        country="IR", path="/onboarding/", ip_prefix="x", created_at=now - timedelta(days=31)
    )
    kept = AccessLogEntry.objects.create(
        country="IR", path="/onboarding/", ip_prefix="x", created_at=now - timedelta(days=29)
    )
    assert prune_access_log.delay().get() == 1
    assert list(AccessLogEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()
