from __future__ import annotations

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import models
        from .versions import forget_choices

        def changed(**kwargs: object) -> None:
            # Filter options and cached catalogue pages are read afresh after any change
            # (the registry loader, the admin).
            forget_choices()

        for model in (
            models.Token,
            models.Security,
            models.Issuer,
            models.Chain,
            models.Deployment,
            models.Venue,
            # Shown on the token pages and /transparency/ too.
            models.Document,
            models.CorporateAction,
            models.Custodian,
            models.CustodyAccount,
            models.OracleFeed,
            models.PriceFeed,
        ):
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"catalog-{model}")
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"catalog-del-{model}"
            )
