"""Investor pages: accounts, eligibility, KYC case and documents, wallets. Thin by design:
parse, authorize, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.staff import Access, refusal
from apps.jurisdictions.geo import client_ip, country_for_ip

from . import selectors
from .errors import OnboardingError
from .forms import DocumentForm, EligibilityForm, LoginForm, SignatureForm, SignUpForm, WalletForm
from .models import InvestorProfile, Wallet
from .services import accounts, cases, documents, wallets
from .services import eligibility as eligibility_service
from .throttles import throttled
from .tokens import email_tokens

# Multipart framing and the form's other fields around one document, in bytes.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def investor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, with an investor profile and a verified e-mail address."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        profile = selectors.investor_profile(request.user)
        if profile is None or not profile.email_verified:
            messages.error(request, _("Confirm your e-mail address first."))
            return redirect("onboarding:dashboard")
        request.profile = profile
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@require_http_methods(["GET", "POST"])
@throttled("signup", rate_setting="SIGNUP_RATE", email_field="email")
def signup(request: HttpRequest) -> HttpResponse:
    """The same answer whether or not the address has an account (see accounts.sign_up)."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.sign_up(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
            link=request.build_absolute_uri,
        )
        return redirect("accounts:verify-sent")
    return render(request, "onboarding/accounts/signup.html", {"form": form})


def verify_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "onboarding/accounts/verify_sent.html")


@login_required
@require_POST
@throttled("verify-resend", rate_setting="VERIFY_RESEND_RATE")
def verify_resend(request: HttpRequest) -> HttpResponse:
    accounts.resend_verification(user=request.user, link=request.build_absolute_uri)
    return redirect("accounts:verify-sent")


@never_cache
def verify(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if (
        user is None
        or selectors.investor_profile(user) is None
        or not email_tokens.check_token(user, token)
    ):
        return render(request, "onboarding/accounts/verify_failed.html", status=400)
    accounts.mark_email_verified(user=user)
    messages.success(request, _("Your e-mail address is confirmed."))
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("onboarding:dashboard")
    messages.info(request, _("Log in to continue your application."))
    return redirect("accounts:login")


class InvestorLoginView(LoginView):
    """Django's log-in view; django-axes counts failures and answers 429 when locked."""

    form_class = LoginForm
    template_name = "onboarding/accounts/login.html"
    redirect_authenticated_user = True


@never_cache
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.dashboard(request.user)
    return render(
        request,
        "onboarding/dashboard.html",
        {
            "profile": data.profile,
            "declaration": data.declaration,
            "case": data.case,
            "transitions": data.transitions,
            "outcome": data.outcome,
            "document_form": DocumentForm(),
        },
    )


@never_cache
@investor_required
@require_http_methods(["GET", "POST"])
def eligibility(request: HttpRequest) -> HttpResponse:
    profile: InvestorProfile = request.profile
    form = EligibilityForm(request.POST or None, initial={"full_name": profile.full_name})
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        declaration = eligibility_service.record_declaration(
            profile=profile,
            answers=form.answers(),
            ip=ip,
            ip_country=getattr(request, "ip_country", None) or country_for_ip(ip),
        )
        if not declaration.eligible:
            return render(request, "onboarding/ineligible.html", {"declaration": declaration})
        try:
            cases.open_case(user=request.user, declaration=declaration)
        except OnboardingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("You are eligible. Add your documents and submit."))
        return redirect("onboarding:dashboard")
    return render(request, "onboarding/eligibility.html", {"form": form})


class DocumentSizeLimit(FileUploadHandler):
    """Stops reading an upload as soon as a file passes KYC_MAX_UPLOAD_BYTES, whatever
    the request claimed, so no oversized document is ever held whole."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.KYC_MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        self.received = 0


def _too_large(request: HttpRequest) -> HttpResponse:
    limit_mb = settings.KYC_MAX_UPLOAD_BYTES // (1024 * 1024)
    return render(request, "onboarding/upload_too_large.html", {"limit_mb": limit_mb}, status=413)


@csrf_exempt  # checked by csrf_protect below, once the size limit is in place
@investor_required
@require_POST
def upload_document(request: HttpRequest) -> HttpResponse:
    """Refuse an oversized body before reading it: by its Content-Length, then while
    streaming. The CSRF check runs after, as it reads the body."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.KYC_MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD_BYTES:
        return _too_large(request)
    request.upload_handlers.insert(0, DocumentSizeLimit(request))
    return _store_document(request)


@csrf_protect
def _store_document(request: HttpRequest) -> HttpResponse:
    form = DocumentForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        return _too_large(request)
    case = selectors.own_open_case(request.user)
    if case is None:
        raise Http404("no open application")
    if form.is_valid():
        try:
            documents.store_document(
                case=case,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                user=request.user,
                expires_on=form.cleaned_data["expires_on"],
            )
        except OnboardingError as exc:
            messages.error(request, str(exc))
            return redirect("onboarding:dashboard")
        messages.success(request, _("Document received."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("onboarding:dashboard")


@investor_required
@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    case = selectors.own_open_case(request.user)
    if case is None:
        raise Http404("no open application")
    try:
        cases.submit_case(case=case, actor=request.user)
    except OnboardingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your application is submitted. We will e-mail you."))
    return redirect("onboarding:dashboard")


@never_cache
@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, to its owner or to staff with a confirmed second factor, always as a
    download under a sandboxing CSP; anyone else gets 404 as if it did not exist."""
    doc = selectors.document_for(pk)
    if doc is None:
        raise Http404("no such document")
    access = selectors.document_access(request, doc)
    if access is Access.FORBIDDEN:
        raise Http404("no such document")
    if access is not Access.GRANTED:
        return refusal(request, access)
    opened = documents.open_document(document=doc, viewer=request.user, ip=client_ip(request))
    response = FileResponse(
        opened.handle,
        content_type=opened.content_type,
        as_attachment=True,
        filename=opened.filename,
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@never_cache
@investor_required
@require_http_methods(["GET", "POST"])
def wallet_list(request: HttpRequest) -> HttpResponse:
    approved = selectors.investor_is_approved(user=request.user)
    form = WalletForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            wallet = wallets.issue_wallet_challenge(
                user=request.user,
                kind=form.cleaned_data["kind"],
                address=form.cleaned_data["address"],
            )
        except OnboardingError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("onboarding:wallet-verify", pk=wallet.pk)
    return render(
        request,
        "onboarding/wallets.html",
        {"approved": approved, "form": form, "wallets": selectors.wallets_of(request.user)},
    )


@never_cache
@investor_required
@require_http_methods(["GET", "POST"])
def wallet_verify(request: HttpRequest, pk: int) -> HttpResponse:
    wallet = get_object_or_404(Wallet, pk=pk, user=request.user)
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            wallets.verify_wallet(wallet=wallet, signature=form.cleaned_data["signature"])
        except OnboardingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Wallet verified."))
        return redirect("onboarding:wallets")
    return render(request, "onboarding/wallet_verify.html", {"wallet": wallet, "form": form})


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out log-in (settings.AXES_LOCKOUT_CALLABLE)."""
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    response = render(
        request, "onboarding/accounts/locked_out.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS)
    return response
