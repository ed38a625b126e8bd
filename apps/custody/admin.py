from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Holding, HoldingStatement


class HoldingInline(admin.TabularInline):
    model = Holding
    extra = 0
    can_delete = False
    readonly_fields = ["isin", "quantity"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(HoldingStatement)
class HoldingStatementAdmin(admin.ModelAdmin):
    """Read-only: statements come in through the import service, never by hand."""

    list_display = [
        "statement_id",
        "custodian",
        "account",
        "statement_date",
        "format",
        "imported_at",
    ]
    list_filter = ["custodian", "format"]
    search_fields = ["statement_id", "sha256", "account__account_id"]
    readonly_fields = [
        "custodian",
        "account",
        "statement_id",
        "statement_date",
        "format",
        "sha256",
        "source_name",
        "page_count",
        "imported_at",
        "imported_by",
        "imported_via",
    ]
    exclude = ["source"]
    inlines = [HoldingInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[HoldingStatement]:
        return super().get_queryset(request).defer("source").select_related("custodian", "account")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
