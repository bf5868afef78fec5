# ScheduledRun moved to the scheduling app (issue 11). Only Django's picture of the models changes
# here: the table and its rows stay, and scheduling's 0001 adopts them (see there).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ingest', '0003_deferredindex'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ScheduledRun')],
            database_operations=[],
        ),
    ]
