"""Compliance back office views. Every view is for the Compliance group only."""

from __future__ import annotations

import csv
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from apps.onboarding.geo import client_ip
from apps.onboarding.models import CaseState, KycCase, Wallet

from . import audit, reports, services
from .access import compliance_required, is_compliance_officer
from .forms import (
    SORTS,
    AccessLogFilterForm,
    AuditExportForm,
    DecisionForm,
    QueueFilterForm,
    RuleForm,
)
from .models import AccessLogEntry, JurisdictionRule

ALLOWLIST_FIELDS = ["kind", "address", "investor_id", "verified_at"]
QUEUE_PAGE_SIZE = 100  # cases per page of the queue
ACCESS_LOG_PAGE_SIZE = 500  # newest blocked requests shown


def _state_counts() -> dict[str, int]:
    counts = dict(KycCase.objects.values_list("state").annotate(n=Count("id")).order_by())
    return {value: counts.get(value, 0) for value, _label in CaseState.choices}


@never_cache
@vary_on_headers("HX-Request")
@require_GET
@compliance_required
def queue(request: HttpRequest) -> HttpResponse:
    """Cases by state, country and risk, oldest submission first; htmx swaps the table."""
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = KycCase.objects.for_queue()
    state = filters.get("state", "")
    if state == "":
        cases = cases.open().exclude(state=CaseState.DRAFT)
    elif state != "all":
        cases = cases.filter(state=state)
    if filters.get("country"):
        cases = cases.filter(declaration__residence_country=filters["country"])
    if filters.get("risk"):
        cases = cases.filter(high_risk=filters["risk"] == "high")
    if filters.get("age") == "overdue":
        deadline = timezone.now() - timedelta(days=settings.KYC_REVIEW_DEADLINE_DAYS)
        cases = cases.filter(
            state__in=[CaseState.SUBMITTED, CaseState.IN_REVIEW], submitted_at__lt=deadline
        )
    cases = cases.order_by(*SORTS[filters.get("sort") or "oldest"])
    counts = _state_counts()
    context = {
        "form": form,
        "cases": list(cases[:QUEUE_PAGE_SIZE]),
        "counts": [(label, value, counts[value]) for value, label in CaseState.choices],
        "now": timezone.now(),
    }
    template = "compliance/queue.html#queue-table" if request.htmx else "compliance/queue.html"
    return render(request, template, context)


@never_cache
@require_GET
@compliance_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(KycCase.objects.for_queue(), pk=pk)
    profile = case.declaration.profile
    context = {
        "case": case,
        "declarations": profile.declarations.all(),
        "documents": case.documents.all(),
        "hits": case.screening_hits.all(),
        "transitions": case.transitions.select_related("actor"),
        "decisions": case.decisions.select_related("officer"),
        "wallets": Wallet.objects.filter(user=case.user),
        "form": DecisionForm(),
    }
    return render(request, "compliance/case_detail.html", context)


