"""Make compliance_auditevent append-only in the database itself (see apps.compliance.triggers)."""

from django.db import migrations

from apps.compliance import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_audit_event")]

    operations = [migrations.RunPython(install, remove)]
