"""Signals other rooms listen to, so that papers never import search, digests or the API."""

from django.dispatch import Signal

# Sent after papers were created, updated or deleted (an ingest batch, an admin edit, a submission).
# kwargs: paper_ids (list[str]). The search room re-indexes them; receivers must be cheap
# (enqueue a task), since senders are often inside a request or a bulk import.
papers_changed = Signal()

# Sent after a bulk load (the snapshot bootstrap into an empty database) wrote papers *without*
# sending papers_changed for them: queueing millions of ids one by one would cost more than
# deriving everything again. kwargs: count (int, papers written). Receivers rebuild what they
# derive from papers (the search room rebuilds its index) rather than update it.
papers_bulk_loaded = Signal()
