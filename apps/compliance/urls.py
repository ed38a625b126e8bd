from __future__ import annotations

from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("otp/", views.otp_verify, name="otp"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/decide/", views.decide, name="decide"),
    path("cases/<int:pk>/claim/", views.claim, name="claim"),
    path("cases/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("cases/<int:pk>/notes/", views.add_note, name="add-note"),
    path("documents/<int:pk>/expiry/", views.document_expiry, name="document-expiry"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/end/", views.end_rule, name="end-rule"),
    path("access-log/", views.access_log, name="access-log"),
    path("reports/", views.report, name="reports"),
    path("audit.csv", views.audit_export, name="audit-export"),
    path("allowlist.csv", views.allowlist_csv, name="allowlist-csv"),
    path("allowlist.json", views.allowlist_json, name="allowlist-json"),
]
