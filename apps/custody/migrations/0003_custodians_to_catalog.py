# Custodian and CustodyAccount moved to catalog (catalog 0003): state only, same tables.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_registry_entities"),
        ("custody", "0002_holdingstatement_holding_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="custodyaccount",
                    name="custodian",
                ),
                migrations.AlterField(
                    model_name="holdingstatement",
                    name="custodian",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="statements",
                        to="catalog.custodian",
                    ),
                ),
                migrations.RemoveField(
                    model_name="custodyaccount",
                    name="issuer",
                ),
                migrations.AlterField(
                    model_name="holdingstatement",
                    name="account",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="statements",
                        to="catalog.custodyaccount",
                    ),
                ),
                migrations.DeleteModel(
                    name="Custodian",
                ),
                migrations.DeleteModel(
                    name="CustodyAccount",
                ),
            ],
            database_operations=[],
        ),
    ]
