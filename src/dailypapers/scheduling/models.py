from django.db import models


class ScheduledRun(models.Model):
    """One enqueue of a periodic job (see ``dailypapers.scheduling.scheduler``) for one period.

    The unique (job, period_key) pair is what makes the scheduler exactly-once: several workers
    ticking at once race on this insert, and only the winner enqueues the task.
    """

    job = models.CharField(max_length=100)
    period_key = models.CharField(max_length=20)
    due_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-enqueued_at"]
        constraints = [models.UniqueConstraint(fields=["job", "period_key"], name="unique_scheduled_run")]

    def __str__(self) -> str:
        return f"{self.job} {self.period_key}"
