"""Signals of the ingest room that rooms above it listen to (community tells the member)."""

from django.dispatch import Signal

# Sent when the worker settles a member's handed-over submission (``SubmissionFetch``) for good:
# placed on its page, not found on arXiv, refused, or given up after the retries. kwargs: fetch
# (the SubmissionFetch, its state and message as the member sees them). Not sent while retrying.
submission_settled = Signal()
