from django.db import models


class IngestRun(models.Model):
    """One run of the ingest pipeline, with its counts, so operators can see what each import did."""

    source = models.CharField(max_length=64)
    detail = models.CharField(max_length=500, blank=True, help_text="file, set or query the run read")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, default="running")  # running | finished | failed
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class QuarantinedRecord(models.Model):
    """A record the pipeline refused, kept with its reason so nothing is silently lost."""

    run = models.ForeignKey(IngestRun, null=True, on_delete=models.CASCADE, related_name="quarantined")
    source = models.CharField(max_length=64)
    location = models.CharField(max_length=200, help_text="where in the input: line number, OAI identifier, …")
    reason = models.TextField()
    raw_excerpt = models.TextField(blank=True, help_text="first characters of the raw record")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.location}: {self.reason[:80]}"
