"""Compliance back office views. Every view is for the Compliance group only, with the
second factor confirmed when COMPLIANCE_REQUIRE_OTP is on (apps.core.staff). Thin:
parse, authorize, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_otp import user_has_device

from apps.core.staff import is_staff_user, mark_staff_session, staff_required
from apps.jurisdictions import selectors as jurisdiction_selectors
from apps.jurisdictions.geo import client_ip

from . import charts, selectors
from .errors import ComplianceError
from .forms import (
    AccessLogFilterForm,
    AuditExportForm,
    DecisionForm,
    DocumentExpiryForm,
    EndRuleForm,
    NoteForm,
    OtpForm,
    QueueFilterForm,
    ReassignForm,
    RuleForm,
    error_text,
)
from .services import casework, decisions, exports, second_factor
from .services import rules as rule_services

BACK_OFFICE = "/compliance/"


def bad_request(request: HttpRequest, form) -> HttpResponse:
    """400 with what was wrong with which parameter, in one short line."""
    return render(request, "compliance/bad_request.html", {"reason": error_text(form)}, status=400)


@never_cache
@vary_on_headers("HX-Request")
@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Cases by state, country, risk, age and assignee, longest in the queue first; htmx
    swaps the table."""
    form = QueueFilterForm(request.GET or None, officers=selectors.officers())
    if request.GET and not form.is_valid():
        return bad_request(request, form)
    filters = form.cleaned_data if request.GET else {}
    context = {
        "form": form,
        "cases": selectors.queue(**filters, officer=request.user),
        "counts": selectors.state_counts(),
        "now": timezone.now(),
    }
    template = "compliance/queue.html#queue-table" if request.htmx else "compliance/queue.html"
    return render(request, template, context)


@never_cache
@require_GET
@staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.case_page(pk)
    if page is None:
        raise Http404("no such case")
    officers = [o for o in selectors.officers() if o.pk != page.case.user_id]
    context = {
        "case": page.case,
        "declarations": page.declarations,
        "documents": page.documents,
        "hits": page.hits,
        "transitions": page.transitions,
        "decisions": page.decisions,
        "wallets": page.wallets,
        "assignment": page.assignment,
        "assignments": page.assignments,
        "notes": page.notes,
        "transfers": page.transfers,
        "officers": officers,
        "form": DecisionForm(),
        "note_form": NoteForm(),
        "now": timezone.now(),
    }
    return render(request, "compliance/case_detail.html", context)


def _case_or_404(pk: int):
    page = selectors.case_page(pk)
    if page is None:
        raise Http404("no such case")
    return page.case


def _done(request: HttpRequest, pk: int, call, success: str) -> HttpResponse:
    """Run one case-work service; its refusal or success becomes a message on the case."""
    try:
        call()
    except ComplianceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("compliance:case", pk=pk)


@require_POST
@staff_required
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(pk)
    return _done(
        request,
        pk,
        lambda: casework.claim_case(case=case, officer=request.user, ip=client_ip(request)),
        "You work this case now.",
    )


@require_POST
@staff_required
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(pk)
    form = ReassignForm(request.POST, officers=selectors.officer_queryset())
    if not form.is_valid():
        messages.error(
            request, f"Choose an officer and give a reason ({error_text(form, limit=200)})."
        )
        return redirect("compliance:case", pk=pk)
    to = form.cleaned_data["officer"]
    return _done(
        request,
        pk,
        lambda: casework.reassign_case(
            case=case,
            officer=request.user,
            to_officer=to,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        ),
        f"The case is {to.get_username()}'s now.",
    )


@require_POST
@staff_required
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The note was not saved ({error_text(form, limit=200)}).")
        return redirect("compliance:case", pk=pk)
    return _done(
        request,
        pk,
        lambda: casework.add_note(
            case=case, officer=request.user, text=form.cleaned_data["text"], ip=client_ip(request)
        ),
        "Note added.",
    )


