"""On SQLite, refuse an INSERT that reuses an audit event's id (REPLACE INTO)."""

from django.db import migrations

from apps.audit import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("compliance", "0006_models_move_to_jurisdictions_and_audit"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
