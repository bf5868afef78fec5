# ingest_scheduledrun becomes scheduling_scheduledrun: a rename (rows, indexes and the unique
# constraint go with the table).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(name='scheduledrun', table=None),
    ]
