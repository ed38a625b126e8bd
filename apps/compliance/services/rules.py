"""Jurisdiction rules: putting a rule in force and ending one, both audited."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.audit.services import record
from apps.compliance.errors import ComplianceError
from apps.core.staff import is_compliance_officer
from apps.jurisdictions.models import JurisdictionRule
from apps.jurisdictions.versions import bump_rules_version


def _snapshot(rule: JurisdictionRule) -> dict[str, str | None]:
    return {
        "country": rule.country,
        "region": rule.region,
        "status": rule.status,
        "reason": rule.reason,
        "legal_basis": rule.legal_basis,
        "effective_from": rule.effective_from.isoformat(),
        "effective_to": rule.effective_to.isoformat() if rule.effective_to else None,
    }


@transaction.atomic
def set_rule(
    *,
    officer: AbstractBaseUser,
    country: str,
    region: str = "",
    status: str,
    reason: str,
    legal_basis: str,
    ip: str | None = None,
) -> JurisdictionRule:
    """End the rule in force for the place (if any) and put a new one in force now."""
    if not is_compliance_officer(officer):
        raise ComplianceError("Only compliance officers change jurisdiction rules.")
    now = timezone.now()
    rule = JurisdictionRule(
        country=country,
        region=region,
        status=status,
        reason=reason.strip(),
        legal_basis=legal_basis.strip(),
        effective_from=now,
        changed_by=officer,
    )
    rule.full_clean(exclude=["changed_by"])
    current = (
        JurisdictionRule.objects.in_force(now)
        .select_for_update()
        .filter(country=rule.country, region=rule.region)
        .first()
    )
    before = None
    if current is not None:
        before = _snapshot(current)
        current.effective_to = now
        current.save(update_fields=["effective_to"])
    rule.save()
    record(actor=officer, action="rule.set", obj=rule, before=before, after=_snapshot(rule), ip=ip)
    transaction.on_commit(bump_rules_version)
    return rule


@transaction.atomic
def end_rule(
    *, officer: AbstractBaseUser, rule_id: int, reason: str, ip: str | None = None
) -> JurisdictionRule:
    """End a rule now; the place falls back to its country's rule, or to allowed."""
    if not is_compliance_officer(officer):
        raise ComplianceError("Only compliance officers change jurisdiction rules.")
    if not reason.strip():
        raise ComplianceError("Say why the rule ends.")
    rule = JurisdictionRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise ComplianceError("No such rule.")
    now = timezone.now()
    if rule.effective_to is not None and rule.effective_to <= now:
        raise ComplianceError("This rule has already ended.")
    before = _snapshot(rule)
    rule.effective_to = now
    rule.save(update_fields=["effective_to"])
    record(
        actor=officer,
        action="rule.end",
        obj=rule,
        before=before,
        after={**_snapshot(rule), "reason_for_ending": reason.strip()},
        ip=ip,
    )
    transaction.on_commit(bump_rules_version)
    return rule
