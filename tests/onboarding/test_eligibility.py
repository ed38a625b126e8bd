from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from apps.jurisdictions.models import JurisdictionRule
from apps.onboarding import errors
from apps.onboarding.models import AppendOnlyError, Declaration, KycCase
from apps.onboarding.services import cases, eligibility
from tests.factories import InvestorProfileFactory
from tests.onboarding.conftest import DE_IP, US_IP

pytestmark = pytest.mark.django_db


def _answers(**overrides) -> eligibility.Answers:
    values = {
        "full_name": "Alice Example",
        "date_of_birth": date(1985, 5, 17),
        "residence_country": "DE",
        "residence_region": "",
        "citizenships": ["DE"],
        "tax_residences": ["DE"],
        "us_citizen": False,
        "us_green_card": False,
        "us_resident": False,
        "us_tax_person": False,
    }
    values.update(overrides)
    return eligibility.Answers(**values)


def _form(**overrides) -> dict:
    data = {
        "full_name": "Alice Example",
        "date_of_birth": "1985-05-17",
        "residence_country": "DE",
        "residence_region": "",
        "citizenships": ["DE"],
        "tax_residences": ["DE"],
        "us_citizen": "no",
        "us_green_card": "no",
        "us_resident": "no",
        "us_tax_person": "no",
    }
    data.update(overrides)
    return data


def test_resident_of_germany_is_eligible():
    refused, review = eligibility.evaluate_eligibility(answers=_answers(), ip_country="DE")
    assert refused == [] and review == []


def test_us_resident_is_refused_with_the_reason():
    refused, _ = eligibility.evaluate_eligibility(
        answers=_answers(residence_country="US", us_resident=True)
    )
    assert any("live in the United States" in r for r in refused)
    assert any("(US) is a restricted jurisdiction" in r for r in refused)


@pytest.mark.parametrize("field", ["us_citizen", "us_green_card", "us_tax_person"])
def test_any_us_nexus_is_refused(field):
    refused, _ = eligibility.evaluate_eligibility(answers=_answers(**{field: True}))
    assert len(refused) == 1 and "US persons" in refused[0]


def test_citizen_of_restricted_country_living_elsewhere_is_refused():
    refused, _ = eligibility.evaluate_eligibility(answers=_answers(citizenships=["DE", "IR"]))
    assert refused == [
        "Your citizenship (IR) is a restricted jurisdiction: Iran is under comprehensive sanctions."
    ]


def test_us_territory_tax_residence_is_refused():
    refused, _ = eligibility.evaluate_eligibility(answers=_answers(tax_residences=["DE", "PR"]))
    assert "tax residence (PR)" in refused[0]


def test_crimea_resident_is_refused_but_kyiv_resident_is_not():
    refused, _ = eligibility.evaluate_eligibility(
        answers=_answers(residence_country="UA", residence_region="UA-43", citizenships=["UA"])
    )
    assert refused and "region of residence (UA-43)" in refused[0]
    refused, _ = eligibility.evaluate_eligibility(
        answers=_answers(residence_country="UA", residence_region="UA-30", citizenships=["UA"])
    )
    assert refused == []


def test_minor_is_refused():
    today = timezone.localdate()
    born = date(today.year - 17, today.month, 1)
    refused, _ = eligibility.evaluate_eligibility(answers=_answers(date_of_birth=born))
    assert refused == ["You must be at least 18 years old."]


def test_review_rule_and_ip_mismatch_need_a_closer_look():
    JurisdictionRule.objects.create(
        country="AE", status="review", reason="Enhanced due diligence", legal_basis="Policy 4.2"
    )
    refused, review = eligibility.evaluate_eligibility(
        answers=_answers(citizenships=["DE", "AE"]), ip_country="FR"
    )
    assert refused == []
    assert review == [
        "citizenship in AE: Enhanced due diligence",
        "connected from FR but declared residence in DE",
    ]


