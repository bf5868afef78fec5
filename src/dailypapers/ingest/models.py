import time

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest


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
    deleted = models.PositiveIntegerField(default=0, help_text="papers removed because the source deleted them")
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


class HarvestState(models.Model):
    """Checkpoint of an incremental harvest, one per (source, set).

    ``last_datestamp`` is the day up to which every record has been harvested, so the next run
    asks for records from there on. While a run is in progress, ``resumption_token`` holds the
    token of the next page (with the ``from``/``until`` it belongs to): a killed run resumes at the
    page after the last one whose records were committed, and no page is fetched twice.
    """

    source = models.CharField(max_length=64)
    set_spec = models.CharField(max_length=100, blank=True, help_text="OAI set, e.g. cs or physics:hep-th")
    metadata_prefix = models.CharField(max_length=32, default="arXiv")
    last_datestamp = models.DateField(null=True, blank=True)
    resumption_token = models.CharField(max_length=500, blank=True)
    token_from = models.DateField(null=True, blank=True)
    token_until = models.DateField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0, help_text="pages committed in the current run")
    records = models.PositiveIntegerField(default=0, help_text="records committed in the current run")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "set_spec"], name="unique_harvest_state")]

    def __str__(self) -> str:
        return f"{self.source} {self.set_spec or '(all)'} up to {self.last_datestamp or 'never'}"


class DeferredIndex(models.Model):
    """A secondary index a bulk load dropped and has not built again yet (see ``ingest.bulkload``).

    Written in the transaction that drops the index, deleted in the one that builds it, so an
    import killed in between leaves a record of what to rebuild.
    """

    name = models.CharField(max_length=200, primary_key=True)
    table = models.CharField(max_length=200)
    sql = models.TextField(help_text="the CREATE INDEX statement, as the database had it")
    deferred_at = models.DateTimeField(auto_now_add=True)
    # The importing process: while it runs, nobody else builds the index under its feet.
    pid = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class ArxivRequestSlot(models.Model):
    """When the site's next request to arXiv may go out: one row, shared by every process and host.

    arXiv asks for one request every few seconds from a whole site, not from each process: every
    request (API lookup, OAI-PMH page) first reserves a slot with :meth:`reserve`, which moves
    ``next_at`` on by the delay in one UPDATE, so two processes never get the same slot.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    next_at = models.FloatField(default=0.0, help_text="unix time of the next free request slot")

    def __str__(self) -> str:
        return f"next arXiv request at {self.next_at:.1f}"

    @classmethod
    def reserve(cls, delay: float, max_wait: float | None = None) -> float | None:
        """Reserve the next slot; returns its time (unix seconds): the request may go out from then on.

        With ``max_wait``, a slot further away than that is not reserved: returns None and changes nothing.
        """
        for _ in range(3):  # the row is created on first use (and again after a test flushes the table)
            now = time.time()
            with transaction.atomic():
                row = cls.objects.filter(pk=1)
                if max_wait is not None:
                    row = row.filter(next_at__lte=now + max_wait)
                if row.update(next_at=Greatest(F("next_at"), Value(now)) + delay):
                    next_at = cls.objects.values_list("next_at", flat=True).get(pk=1)
                    return next_at - delay
            if cls.objects.filter(pk=1).exists():
                if max_wait is not None:
                    return None  # the row is there: the slot was further than max_wait
                continue  # another process created the row since our UPDATE: reserve again
            try:
                with transaction.atomic():
                    cls.objects.create(pk=1, next_at=0.0)
            except IntegrityError:  # another process created it first
                pass
        raise RuntimeError("arXiv request slot row could not be created")


class SubmissionFetch(models.Model):
    """A member's submission of a paper the site did not have, while the worker fetches it from arXiv.

    One row per (member, paper): submitting it again while it is open, or the task running again,
    never makes a second fetch or a second entry. ``state`` is what the member is shown ("My papers",
    the 202 answers): fetching, arXiv busy and retried, not found, placed, refused or given up;
    ``message`` says it in words. The worker's task (``ingest.tasks.fetch_submission``) moves it on.
    """

    class State(models.TextChoices):
        FETCHING = "fetching", "Fetching from arXiv"
        RETRYING = "retrying", "arXiv is busy, we retry"
        NOT_FOUND = "not_found", "Not found on arXiv"
        PLACED = "placed", "On the page"
        REFUSED = "refused", "Not accepted"
        FAILED = "failed", "arXiv did not answer"

    OPEN_STATES = (State.FETCHING, State.RETRYING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submission_fetches")
    paper_id = models.CharField(max_length=80)
    date = models.DateField(help_text="the day's page it goes on")
    organization_slug = models.CharField(max_length=100, blank=True, help_text="submitted on behalf of (a slug)")
    state = models.CharField(max_length=16, choices=State.choices, default=State.FETCHING, db_index=True)
    message = models.TextField(blank=True, help_text="the state in words, as the member sees it")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="fetches tried by the worker")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    entry = models.ForeignKey("papers.DailyEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "paper_id"], name="one_submission_fetch_per_member_paper")]

    def __str__(self) -> str:
        return f"{self.paper_id} by {self.user}: {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES
