from django.db import migrations
from django.utils import timezone

from apps.compliance.defaults import DEFAULT_RULES


def seed(apps, schema_editor):
    Rule = apps.get_model("compliance", "JurisdictionRule")
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Compliance")
    now = timezone.now()
    for country, region, reason, basis in DEFAULT_RULES:
        if not Rule.objects.filter(country=country, region=region).exists():
            Rule.objects.create(
                country=country,
                region=region,
                status="blocked",
                reason=reason,
                legal_basis=basis,
                effective_from=now,
            )


def unseed(apps, schema_editor):
    Rule = apps.get_model("compliance", "JurisdictionRule")
    for country, region, _reason, _basis in DEFAULT_RULES:
        Rule.objects.filter(country=country, region=region, changed_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
