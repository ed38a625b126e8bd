"""JurisdictionRule and AccessLogEntry now belong to apps.jurisdictions, AuditEvent to
apps.audit. State only: no table is touched, no row moves, the triggers stay.

The content types follow the models, so admin history and permissions keep pointing
at the same rows.
"""

from django.db import migrations

MOVED = {
    "jurisdictionrule": "jurisdictions",
    "accesslogentry": "jurisdictions",
    "auditevent": "audit",
}


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        if not ContentType.objects.filter(app_label=app_label, model=model).exists():
            ContentType.objects.filter(app_label="compliance", model=model).update(
                app_label=app_label
            )


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        if not ContentType.objects.filter(app_label="compliance", model=model).exists():
            ContentType.objects.filter(app_label=app_label, model=model).update(
                app_label="compliance"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0005_kyc_decision"),
        ("jurisdictions", "0001_initial"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AccessLogEntry"),
                migrations.DeleteModel(name="JurisdictionRule"),
                migrations.DeleteModel(name="AuditEvent"),
            ]
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
