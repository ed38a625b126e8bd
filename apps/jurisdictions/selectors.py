"""Reads of the jurisdiction rules: which rule applies to a place, now."""

from __future__ import annotations

from dataclasses import dataclass

from .models import JurisdictionRule, RuleStatus


@dataclass(frozen=True)
class Verdict:
    status: str  # blocked | review | allowed
    rule: JurisdictionRule | None

    @property
    def blocked(self) -> bool:
        return self.status == RuleStatus.BLOCKED


def rules_for(
    *, countries: set[str], regions: set[str] = frozenset()
) -> dict[str, JurisdictionRule]:
    """The rule in force for each place that has one, keyed by country or region code.

    One indexed query; rules are read on every call, so a rule applies from the
    moment it is saved.
    """
    found: dict[str, JurisdictionRule] = {}
    rules = JurisdictionRule.objects.in_force().for_places(countries, set(regions))
    for rule in rules.order_by("-effective_from", "-id"):
        found.setdefault(rule.place, rule)
    return found


def verdict_for(*, country: str, region: str = "") -> Verdict:
    """A region's own rule wins over its country's; no rule means allowed."""
    rules = rules_for(countries={country}, regions={region} if region else set())
    rule = rules.get(region) if region else None
    rule = rule or rules.get(country)
    return Verdict(rule.status if rule else RuleStatus.ALLOWED, rule)


def country_has_region_rules(country: str) -> bool:
    """True where rules differ between regions of the country (e.g. UA-43 in UA)."""
    return JurisdictionRule.objects.in_force().filter(country=country).exclude(region="").exists()


def rules_in_force():
    """Every rule in force now, with who set it."""
    return JurisdictionRule.objects.in_force().select_related("changed_by")


def rule_history():
    """Every version of every rule, place by place, newest first."""
    return JurisdictionRule.objects.select_related("changed_by").order_by(
        "country", "region", "-effective_from"
    )
