"""The comment thread on paper pages: post, reply, edit, delete and report in place (htmx swaps the
thread; without JavaScript each form posts and redirects back to it)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from dailypapers.community import services
from dailypapers.community.models import Comment
from dailypapers.community.thread import thread_context
from dailypapers.lib.ratelimit import RateLimited, too_many_requests
from dailypapers.papers.models import Paper

THREAD_TEMPLATE = "community/_thread.html"


def _thread_response(request, paper: Paper, error: str = "", status: int = 200) -> HttpResponse:
    paper.refresh_from_db(fields=["num_comments"])  # a write has just moved it in the database
    return render(request, THREAD_TEMPLATE, thread_context(request.user, paper, error=error), status=status)


def _done(request, paper: Paper, error: str = "") -> HttpResponse:
    """After a write: the thread for htmx (errors shown in it: htmx swaps only 2xx answers), else
    back to the paper page, or a 400 with the message."""
    if request.htmx:
        return _thread_response(request, paper, error=error)
    if error:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    return redirect(paper.get_absolute_url() + "#comments")


def _sign_in_first(request, paper: Paper) -> HttpResponse:
    back = paper.get_absolute_url() + "#comments"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"/accounts/login/?{urlencode({'next': back})}"
        return response
    return redirect_to_login(back)


def _comment_or_404(comment_id: str) -> Comment:
    comment = Comment.objects.select_related("author", "paper").filter(pk=int(comment_id)).first() if comment_id.isdigit() else None
    if comment is None:
        raise Http404("No such comment.")
    return comment


@require_GET
def thread(request, paper_id: str):
    paper = get_object_or_404(Paper, pk=paper_id)
    return _thread_response(request, paper)


@require_POST
def post(request, paper_id: str):
    paper = get_object_or_404(Paper, pk=paper_id)
    if not request.user.is_authenticated:
        return _sign_in_first(request, paper)
    parent = None
    if request.POST.get("parent"):
        parent = Comment.objects.filter(pk=int(request.POST["parent"]), paper=paper).first() if request.POST["parent"].isdigit() else None
        if parent is None:
            return _done(request, paper, error="That comment cannot be replied to.")
    try:
        services.post_comment(request.user, paper, request.POST.get("source", ""), parent=parent)
    except RateLimited as exc:
        return too_many_requests(exc)
    except services.CommentError as exc:
        return _done(request, paper, error=str(exc))
    return _done(request, paper)


def _own_write(request, comment_id: str, write) -> HttpResponse:
    comment = _comment_or_404(comment_id)
    if not request.user.is_authenticated:
        return _sign_in_first(request, comment.paper)
    try:
        write(comment)
    except services.NotAllowed:
        return HttpResponseForbidden("You can only change your own comments.", content_type="text/plain; charset=utf-8")
    except RateLimited as exc:
        return too_many_requests(exc)
    except services.CommentError as exc:
        return _done(request, comment.paper, error=str(exc))
    return _done(request, comment.paper)


@require_POST
def edit(request, comment_id: str):
    return _own_write(request, comment_id, lambda c: services.edit_comment(request.user, c, request.POST.get("source", "")))


@require_POST
def delete(request, comment_id: str):
    return _own_write(request, comment_id, lambda c: services.delete_comment(request.user, c))


@require_POST
def report(request, comment_id: str):
    comment = _comment_or_404(comment_id)
    if not request.user.is_authenticated:
        return _sign_in_first(request, comment.paper)
    if not comment.is_visible:
        raise Http404("No such comment.")
    try:
        services.report_comment(request.user, comment, request.POST.get("reason", ""))
    except RateLimited as exc:
        return too_many_requests(exc)
    except services.CommentError as exc:
        return _done(request, comment.paper, error=str(exc))
    if request.htmx:
        context = thread_context(request.user, comment.paper, notice="Thank you: a moderator will look at it.")
        return render(request, THREAD_TEMPLATE, context)
    return redirect(comment.paper.get_absolute_url() + "#comments")
