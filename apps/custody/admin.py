from __future__ import annotations

from django.contrib import admin

from .models import Custodian, CustodyAccount


class CustodyAccountInline(admin.TabularInline):
    model = CustodyAccount
    extra = 0


@admin.register(Custodian)
class CustodianAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country"]
    inlines = [CustodyAccountInline]
