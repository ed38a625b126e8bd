"""Read-only admin pages: the audit trail and the access log can be looked at, never edited.

Jurisdiction rules are changed only in the back office, which audits every change.
"""

from __future__ import annotations

from django.contrib import admin

from .models import AccessLogEntry, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_label", "action", "object_type", "object_id", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_id", "object_repr")
    date_hierarchy = "created_at"


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "country", "path", "ip_prefix")
    list_filter = ("country",)
    date_hierarchy = "created_at"
