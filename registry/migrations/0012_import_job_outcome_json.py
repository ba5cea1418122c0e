"""ImportJob.outcome becomes JSON data (registry/sheets/outcome.py, ``ImportOutcome.as_data``) instead of a pickle.

A pickled outcome is not read back (nothing unpickles any more): a finished preview stored that way is marked
failed, telling its user to preview the file again; a finished import keeps its records and history but not
its result message (it counts as reported).
"""
from django.conf import settings
from django.db import migrations, models
from django.utils import translation
from django.utils.translation import gettext


def retire_pickled_outcomes(apps, schema_editor):
    ImportJob = apps.get_model("registry", "ImportJob")
    stored = ImportJob.objects.filter(state="done", outcome__isnull=False)
    with translation.override(settings.LANGUAGE_CODE):
        message = gettext("This preview was stored by an earlier version of the registry. Preview the file again.")
    stored.filter(step="plan").update(state="failed", error=message)
    stored.filter(step="apply").update(reported=True)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0011_round_figures_history_by_round"),
    ]

    operations = [
        migrations.RunPython(retire_pickled_outcomes, migrations.RunPython.noop),
        migrations.RemoveField(model_name="importjob", name="outcome"),
        migrations.AddField(
            model_name="importjob",
            name="outcome",
            field=models.JSONField(blank=True, null=True, verbose_name="outcome"),
        ),
    ]
