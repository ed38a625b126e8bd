"""Investor pages: accounts, eligibility, KYC case and documents, wallets. Thin by design."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.auth.views import LoginView
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.compliance import audit

from . import services
from .forms import (
    DocumentForm,
    EligibilityForm,
    RateLimitedLoginForm,
    SignatureForm,
    SignUpForm,
    WalletForm,
)
from .geo import client_ip, country_for_ip
from .models import InvestorProfile, KycCase, KycDocument, Wallet


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens that stop working once the address is verified."""

    key_salt = "apps.onboarding.email-verification"

    def _make_hash_value(self, user, timestamp: int) -> str:
        profile = getattr(user, "investor", None)
        verified = profile.email_verified_at if profile else None
        return f"{user.pk}{user.email}{verified}{timestamp}"


email_tokens = EmailVerificationTokenGenerator()


def _profile(user) -> InvestorProfile | None:
    return InvestorProfile.objects.filter(user=user).first()


def investor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, with an investor profile and a verified e-mail address."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        profile = _profile(request.user)
        if profile is None or not profile.email_verified:
            messages.error(request, "Confirm your e-mail address first.")
            return redirect("onboarding:dashboard")
        request.profile = profile
        return view(request, *args, **kwargs)

    return wrapped


def _send_verification(request: HttpRequest, user) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:verify", args=[uid, email_tokens.make_token(user)])
    services.send_verification_email(user=user, verify_url=request.build_absolute_uri(path))


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_investor(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
        except services.OnboardingError as exc:
            form.add_error("email", str(exc))
        else:
            _send_verification(request, user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("accounts:verify-sent")
    return render(request, "onboarding/accounts/signup.html", {"form": form})


@login_required
def verify_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "onboarding/accounts/verify_sent.html")


@login_required
@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    profile = _profile(request.user)
    if profile and not profile.email_verified:
        _send_verification(request, request.user)
    return redirect("accounts:verify-sent")


@never_cache
def verify(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = get_user_model().objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        user = None
    if user is None or _profile(user) is None or not email_tokens.check_token(user, token):
        return render(request, "onboarding/accounts/verify_failed.html", status=400)
    services.mark_email_verified(user=user)
    messages.success(request, "Your e-mail address is confirmed.")
    return redirect("onboarding:dashboard")


class RateLimitedLoginView(LoginView):
    form_class = RateLimitedLoginForm
    template_name = "onboarding/accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: RateLimitedLoginForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.locked:
            response.status_code = 429
        return response


@never_cache
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    profile = _profile(request.user)
    case = (
        KycCase.objects.filter(user=request.user)
        .select_related("declaration")
        .prefetch_related("documents", "transitions")
        .order_by("-created_at", "-id")
        .first()
    )
    declaration = profile.declarations.first() if profile else None
    transitions = list(case.transitions.all()) if case else []
    outcome = transitions[-1] if transitions and transitions[-1].note else None
    return render(
        request,
        "onboarding/dashboard.html",
        {
            "profile": profile,
            "declaration": declaration,
            "case": case,
            "transitions": transitions,
            "outcome": outcome,
            "document_form": DocumentForm(),
        },
    )


@never_cache
@investor_required
@require_http_methods(["GET", "POST"])
def eligibility(request: HttpRequest) -> HttpResponse:
    profile: InvestorProfile = request.profile
    initial = {"full_name": profile.full_name}
    form = EligibilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        declaration = services.record_declaration(
            profile=profile,
            answers=form.answers(),
            ip=ip,
            ip_country=getattr(request, "ip_country", None) or country_for_ip(ip),
        )
        if not declaration.eligible:
            return render(request, "onboarding/ineligible.html", {"declaration": declaration})
        try:
            services.open_case(user=request.user, declaration=declaration)
        except services.OnboardingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "You are eligible. Add your documents and submit.")
        return redirect("onboarding:dashboard")
    return render(request, "onboarding/eligibility.html", {"form": form})


def _own_open_case(request: HttpRequest) -> KycCase:
    case = KycCase.objects.open().filter(user=request.user).select_related("declaration").first()
    if case is None:
        raise Http404("no open application")
    return case


@investor_required
@require_POST
def upload_document(request: HttpRequest) -> HttpResponse:
    case = _own_open_case(request)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.store_document(
                case=case,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                user=request.user,
            )
        except services.OnboardingError as exc:
            messages.error(request, str(exc))
            return redirect("onboarding:dashboard")
        messages.success(request, "Document received.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("onboarding:dashboard")


@investor_required
@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    case = _own_open_case(request)
    try:
        services.submit_case(case=case, actor=request.user)
    except services.OnboardingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your application is submitted. We will e-mail you.")
    return redirect("onboarding:dashboard")


@never_cache
@login_required
def document(request: HttpRequest, pk: int) -> FileResponse:
    """The file, to its owner or compliance staff; anyone else gets 404 as if it did not exist."""
    doc = get_object_or_404(KycDocument.objects.select_related("case"), pk=pk)
    if not services.can_view_document(user=request.user, document=doc):
        raise Http404("no such document")
    handle = services.kyc_storage().open(doc.storage_name, "rb")
    audit.record(
        actor=request.user,
        action="document.view",
        obj=doc,
        after={"case": doc.case_id, "sha256": doc.sha256},
        ip=client_ip(request),
    )
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[
        doc.content_type
    ]
    response = FileResponse(
        handle,
        content_type=doc.content_type,
        as_attachment=doc.content_type == "application/pdf" and "download" in request.GET,
        filename=f"kyc-{doc.pk}-{doc.kind}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    if doc.content_type == "application/pdf":
        # Shown inline in the back office's viewer; browsers refuse PDFs in a CSP sandbox.
        response["Content-Security-Policy"] = "frame-ancestors 'self'"
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@never_cache
@investor_required
@require_http_methods(["GET", "POST"])
def wallets(request: HttpRequest) -> HttpResponse:
    approved = services.investor_is_approved(user=request.user)
    form = WalletForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            wallet = services.issue_wallet_challenge(
                user=request.user,
                kind=form.cleaned_data["kind"],
                address=form.cleaned_data["address"],
            )
        except services.OnboardingError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("onboarding:wallet-verify", pk=wallet.pk)
    return render(
        request,
        "onboarding/wallets.html",
        {
            "approved": approved,
            "form": form,
            "wallets": Wallet.objects.filter(user=request.user).order_by("created_at"),
        },
    )


@never_cache
@investor_required
@require_http_methods(["GET", "POST"])
def wallet_verify(request: HttpRequest, pk: int) -> HttpResponse:
    wallet = get_object_or_404(Wallet, pk=pk, user=request.user)
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verify_wallet(wallet=wallet, signature=form.cleaned_data["signature"])
        except services.OnboardingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Wallet verified.")
        return redirect("onboarding:wallets")
    return render(request, "onboarding/wallet_verify.html", {"wallet": wallet, "form": form})
