"""The eligibility questionnaire: verdict and the append-only declaration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.jurisdictions.models import RuleStatus
from apps.jurisdictions.selectors import rules_for
from apps.onboarding.models import Declaration, InvestorProfile

MINIMUM_AGE = 18
# The reasons a declaration records are kept in English, as written; the fixed ones are
# marked (gettext_noop) so that the investor's pages show them translated.
TOO_YOUNG = gettext_noop("You must be at least 18 years old.")  # MINIMUM_AGE
US_PERSON_REASONS = {
    "us_citizen": gettext_noop(
        "You are a US citizen. The tokens may not be offered to US persons."
    ),
    "us_green_card": gettext_noop(
        "You hold a US green card (lawful permanent residence). The tokens may not be "
        "offered to US persons."
    ),
    "us_resident": gettext_noop(
        "You live in the United States. The tokens may not be offered to US persons."
    ),
    "us_tax_person": gettext_noop(
        "You are a US person for tax purposes. The tokens may not be offered to US persons."
    ),
}


@dataclass(frozen=True)
class Answers:
    full_name: str
    date_of_birth: date
    residence_country: str
    residence_region: str
    citizenships: list[str]
    tax_residences: list[str]
    us_citizen: bool
    us_green_card: bool
    us_resident: bool
    us_tax_person: bool


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def evaluate_eligibility(*, answers: Answers, ip_country: str = "") -> tuple[list[str], list[str]]:
    """(reasons the person is refused, reasons the case needs a closer look).

    Refused: under 18; any US nexus; residence, residence region, citizenship or
    tax residence in a blocked jurisdiction. Closer look: a review-status
    jurisdiction, or an IP country that contradicts the declared residence.
    """
    refused: list[str] = []
    review: list[str] = []
    if _age_on(answers.date_of_birth, timezone.localdate()) < MINIMUM_AGE:
        refused.append(TOO_YOUNG)
    for field, reason in US_PERSON_REASONS.items():
        if getattr(answers, field):
            refused.append(reason)

    places = {
        "residence": [answers.residence_country],
        "citizenship": answers.citizenships,
        "tax residence": answers.tax_residences,
    }
    countries = {c for codes in places.values() for c in codes}
    regions = {answers.residence_region} if answers.residence_region else set()
    rules = rules_for(countries=countries, regions=regions)

    def judge(code: str, what: str) -> None:
        rule = rules.get(code)
        if rule is None:
            return
        if rule.status == RuleStatus.BLOCKED:
            refused.append(f"Your {what} ({code}) is a restricted jurisdiction: {rule.reason}")
        elif rule.status == RuleStatus.REVIEW:
            review.append(f"{what} in {code}: {rule.reason}")

    # A region's own rule replaces its country's for the residence (e.g. UA-43 in UA).
    if answers.residence_region and answers.residence_region in rules:
        judge(answers.residence_region, "region of residence")
        places["residence"] = []
    for what, codes in places.items():
        for code in dict.fromkeys(codes):
            judge(code, what)
    if ip_country and ip_country != answers.residence_country:
        review.append(
            f"connected from {ip_country} but declared residence in {answers.residence_country}"
        )
    return refused, review


@transaction.atomic
def record_declaration(
    *, profile: InvestorProfile, answers: Answers, ip: str | None, ip_country: str
) -> Declaration:
    """Store the questionnaire exactly as answered, with the verdict, time and IP."""
    refused, review = evaluate_eligibility(answers=answers, ip_country=ip_country)
    return Declaration.objects.create(
        profile=profile,
        created_at=timezone.now(),
        ip_address=ip,
        ip_country=ip_country,
        full_name=answers.full_name,
        date_of_birth=answers.date_of_birth,
        residence_country=answers.residence_country,
        residence_region=answers.residence_region,
        citizenships=sorted(set(answers.citizenships)),
        tax_residences=sorted(set(answers.tax_residences)),
        us_citizen=answers.us_citizen,
        us_green_card=answers.us_green_card,
        us_resident=answers.us_resident,
        us_tax_person=answers.us_tax_person,
        eligible=not refused,
        reasons=refused,
        review_reasons=review,
    )
