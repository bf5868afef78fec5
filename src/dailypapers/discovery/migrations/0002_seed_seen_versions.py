"""Papers already on the site are the baseline of alerting: none of them is "new" when this installs."""

from django.db import migrations


def seed(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO discovery_seenversion (paper_id, version) SELECT id, version FROM papers_paper WHERE true"
            " ON CONFLICT (paper_id) DO NOTHING"
        )


class Migration(migrations.Migration):
    dependencies = [("discovery", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
