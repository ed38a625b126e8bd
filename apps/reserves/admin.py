from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Alert, Attestation, PublicEvent, ReserveSnapshot


@admin.register(Attestation)
class AttestationAdmin(admin.ModelAdmin):
    list_display = ["auditor", "issuer", "token", "period_start", "period_end", "date"]
    list_filter = ["auditor", "issuer"]
    search_fields = ["auditor", "summary", "token__symbol"]
    autocomplete_fields: list[str] = []
    raw_id_fields = ["token"]

    def save_model(self, request: HttpRequest, obj: Attestation, form: Any, change: bool) -> None:
        # An uploaded report is fixed by its SHA-256, computed here rather than typed in.
        if obj.file and "file" in form.changed_data:
            digest = hashlib.sha256()
            for chunk in obj.file.chunks():
                digest.update(chunk)
            obj.sha256 = digest.hexdigest()
        super().save_model(request, obj, form, change)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["token", "condition", "raised_at", "resolved_at", "emailed_at"]
    list_filter = ["condition", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "token",
        "condition",
        "message",
        "raised_at",
        "resolved_at",
        "snapshot",
        "emailed_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ReserveSnapshot)
class ReserveSnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are computed, never edited."""

    list_display = ["token", "computed_at", "status", "ratio", "shares_required", "shares_held"]
    list_filter = ["status"]
    search_fields = ["token__symbol"]
    list_select_related = ["token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PublicEvent)
class PublicEventAdmin(admin.ModelAdmin):
    """The public event log is written by services only: read-only here."""

    list_display = ["occurred_at", "kind", "condition", "token", "issuer", "title"]
    list_filter = ["kind", "condition"]
    search_fields = ["title", "token__symbol", "key"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
