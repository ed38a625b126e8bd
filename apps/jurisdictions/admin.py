"""The access log in the admin, read-only. Rules are changed only in the back office,
which audits every change."""

from __future__ import annotations

from django.contrib import admin

from .models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "country", "path", "ip_prefix")
    list_filter = ("country",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
