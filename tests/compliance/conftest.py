from __future__ import annotations

import pytest

from tests.audit.conftest import _audit_triggers_installed, audit_flushable  # noqa: F401
from tests.factories import KycCaseFactory, make_officer


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(db):
    return make_officer("olivia@example.org")


@pytest.fixture
def second_officer(db):
    return make_officer("oscar@example.org")


@pytest.fixture
def submitted_case(db):
    """An investor's case, submitted (documents are not needed for decisions)."""
    from apps.onboarding.services.cases import transition_case

    case = KycCaseFactory(declaration__profile__full_name="Alice Example")
    return transition_case(case=case, to_state="submitted", actor=case.user)


@pytest.fixture
def high_risk_case(submitted_case):
    from apps.onboarding.models import KycCase

    KycCase.objects.filter(pk=submitted_case.pk).update(
        high_risk=True, risk_reasons=["1 potential sanctions match(es), best score 91.0"]
    )
    submitted_case.refresh_from_db()
    return submitted_case
