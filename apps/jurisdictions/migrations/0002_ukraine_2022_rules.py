"""Sevastopol (UA-40) blocked with the rest of Crimea; Zaporizhzhia (UA-23) and Kherson
(UA-65) under review (EU 2022/263 as amended by 2022/1903; EO 14065).

A place that already has a rule in force keeps it: an officer's choice is not overwritten.
"""

from django.db import migrations
from django.utils import timezone

from apps.jurisdictions.defaults import UKRAINE_2022_RULES


def seed(apps, schema_editor):
    Rule = apps.get_model("jurisdictions", "JurisdictionRule")
    now = timezone.now()
    for country, region, status, reason, basis in UKRAINE_2022_RULES:
        in_force = Rule.objects.filter(
            country=country, region=region, effective_from__lte=now
        ).exclude(effective_to__lte=now)
        if not in_force.exists():
            Rule.objects.create(
                country=country,
                region=region,
                status=status,
                reason=reason,
                legal_basis=basis,
                effective_from=now,
            )


def unseed(apps, schema_editor):
    Rule = apps.get_model("jurisdictions", "JurisdictionRule")
    ids = [
        pk
        for country, region, _status, reason, _basis in UKRAINE_2022_RULES
        for pk in Rule.objects.filter(
            country=country, region=region, reason=reason, changed_by__isnull=True
        ).values_list("pk", flat=True)
    ]
    if ids:
        # Plain SQL: on the way back the historical models cannot collect related rows.
        # A rule the access log refers to stays (its foreign key refuses the delete).
        placeholders = ", ".join(["%s"] * len(ids))
        with schema_editor.connection.cursor() as cursor:
            sql = f"DELETE FROM {Rule._meta.db_table} WHERE id IN ({placeholders})"  # noqa: S608
            cursor.execute(sql, ids)


class Migration(migrations.Migration):
    dependencies = [
        ("jurisdictions", "0001_initial"),
        ("compliance", "0006_models_move_to_jurisdictions_and_audit"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
