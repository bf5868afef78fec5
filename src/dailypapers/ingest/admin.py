from django.contrib import admin

from dailypapers.ingest.models import IngestRun, QuarantinedRecord


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    list_display = ["source", "detail", "started_at", "finished_at", "status", "created", "updated", "unchanged", "rejected"]
    list_filter = ["source", "status"]


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(admin.ModelAdmin):
    list_display = ["source", "location", "reason", "created_at"]
    list_filter = ["source"]
    search_fields = ["location", "reason"]
