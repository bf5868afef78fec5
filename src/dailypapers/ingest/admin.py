from django.contrib import admin

from dailypapers.ingest.models import DeferredIndex, HarvestState, IngestRun, QuarantinedRecord, SubmissionFetch
from dailypapers.papers.admin import ReadOnlyAdmin


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    list_display = ["source", "detail", "started_at", "finished_at", "status", "created", "updated", "unchanged", "rejected", "deleted"]
    list_filter = ["source", "status"]


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(admin.ModelAdmin):
    list_display = ["source", "location", "reason", "created_at"]
    list_filter = ["source"]
    search_fields = ["location", "reason"]


@admin.register(HarvestState)
class HarvestStateAdmin(admin.ModelAdmin):
    list_display = ["source", "set_spec", "metadata_prefix", "last_datestamp", "resumption_token", "pages", "last_run_at",
                    "last_success_at", "last_error"]  # fmt: skip
    list_filter = ["source"]


@admin.register(DeferredIndex)
class DeferredIndexAdmin(ReadOnlyAdmin):
    """Read-only: rows come and go with bulk imports (see ingest.bulkload)."""

    list_display = ["name", "table", "deferred_at", "pid"]


@admin.register(SubmissionFetch)
class SubmissionFetchAdmin(ReadOnlyAdmin):
    """Read-only: the worker moves each one on (ingest.tasks.fetch_submission)."""

    list_display = ["paper_id", "user", "date", "state", "attempts", "next_attempt_at", "updated_at"]
    list_filter = ["state"]
    search_fields = ["paper_id"]
