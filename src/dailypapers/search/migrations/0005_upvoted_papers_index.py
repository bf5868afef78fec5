"""A covering partial index of the papers that have upvotes: (upvotes, id) where upvotes > 0.

Topic trends (``SearchBackend.count_by_month``) read every upvoted paper's id and upvotes per
request; through ``paper_upvotes_idx`` each row cost a lookup of the wide papers row (60,000 upvoted
papers among 300,000: 0.5-0.9 s on SQLite), through this index none. Both databases; Django's model
state does not know it (it belongs to the search backends' reads, not to the papers room).
"""

from django.db import migrations

INDEX = "search_upvoted_papers"


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_postgres_document_first_author"),
        ("papers", "0009_paper_keywords_links"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON papers_paper (upvotes, id) WHERE upvotes > 0",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
