"""ScheduledRun moved from ingest to scheduling (issue 11): a database migrated at the old layout keeps its rows."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("ingest", "0003_deferredindex")]


def migrate(targets=None):
    """Migrate to ``targets`` (default: every app's latest); the models as they were there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_found_in_the_scheduling_app():
    from django.contrib.contenttypes.models import ContentType

    from dailypapers.scheduling.models import ScheduledRun

    permission_type = ContentType.objects.get_for_model(ScheduledRun)  # what group permissions point at
    try:
        # Migrating ingest back before the move unapplies scheduling's migrations too (they depend on it).
        old_apps = migrate(BEFORE_THE_MOVE)
        assert "ingest_scheduledrun" in connection.introspection.table_names()
        assert "scheduling_scheduledrun" not in connection.introspection.table_names()
        OldRun = old_apps.get_model("ingest", "ScheduledRun")
        due = dt.datetime(2026, 11, 30, 6, tzinfo=dt.UTC)
        OldRun.objects.create(job="arxiv-harvest", period_key="2026-11-30", due_at=due, task_result_id="abc")
        assert ContentType.objects.get(pk=permission_type.pk).app_label == "ingest"
    finally:
        migrate()
        ContentType.objects.clear_cache()

    assert ScheduledRun._meta.db_table == "scheduling_scheduledrun"
    assert "ingest_scheduledrun" not in connection.introspection.table_names()
    run = ScheduledRun.objects.get(job="arxiv-harvest", period_key="2026-11-30")
    assert (run.due_at, run.task_result_id) == (due, "abc")
    # The unique (job, period key) pair, which makes the scheduler exactly-once, came along.
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledRun.objects.create(job="arxiv-harvest", period_key="2026-11-30", due_at=due)
    # Permissions follow the model: its content type now belongs to the scheduling app.
    assert ContentType.objects.get(pk=permission_type.pk).app_label == "scheduling"
    assert not ContentType.objects.filter(app_label="ingest", model="scheduledrun").exists()
