"""The investor gives an identity document's expiry date at upload; a past one is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.onboarding.models import KycDocument
from tests.onboarding.conftest import DE_IP, PNG

pytestmark = pytest.mark.django_db


def _upload(client, expires_on: str):
    return client.post(
        "/onboarding/documents/",
        {
            "kind": "identity",
            "file": SimpleUploadedFile("passport.png", PNG),
            "expires_on": expires_on,
        },
        REMOTE_ADDR=DE_IP,
        follow=True,
    )


def test_the_expiry_date_is_kept_with_the_document(client, investor_case, kyc_storage):
    client.force_login(investor_case.user)
    valid = timezone.localdate() + timedelta(days=400)
    page = _upload(client, valid.isoformat()).content.decode()
    assert "Document received." in page
    assert KycDocument.objects.get().expires_on == valid


def test_an_expired_document_is_refused(client, investor_case, kyc_storage):
    client.force_login(investor_case.user)
    past = timezone.localdate() - timedelta(days=1)
    page = _upload(client, past.isoformat()).content.decode()
    assert "This document has expired" in page
    assert not KycDocument.objects.exists()
