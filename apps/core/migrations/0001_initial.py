# JobRun is chains.SyncRun moved to core: the same table (renamed core_jobrun) and rows.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("chains", "0002_syncrun_scope"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JobRun",
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
                        ("job", models.CharField(db_index=True, max_length=32)),
                        ("scope", models.CharField(blank=True, default="", max_length=64)),
                        (
                            "node",
                            models.CharField(
                                blank=True, help_text="scheme://host[:port] asked", max_length=500
                            ),
                        ),
                        ("started_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("running", "Running"),
                                    ("ok", "OK"),
                                    ("failed", "Failed"),
                                ],
                                default="running",
                                max_length=8,
                            ),
                        ),
                        ("counts", models.JSONField(blank=True, default=dict)),
                        ("error", models.TextField(blank=True)),
                    ],
                    options={"ordering": ["-started_at"], "db_table": "chains_syncrun"},
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="jobrun", table=None),
        migrations.AddIndex(
            model_name="jobrun",
            index=models.Index(fields=["job", "scope", "-started_at"], name="jobrun_latest"),
        ),
    ]
