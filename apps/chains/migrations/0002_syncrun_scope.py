# The sync run names its chain by slug (`scope`) instead of a foreign key, so that the
# generic job-run record can move to apps.core (0003) without core depending on catalog.
# Stored node URLs and errors lose user, password, path and query (API keys) on the way.

from django.db import migrations, models

from apps.core.redaction import redact_url, scrub


def fill_scope(apps, schema_editor):
    SyncRun = apps.get_model("chains", "SyncRun")
    Chain = apps.get_model("catalog", "Chain")
    urls = [u for u in Chain.objects.values_list("rpc_url", flat=True) if u]
    slugs = dict(Chain.objects.values_list("pk", "slug"))
    for run in SyncRun.objects.all().iterator():
        secrets = [*urls, run.node] if run.node else urls
        run.scope = slugs.get(run.chain_id, "") if run.chain_id else ""
        run.error = scrub(run.error, urls=secrets) if run.error else ""
        run.node = redact_url(run.node) if run.node else ""
        run.save(update_fields=["scope", "error", "node"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_chain_confirmations_chain_max_age_seconds"),
        ("chains", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="scope",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(fill_scope, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="syncrun", name="syncrun_latest"),
        migrations.RemoveField(model_name="syncrun", name="chain"),
        migrations.AlterField(
            model_name="syncrun",
            name="node",
            field=models.CharField(
                blank=True, help_text="scheme://host[:port] asked", max_length=500
            ),
        ),
    ]
