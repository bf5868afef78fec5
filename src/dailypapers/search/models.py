"""What the search room keeps in the database: paper vectors and the outbox of index updates.

Both live in the database rather than next to the index files so that they share its transactions
and backups: the vector table is the source of truth the ANN index file is rebuilt from, and the
outbox survives a crash of the worker between "papers changed" and "index committed".
"""

from __future__ import annotations

import numpy as np
from django.db import connection, models
from django.db.models import F, Q
from django.utils import timezone

from dailypapers.papers.models import Paper


class PaperEmbedding(models.Model):
    """A paper's vector from ``model``. Its integer ``id`` is the paper's id inside the ANN index.

    A changed paper gets a new row (and so a new ANN id): readers holding an older index drop hits
    whose row is gone, so an in-memory index never returns a vector for text that has changed.
    """

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="embedding")
    model = models.CharField(max_length=100)
    text_hash = models.CharField(max_length=40, help_text="Hash of the embedded title + abstract")
    # float16, L2-normalised: 768 bytes at 384 dimensions.
    vector = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def as_array(self) -> np.ndarray:
        return np.frombuffer(self.vector, dtype=np.float16).astype(np.float32)

    @staticmethod
    def papers_without_vectors(model: str) -> models.QuerySet[Paper]:
        """Papers without a vector from ``model``, newest first: the embedding backlog."""
        return Paper.objects.filter(~Q(embedding__model=model) | Q(embedding__isnull=True)).order_by(
            F("published_at").desc(nulls_last=True), "-pk"
        )

    def __str__(self) -> str:
        return f"{self.paper_id} ({self.model})"


class PendingIndexUpdate(models.Model):
    """A paper whose index entries must be (re)written or dropped: the outbox of ``papers_changed``.

    Rows are deleted only after the lexical index has committed them, so a crash in between means
    they are simply indexed again (indexing is idempotent).
    """

    paper_id = models.CharField(max_length=80, unique=True)
    # Refreshed when the paper changes again while queued, so the indexer never clears an entry
    # newer than what it indexed.
    queued_at = models.DateTimeField(default=timezone.now, db_index=True)

    @classmethod
    def enqueue(cls, paper_ids) -> None:
        # One upsert statement run per id rather than bulk_create(update_conflicts=...): a snapshot
        # import queues every paper it writes, and building a model instance per id was a third of
        # its write time. The same SQL runs on SQLite and PostgreSQL.
        ids = list(dict.fromkeys(paper_ids))
        if not ids:
            return
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        table, column = cls._meta.db_table, cls._meta.get_field("queued_at").column
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (paper_id, {column}) VALUES (%s, %s)"
                f" ON CONFLICT (paper_id) DO UPDATE SET {column} = excluded.{column}",
                [(pid, now) for pid in ids],
            )

    def __str__(self) -> str:
        return self.paper_id
