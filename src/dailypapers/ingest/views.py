"""Members submitting a paper to today's page: the form on the day page (htmx swaps its box with the
answer) or the page of its own (without JavaScript)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dailypapers.ingest.services import PendingSubmission, SubmissionError, submit_paper
from dailypapers.lib.ratelimit import RateLimited, too_many_requests

MAX_REFERENCE_CHARS = 300


@login_required
@require_http_methods(["GET", "POST"])
def submit(request):
    reference = request.POST.get("paper", request.GET.get("paper", ""))[:MAX_REFERENCE_CHARS].strip()
    organization = request.POST.get("organization", "")[:MAX_REFERENCE_CHARS].strip()  # a slug: on whose behalf
    if request.method == "GET":
        return _form(request, reference)
    try:
        entry = submit_paper(request.user, reference, organization=organization)
    except RateLimited as exc:
        return too_many_requests(exc, _form(request, reference, str(exc)))
    except SubmissionError as exc:
        return _form(request, reference, str(exc), status=400, already=getattr(exc, "entry", None))
    if isinstance(entry, PendingSubmission):  # the worker fetches it from arXiv: accepted, not yet done
        return _form(request, "", notice=entry.message, status=202)
    if request.htmx:
        response = _form(request, "", submitted=entry)
        response["HX-Trigger"] = "entries-changed"  # the page's list and its count reload (papers/_entry_list.html)
        return response
    messages.success(request, f"Submitted “{entry.paper.title}” to today's page.")
    return redirect(entry.paper.get_absolute_url())


def _form(request, reference: str, error: str = "", status: int = 200, notice: str = "", already=None, submitted=None):
    context = {
        "reference": reference, "error": error, "notice": notice, "already": already, "submitted": submitted,
        "window_days": settings.DAILYPAPERS_SUBMISSION_WINDOW_DAYS,
    }
    if request.htmx:
        # The day page's box; errors come as 200, since htmx swaps only 2xx answers (202 stays 202).
        return render(request, "ingest/_submit_box.html", context, status=200 if status >= 400 else status)
    return render(request, "ingest/submit.html", context, status=status)
