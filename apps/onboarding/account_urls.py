"""/accounts/: sign-up, e-mail verification, rate-limited log-in, log-out, password reset."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views
from .throttles import throttled

app_name = "accounts"

T = "onboarding/accounts/"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("verify/sent/", views.verify_sent, name="verify-sent"),
    path("verify/resend/", views.verify_resend, name="verify-resend"),
    path("verify/<uidb64>/<token>/", views.verify, name="verify"),
    path("login/", views.InvestorLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        throttled("password-reset", rate_setting="PASSWORD_RESET_RATE", email_field="email")(
            auth_views.PasswordResetView.as_view(
                template_name=T + "password_reset_form.html",
                email_template_name=T + "password_reset_email.txt",
                subject_template_name=T + "password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password-reset-done"),
            )
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name=T + "password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=T + "password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name=T + "password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
