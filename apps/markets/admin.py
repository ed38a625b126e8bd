from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import Bar, OracleReport, Quote


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["time", "token", "security", "source", "price", "status", "note"]
    list_filter = ["status", "source"]
    search_fields = ["token__symbol", "security__ticker", "security__isin"]
    list_select_related = ["token", "security"]
    date_hierarchy = "time"
    actions = ["publish", "reject"]
    readonly_fields = [f.name for f in Quote._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Publish the selected held quotes", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Quote]) -> None:
        self._review(request, queryset, publish=True)

    @admin.action(description="Reject the selected held quotes", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Quote]) -> None:
        self._review(request, queryset, publish=False)

    def _review(self, request: HttpRequest, queryset: QuerySet[Quote], *, publish: bool) -> None:
        done = 0
        for quote in queryset.filter(status=Quote.Status.HELD).order_by("time"):
            services.review_quote(quote=quote, publish=publish)
            done += 1
        self.message_user(request, f"{done} held quote(s) reviewed.", messages.SUCCESS)


@admin.register(Bar)
class BarAdmin(admin.ModelAdmin):
    list_display = ["start", "interval", "token", "security", "open", "high", "low", "close"]
    list_filter = ["interval"]
    list_select_related = ["token", "security"]
    readonly_fields = [f.name for f in Bar._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OracleReport)
class OracleReportAdmin(admin.ModelAdmin):
    """Data Streams reports as read: evidence, never edited."""

    list_display = [
        "observed_at",
        "token",
        "market_status",
        "current_multiplier",
        "price",
        "tokenized_price",
        "verification",
        "demo",
    ]
    list_filter = ["verification", "demo", "market_status"]
    search_fields = ["token__symbol", "feed_id"]
    list_select_related = ["token"]
    date_hierarchy = "observed_at"
    readonly_fields = [f.name for f in OracleReport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
