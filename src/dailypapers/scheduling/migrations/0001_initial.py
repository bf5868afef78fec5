# ScheduledRun was ingest's model (table ingest_scheduledrun, created by ingest 0002). This app takes
# it over without touching the database: the model enters this app's state on the existing table,
# after ingest 0004 took it out of ingest's, so a fresh database (ingest 0002 creates the table) and
# one migrated at the old layout (the table has rows) go through the same steps and keep every row.
# 0002 then gives the table this app's name. Depending on ingest 0004 also means migrating ingest
# back before the move unapplies these first, which puts the table back as ingest had it.

from django.db import migrations, models


def content_type_follows(apps, schema_editor, old_label="ingest", new_label="scheduling"):
    """The model's content type changes app, so its permissions (and admin log entries) stay with it."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new_label, model="scheduledrun").exists():
        ContentType.objects.filter(app_label=old_label, model="scheduledrun").update(app_label=new_label)


def content_type_goes_back(apps, schema_editor):
    content_type_follows(apps, schema_editor, old_label="scheduling", new_label="ingest")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('ingest', '0004_scheduledrun_moves_to_scheduling'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ScheduledRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('job', models.CharField(max_length=100)),
                        ('period_key', models.CharField(max_length=20)),
                        ('due_at', models.DateTimeField()),
                        ('enqueued_at', models.DateTimeField(auto_now_add=True)),
                        ('task_result_id', models.CharField(blank=True, max_length=64)),
                    ],
                    options={
                        'ordering': ['-enqueued_at'],
                        'constraints': [models.UniqueConstraint(fields=('job', 'period_key'), name='unique_scheduled_run')],
                        'db_table': 'ingest_scheduledrun',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_goes_back, elidable=True),
    ]
