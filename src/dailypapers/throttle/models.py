"""Rate-limit counters shared by every web process of a site: one row per (key, minute) (a longer
window, an hour, is named by its last minute).

A counter is bumped with one atomic statement (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``,
SQLite >= 3.35 and PostgreSQL), so two processes counting the same key never lose a hit, and
a limit holds however many workers or hosts serve the site. Old minutes are pruned as time moves on.
"""

from __future__ import annotations

from django.db import connection, models


class RateCounterQuerySet(models.QuerySet):
    def hit(self, key: str, minute: int, now_minute: int | None = None) -> int:
        """Count one hit of ``key`` in ``minute``; returns the count so far, this hit included.
        ``now_minute`` (default ``minute``): the current minute, by which old counters are pruned (a
        longer window's row is named by its last minute, which lies ahead)."""
        table, key_col, minute_col, hits = map(connection.ops.quote_name, (RateCounter._meta.db_table, "bucket_key", "minute", "hits"))
        sql = (
            f"INSERT INTO {table} ({key_col}, {minute_col}, {hits}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({key_col}, {minute_col}) DO UPDATE SET {hits} = {table}.{hits} + 1 RETURNING {hits}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, minute])
            (count,) = cursor.fetchone()
        _prune_before(minute if now_minute is None else now_minute)
        return count


_pruned_before: int | None = None  # per process: prune once a minute, not on every hit


def _prune_before(minute: int) -> None:
    global _pruned_before
    if _pruned_before == minute:
        return
    _pruned_before = minute
    RateCounter.objects.filter(minute__lt=minute - 1).delete()


class RateCounter(models.Model):
    bucket_key = models.CharField(max_length=200)  # "write:member:12", "search:ip:203.0.113.9"
    minute = models.BigIntegerField()  # unix time // 60: the minute, or the last minute of a longer window
    hits = models.PositiveIntegerField(default=0)

    objects = RateCounterQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket_key", "minute"], name="throttle_one_counter_per_minute")]
        indexes = [models.Index(fields=["minute"], name="throttle_counter_minute")]

    def __str__(self) -> str:
        return f"{self.bucket_key} @ {self.minute}: {self.hits}"
