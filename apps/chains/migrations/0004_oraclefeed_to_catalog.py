# OracleFeed moved to catalog (catalog 0003): state only, same table.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_registry_entities"),
        ("chains", "0003_syncrun_to_core_jobrun"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="oracleround",
                    name="feed",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rounds",
                        to="catalog.oraclefeed",
                    ),
                ),
                migrations.DeleteModel(
                    name="OracleFeed",
                ),
            ],
            database_operations=[],
        ),
    ]