def test_declaration_is_kept_as_answered_and_never_edited():
    profile = InvestorProfileFactory()
    declaration = eligibility.record_declaration(
        profile=profile, answers=_answers(us_citizen=True), ip="85.214.132.117", ip_country="DE"
    )
    assert declaration.eligible is False and declaration.us_citizen is True
    assert declaration.ip_address == "85.214.132.117"
    declaration.us_citizen = False
    with pytest.raises(AppendOnlyError):
        declaration.save()
    with pytest.raises(AppendOnlyError):
        declaration.delete()
    assert Declaration.objects.get().us_citizen is True


def test_eligibility_page_refuses_us_person_with_reason_and_no_way_round(client):
    profile = InvestorProfileFactory()
    client.force_login(profile.user)
    response = client.post(
        "/onboarding/eligibility/",
        _form(residence_country="US", us_resident="yes"),
        REMOTE_ADDR=DE_IP,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "You are not eligible" in body
    assert "You live in the United States." in body
    assert not KycCase.objects.exists()
    declaration = Declaration.objects.get()
    assert declaration.ip_address == DE_IP and declaration.ip_country == "DE"


def test_eligibility_page_opens_a_case_for_an_eligible_investor(client):
    profile = InvestorProfileFactory()
    client.force_login(profile.user)
    response = client.post("/onboarding/eligibility/", _form(), REMOTE_ADDR=DE_IP)
    assert response.status_code == 302
    case = KycCase.objects.get(user=profile.user)
    assert case.state == "draft" and case.declaration.eligible
    # Answering again records a new declaration and keeps the same open case.
    client.post("/onboarding/eligibility/", _form(citizenships=["DE", "AT"]), REMOTE_ADDR=DE_IP)
    assert Declaration.objects.count() == 2
    assert KycCase.objects.get().declaration.citizenships == ["AT", "DE"]


def test_region_must_belong_to_the_country(client):
    profile = InvestorProfileFactory()
    client.force_login(profile.user)
    response = client.post(
        "/onboarding/eligibility/", _form(residence_region="UA-43"), REMOTE_ADDR=DE_IP
    )
    assert response.status_code == 200
    assert "UA-43 is not a region of DE." in response.content.decode()
    assert not Declaration.objects.exists()


def test_unverified_email_cannot_answer(client):
    profile = InvestorProfileFactory(email_verified_at=None)
    client.force_login(profile.user)
    response = client.post("/onboarding/eligibility/", _form(), REMOTE_ADDR=DE_IP)
    assert response.status_code == 302 and response.url == "/onboarding/"
    assert not Declaration.objects.exists()


def test_eligibility_from_blocked_ip_is_451_and_records_nothing(client):
    profile = InvestorProfileFactory()
    client.force_login(profile.user)
    response = client.post("/onboarding/eligibility/", _form(), REMOTE_ADDR=US_IP)
    assert response.status_code == 451
    assert not Declaration.objects.exists()


def test_approved_investor_does_not_start_a_second_case():
    from tests.factories import KycCaseFactory

    case = KycCaseFactory()
    for state in ("submitted", "in_review", "approved"):
        cases.transition_case(case=case, to_state=state, actor=None)
    declaration = eligibility.record_declaration(
        profile=case.declaration.profile, answers=_answers(), ip=None, ip_country=""
    )
    with pytest.raises(errors.OnboardingError, match="already an approved investor"):
        cases.open_case(user=case.user, declaration=declaration)
    assert KycCase.objects.count() == 1


def test_ukrainian_resident_must_give_a_region(client):
    profile = InvestorProfileFactory()
    client.force_login(profile.user)
    form = _form(residence_country="UA", citizenships=["UA"], tax_residences=["UA"])
    response = client.post("/onboarding/eligibility/", form, REMOTE_ADDR=DE_IP)
    assert "Rules differ between regions of UA" in response.content.decode()
    assert not Declaration.objects.exists()
    response = client.post(
        "/onboarding/eligibility/", {**form, "residence_region": "ua-43"}, REMOTE_ADDR=DE_IP
    )
    assert "You are not eligible" in response.content.decode()
    assert Declaration.objects.get().residence_region == "UA-43"
