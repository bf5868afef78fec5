from django.contrib import admin

from dailypapers.scheduling.models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ["job", "period_key", "due_at", "enqueued_at", "task_result_id"]
    list_filter = ["job"]
