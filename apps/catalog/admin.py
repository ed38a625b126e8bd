from __future__ import annotations

from django.contrib import admin

from .models import (
    Chain,
    CorporateAction,
    Custodian,
    CustodyAccount,
    Deployment,
    Document,
    Issuer,
    OracleFeed,
    PriceFeed,
    Security,
    Token,
    Venue,
)


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 0


class VenueInline(admin.TabularInline):
    model = Venue
    extra = 0


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fk_name = "token"


class CorporateActionInline(admin.TabularInline):
    model = CorporateAction
    extra = 0


class PriceFeedInline(admin.TabularInline):
    model = PriceFeed
    extra = 0


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    list_display = ["symbol", "name", "security", "issuer", "multiplier", "status", "launch_date"]
    list_filter = ["status", "security__kind", "issuer"]
    search_fields = ["symbol", "name", "security__ticker", "security__isin", "isin"]
    list_select_related = ["security", "issuer"]
    inlines = [
        DeploymentInline,
        VenueInline,
        DocumentInline,
        CorporateActionInline,
        PriceFeedInline,
    ]


@admin.register(Security)
class SecurityAdmin(admin.ModelAdmin):
    list_display = ["ticker", "name", "isin", "exchange_mic", "kind", "sector"]
    list_filter = ["kind", "exchange_mic", "sector"]
    search_fields = ["ticker", "name", "isin"]


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "jurisdiction", "lei"]
    search_fields = ["name", "slug", "lei"]


@admin.register(Chain)
class ChainAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "chain_id", "rpc_url"]
    list_filter = ["kind"]


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["token", "chain", "address", "decimals", "role"]
    list_filter = ["chain", "role"]
    search_fields = ["token__symbol", "address"]
    list_select_related = ["token", "chain"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "token", "issuer", "date"]
    list_filter = ["kind"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "token", "chain"]
    list_filter = ["kind"]


@admin.register(CorporateAction)
class CorporateActionAdmin(admin.ModelAdmin):
    list_display = ["token", "kind", "ex_date", "multiplier_before", "multiplier_after"]
    list_filter = ["kind"]


class CustodyAccountInline(admin.TabularInline):
    model = CustodyAccount
    extra = 0


@admin.register(Custodian)
class CustodianAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country"]
    inlines = [CustodyAccountInline]


@admin.register(OracleFeed)
class OracleFeedAdmin(admin.ModelAdmin):
    list_display = ["token", "chain", "address", "heartbeat_seconds", "decimals"]
    list_select_related = ["token", "chain"]
