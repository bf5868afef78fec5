"""Signals other rooms listen to, so that papers never import search, digests or the API."""

from django.dispatch import Signal

# Sent after papers were created, updated or deleted (an ingest batch, an admin edit, a submission).
# kwargs: paper_ids (list[str]). The search room re-indexes them; receivers must be cheap
# (enqueue a task), since senders are often inside a request or a bulk import.
papers_changed = Signal()
