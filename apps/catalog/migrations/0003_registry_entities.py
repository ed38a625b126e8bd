# Custodian, CustodyAccount (from custody) and OracleFeed (from chains) are registry facts
# and move to the catalogue: state only, the tables and their rows stay as they are.

import apps.core.fields
import apps.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("custody", "0002_holdingstatement_holding_and_more"),
        ("chains", "0003_syncrun_to_core_jobrun"),
        ("catalog", "0002_chain_confirmations_chain_max_age_seconds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Custodian",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("slug", models.SlugField(max_length=64, unique=True)),
                        ("name", models.CharField(max_length=200)),
                        (
                            "country",
                            models.CharField(
                                max_length=2, validators=[apps.core.validators.validate_country]
                            ),
                        ),
                        ("website", models.URLField(blank=True)),
                    ],
                    options={
                        "db_table": "custody_custodian",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="CustodyAccount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("account_id", models.CharField(max_length=64)),
                        (
                            "custodian",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="accounts",
                                to="catalog.custodian",
                            ),
                        ),
                        (
                            "issuer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="custody_accounts",
                                to="catalog.issuer",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "custody_custodyaccount",
                        "ordering": ["custodian__name", "account_id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("custodian", "account_id"), name="custody_account_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="OracleFeed",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("address", models.CharField(max_length=64)),
                        ("description", models.CharField(blank=True, max_length=100)),
                        ("heartbeat_seconds", models.PositiveIntegerField(default=86400)),
                        (
                            "deviation_bps",
                            apps.core.fields.ExactDecimalField(
                                decimal_places=4, default=Decimal("50"), max_digits=10
                            ),
                        ),
                        (
                            "decimals",
                            models.PositiveSmallIntegerField(
                                blank=True, help_text="as read", null=True
                            ),
                        ),
                        (
                            "chain",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="oracle_feeds",
                                to="catalog.chain",
                            ),
                        ),
                        (
                            "token",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="oracle_feeds",
                                to="catalog.token",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "chains_oraclefeed",
                        "ordering": ["token__symbol", "chain__name"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("chain", "address"), name="oracle_feed_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