@require_POST
@compliance_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(KycCase, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a decision and a reason.")
        return redirect("compliance:case", pk=pk)
    try:
        outcome = services.decide_case(
            case=case,
            officer=request.user,
            decision=form.cleaned_data["decision"],
            reason_code=form.cleaned_data["reason_code"],
            note=form.cleaned_data["note"],
            ip=client_ip(request),
        )
    except services.ComplianceError as exc:
        messages.error(request, str(exc))
    else:
        if outcome.pending_second_approval:
            messages.success(request, "Approval recorded: a second officer must approve.")
        else:
            messages.success(request, f"Case is now {outcome.case.get_state_display().lower()}.")
    return redirect("compliance:case", pk=pk)


@never_cache
@require_http_methods(["GET", "POST"])
@compliance_required
def rules(request: HttpRequest) -> HttpResponse:
    """Rules in force, the full history, and a form that puts a new rule in force now."""
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_rule(officer=request.user, ip=client_ip(request), **form.cleaned_data)
        except (services.ComplianceError, ValidationError) as exc:
            form.add_error(None, "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "Rule in force from now.")
            return redirect("compliance:rules")
    in_force = JurisdictionRule.objects.in_force().select_related("changed_by")
    history = JurisdictionRule.objects.select_related("changed_by").order_by(
        "country", "region", "-effective_from"
    )
    return render(
        request,
        "compliance/rules.html",
        {"form": form, "in_force": in_force, "history": history, "now": timezone.now()},
    )


@require_POST
@compliance_required
def end_rule(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(JurisdictionRule, pk=pk)
    try:
        services.end_rule(
            officer=request.user,
            rule=rule,
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
        )
    except services.ComplianceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Rule for {rule.place} ended.")
    return redirect("compliance:rules")


@never_cache
@require_GET
@compliance_required
def access_log(request: HttpRequest) -> HttpResponse:
    """Blocked requests, searchable by country, path and date, with a chart per country."""
    form = AccessLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = AccessLogEntry.objects.select_related("rule")
    country = (filters.get("country") or "").strip().upper()
    if country:
        entries = entries.filter(country=country)
    if filters.get("path"):
        entries = entries.filter(path__contains=filters["path"])
    if filters.get("start"):
        entries = entries.filter(created_at__date__gte=filters["start"])
    if filters.get("end"):
        entries = entries.filter(created_at__date__lte=filters["end"])
    return render(
        request,
        "compliance/access_log.html",
        {
            "form": form,
            "entries": entries[:ACCESS_LOG_PAGE_SIZE],
            "traces": reports.blocks_per_country_per_day(country=country),
            "chart_days": reports.CHART_DAYS,
        },
    )


@never_cache
@require_GET
@compliance_required
def report(request: HttpRequest) -> HttpResponse:
    return render(request, "compliance/reports.html", reports.case_report())


@never_cache
@require_GET
@compliance_required
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditExportForm(request.GET or None)
    if not form.is_valid():
        return render(request, "compliance/audit_export.html", {"form": form}, status=200)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{start}-{end}.csv"'
    services.export_audit_csv(
        officer=request.user, start=start, end=end, out=response, ip=client_ip(request)
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second factor for officers: a TOTP code from an enrolled device."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_compliance_officer(request.user):
        raise PermissionDenied
    target = request.POST.get("next") or request.GET.get("next") or "/compliance/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/compliance/"
    error = ""
    if request.method == "POST":
        device = match_token(request.user, request.POST.get("token", "").strip())
        if device is not None:
            otp_login(request, device)
            audit.record(
                actor=request.user,
                action="staff.otp_verified",
                obj=request.user,
                ip=client_ip(request),
            )
            return redirect(target)
        error = "That code is not valid. Use the current code from your authenticator."
    return render(
        request,
        "compliance/otp.html",
        {"has_device": user_has_device(request.user), "error": error, "next": target},
    )


def _allowlist_rows(request: HttpRequest, fmt: str) -> list[dict[str, str]]:
    rows = [
        {
            "kind": w.kind,
            "address": w.address,
            "investor_id": str(w.user_id),
            "verified_at": w.verified_at.isoformat(),
        }
        for w in Wallet.objects.allowlist()
    ]
    audit.record(
        actor=request.user,
        action="allowlist.export",
        after={"format": fmt, "rows": len(rows)},
        ip=client_ip(request),
    )
    return rows


@never_cache
@require_GET
@compliance_required
def allowlist_csv(request: HttpRequest) -> HttpResponse:
    """Verified wallets of approved investors, for minting and redemption."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="allowlist-{stamp}.csv"'
    writer = csv.DictWriter(response, fieldnames=ALLOWLIST_FIELDS)
    writer.writeheader()
    writer.writerows(_allowlist_rows(request, "csv"))
    return response


@never_cache
@require_GET
@compliance_required
def allowlist_json(request: HttpRequest) -> JsonResponse:
    rows = _allowlist_rows(request, "json")
    return JsonResponse(
        {"generated_at": timezone.now().isoformat(), "count": len(rows), "wallets": rows}
    )
