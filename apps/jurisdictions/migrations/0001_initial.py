"""JurisdictionRule and AccessLogEntry move here from the compliance app.

State only: the tables (compliance_jurisdictionrule, compliance_accesslogentry)
stay where they are with every row; the models name them with Meta.db_table.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("compliance", "0005_kyc_decision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="JurisdictionRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "country",
                    models.CharField(help_text="ISO 3166-1 alpha-2, e.g. US", max_length=2),
                ),
                (
                    "region",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="ISO 3166-2, e.g. UA-43; blank for all",
                        max_length=6,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("blocked", "Blocked"),
                            ("review", "Review"),
                            ("allowed", "Allowed"),
                        ],
                        max_length=8,
                    ),
                ),
                ("reason", models.TextField()),
                ("legal_basis", models.TextField()),
                ("effective_from", models.DateTimeField(default=django.utils.timezone.now)),
                ("effective_to", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "compliance_jurisdictionrule",
                "ordering": ["country", "region", "-effective_from"],
                "indexes": [
                    models.Index(
                        fields=["country", "region", "effective_from"],
                        name="compliance__country_785ef1_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("effective_to__isnull", True),
                            ("effective_to__gt", models.F("effective_from")),
                            _connector="OR",
                        ),
                        name="jurisdictionrule_ends_after_start",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AccessLogEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                ("country", models.CharField(db_index=True, max_length=2)),
                ("path", models.CharField(max_length=500)),
                ("ip_prefix", models.CharField(max_length=64)),
                (
                    "rule",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="jurisdictions.jurisdictionrule",
                    ),
                ),
            ],
            options={
                "db_table": "compliance_accesslogentry",
                "verbose_name_plural": "access log entries",
                "ordering": ["-created_at"],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
