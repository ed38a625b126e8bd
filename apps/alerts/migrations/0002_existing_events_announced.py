"""Events recorded before e-mail alerts existed are history: mark them announced, so the
beat sweep does not e-mail them to the first subscribers."""

from django.db import migrations
from django.utils import timezone

BATCH = 1000


def mark_announced(apps, schema_editor):
    PublicEvent = apps.get_model("reserves", "PublicEvent")
    Announcement = apps.get_model("alerts", "Announcement")
    now = timezone.now()
    ids = list(PublicEvent.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        Announcement.objects.bulk_create(
            [Announcement(event_id=pk, created_at=now) for pk in ids[start : start + BATCH]],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
    ]

    operations = [migrations.RunPython(mark_announced, migrations.RunPython.noop)]
