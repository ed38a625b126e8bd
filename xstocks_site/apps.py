from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class SiteAdminConfig(AdminConfig):
    """django.contrib.admin with the site's admin (second factor: xstocks_site.admin_site)."""

    default_site = "xstocks_site.admin_site.SiteAdmin"
