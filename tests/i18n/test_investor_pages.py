"""Investors' pages in Traditional Chinese: accounts, onboarding, wallets, holdings."""

from __future__ import annotations

import pytest

from apps.onboarding.models import Declaration
from apps.onboarding.services import cases
from tests.factories import InvestorProfileFactory, KycCaseFactory
from tests.i18n.checks import english_left
from tests.onboarding.conftest import DE_IP, _mmdb_file, geoip_db  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hant"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def approved(db):
    case = KycCaseFactory(declaration__profile__full_name="Alice Example")
    for state in ("submitted", "in_review", "approved"):
        cases.transition_case(case=case, to_state=state, actor=None)
    return case.user


@pytest.fixture
def draft(db):
    return KycCaseFactory(declaration__profile__full_name="Dora Draft").user


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/"]
)
def test_account_pages_are_in_chinese(client, url):
    response = client.get(url, **ZH)
    assert response.status_code == 200
    assert '<html lang="zh-Hant">' in response.content.decode()
    assert english_left(response) == []


@pytest.mark.parametrize(
    ("user", "url", "words", "status"),
    [
        ("draft", "/onboarding/", "我的申請", 200),
        ("draft", "/onboarding/eligibility/", "法定全名", 200),
        ("draft", "/portfolio/", "申請獲核准後即會顯示持倉", 403),
        ("approved", "/onboarding/", "登記您的錢包", 200),
        ("approved", "/onboarding/wallets/", "取得待簽訊息", 200),
        ("approved", "/portfolio/", "尚無已驗證的錢包", 200),
    ],
)
def test_investor_pages_are_in_chinese(client, request, user, url, words, status):
    client.force_login(request.getfixturevalue(user))
    response = client.get(url, REMOTE_ADDR=DE_IP, **ZH)
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="zh-Hant">' in html and words in html
    assert english_left(response) == []


def test_form_errors_and_messages_are_in_chinese(client, draft):
    client.force_login(draft)
    response = client.post(
        "/onboarding/eligibility/", {"residence_region": "XX-99"}, REMOTE_ADDR=DE_IP, **ZH
    )
    html = response.content.decode()
    assert "此為必需欄位。" in html  # Django's own messages, in Chinese too
    assert "XX-99 不是 ISO 3166-2 行政區代碼。" in html
    assert "德國" in html  # country names from pycountry's Traditional Chinese


def test_the_jurisdiction_gate_refuses_in_chinese(client, draft):
    client.force_login(draft)
    response = client.get("/onboarding/", REMOTE_ADDR="2002:c000:0204::1", **ZH)  # 6to4
    assert response.status_code == 403
    html = response.content.decode()
    assert "我們無法判定您的連線來源" in html and "IPv6 通道" in html
    assert english_left(response) == []


def test_the_recorded_reasons_stay_english_and_read_in_chinese(client, db):
    profile = InvestorProfileFactory()
    client.force_login(profile.user)
    answers = {
        "full_name": "Lin Example",
        "date_of_birth": "1985-05-17",
        "residence_country": "US",
        "citizenships": ["TW"],
        "tax_residences": ["TW"],
        "us_citizen": "no",
        "us_green_card": "no",
        "us_resident": "yes",
        "us_tax_person": "no",
    }
    response = client.post("/onboarding/eligibility/", answers, REMOTE_ADDR=DE_IP, **ZH)
    html = response.content.decode()
    assert "您不符資格" in html and "您居住在美國。代幣不得向美國人士提供。" in html
    assert Declaration.objects.get().reasons[0] == (
        "You live in the United States. The tokens may not be offered to US persons."
    )