@require_POST
@staff_required
def document_expiry(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document(pk)
    if document is None:
        raise Http404("no such document")
    form = DocumentExpiryForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The date was not saved ({error_text(form, limit=200)}).")
        return redirect("compliance:case", pk=document.case_id)
    return _done(
        request,
        document.case_id,
        lambda: casework.set_document_expiry(
            document=document,
            officer=request.user,
            expires_on=form.cleaned_data["expires_on"],
            ip=client_ip(request),
        ),
        "Expiry date saved.",
    )


@require_POST
@staff_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    page_case = selectors.case_page(pk)
    if page_case is None:
        raise Http404("no such case")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Choose a decision and a reason ({error_text(form, limit=200)}).")
        return redirect("compliance:case", pk=pk)
    try:
        outcome = decisions.decide_case(
            case=page_case.case,
            officer=request.user,
            decision=form.cleaned_data["decision"],
            reason_code=form.cleaned_data["reason_code"],
            note=form.cleaned_data["note"],
            ip=client_ip(request),
        )
    except ComplianceError as exc:
        messages.error(request, str(exc))
    else:
        if outcome.pending_second_approval:
            messages.success(request, "Approval recorded: a second officer must approve.")
        else:
            messages.success(request, f"Case is now {outcome.case.get_state_display().lower()}.")
    return redirect("compliance:case", pk=pk)


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required
def rules(request: HttpRequest) -> HttpResponse:
    """Rules in force, the full history, and a form that puts a new rule in force now."""
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule_services.set_rule(officer=request.user, ip=client_ip(request), **form.cleaned_data)
        except (ComplianceError, ValidationError) as exc:
            form.add_error(None, "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "Rule in force from now.")
            return redirect("compliance:rules")
    return render(
        request,
        "compliance/rules.html",
        {
            "form": form,
            "in_force": jurisdiction_selectors.rules_in_force(),
            "history": jurisdiction_selectors.rule_history(),
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@staff_required
def end_rule(request: HttpRequest, pk: int) -> HttpResponse:
    form = EndRuleForm(request.POST)
    if not form.is_valid():
        return bad_request(request, form)
    try:
        rule = rule_services.end_rule(
            officer=request.user,
            rule_id=pk,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        )
    except ComplianceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Rule for {rule.place} ended.")
    return redirect("compliance:rules")


@never_cache
@require_GET
@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    """Refused requests, searchable by country, path and date, with a chart per country."""
    form = AccessLogFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return bad_request(request, form)
    filters = form.cleaned_data if request.GET else {}
    series = selectors.refusals_per_country_per_day(country=filters.get("country", ""))
    return render(
        request,
        "compliance/access_log.html",
        {
            "form": form,
            "entries": selectors.access_log(**filters),
            "figure": charts.refusals_figure(series) if series else None,
            "chart_days": selectors.CHART_DAYS,
        },
    )


@never_cache
@require_GET
@staff_required
def report(request: HttpRequest) -> HttpResponse:
    return render(request, "compliance/reports.html", selectors.case_report())


@never_cache
@require_GET
@staff_required
def audit_export(request: HttpRequest) -> HttpResponse:
    if not request.GET:
        return render(request, "compliance/audit_export.html", {"form": AuditExportForm()})
    form = AuditExportForm(request.GET)
    if not form.is_valid():
        return render(request, "compliance/audit_export.html", {"form": form}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{start}-{end}.csv"'
    exports.export_audit_csv(
        officer=request.user, start=start, end=end, out=response, ip=client_ip(request)
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second factor for staff: a TOTP code from an enrolled device."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if not is_staff_user(request.user):
        raise PermissionDenied
    mark_staff_session(request)
    form = OtpForm(request.POST or request.GET)
    form.is_valid()
    target = form.cleaned_data.get("next") or BACK_OFFICE
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = BACK_OFFICE
    error = ""
    if request.method == "POST":
        token = form.cleaned_data.get("token") or ""
        if second_factor.confirm_code(request=request, token=token, ip=client_ip(request)):
            return redirect(target)
        error = "That code is not valid. Use the current code from your authenticator."
    return render(
        request,
        "compliance/otp.html",
        {"has_device": user_has_device(request.user), "error": error, "next": target},
        status=400 if error else 200,
    )


@never_cache
@require_GET
@staff_required
def allowlist_csv(request: HttpRequest) -> HttpResponse:
    """Verified wallets of approved investors, for minting and redemption."""
    rows = exports.allowlist_rows(officer=request.user, fmt="csv", ip=client_ip(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="allowlist-{stamp}.csv"'
    exports.write_allowlist_csv(rows=rows, out=response)
    return response


@never_cache
@require_GET
@staff_required
def allowlist_json(request: HttpRequest) -> JsonResponse:
    rows = exports.allowlist_rows(officer=request.user, fmt="json", ip=client_ip(request))
    return JsonResponse(
        {"generated_at": timezone.now().isoformat(), "count": len(rows), "wallets": rows}
    )
