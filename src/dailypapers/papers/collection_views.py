"""Collections on the web: the member's own list, one collection (owner view), the public share
page and the "save" control of every card. The rules are ``papers.collections``'s (the API's too)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dailypapers.lib.ratelimit import RateLimited, count_per_minute, too_many_requests
from dailypapers.papers import collections
from dailypapers.papers.context_processors import safe_return_path
from dailypapers.papers.models import Paper
from dailypapers.papers.services import mark_member_state

ITEM_ACTIONS = {"note", "read", "unread", "up", "down", "remove"}


def _owned_or_404(request, collection_id: int):
    collection = collections.owned_collection(request.user, collection_id)
    if collection is None:
        raise Http404("You have no such collection.")
    return collection


def _items_context(request, collection) -> dict:
    items = collections.items_of(collection)
    mark_member_state(request.user, [item.paper for item in items])
    return {"collection": collection, "items": items}


@login_required
@require_http_methods(["GET", "POST"])
def my_collections(request):
    """GET: the member's collections; POST: create one (``name``, ``description``, ``is_public``)."""
    error, status = "", 200
    if request.method == "POST":
        try:
            count_per_minute(request.user.pk)
            collection = collections.create_collection(
                request.user, request.POST.get("name", ""), request.POST.get("description", ""), request.POST.get("is_public") == "1"
            )
        except RateLimited as exc:
            return too_many_requests(exc)
        except (collections.CollectionError, collections.CollectionQuotaExceeded) as exc:
            error, status = str(exc), 409 if isinstance(exc, (collections.CollectionNameTaken, collections.CollectionQuotaExceeded)) else 400
        else:
            return redirect("papers:collection", collection.pk)
    context = {"collections": collections.member_collections(request.user), "error": error}
    return render(request, "papers/collections.html", context, status=status)


@login_required
@require_GET
def collection_page(request, collection_id: int):
    """The owner's view: notes, read marks, order; someone else's id is a 404, like a missing one."""
    collection = _owned_or_404(request, collection_id)
    return render(request, "papers/collection.html", _items_context(request, collection))


@login_required
@require_POST
def edit_collection(request, collection_id: int):
    """Rename, describe, make public/private (fields given change) or delete (``delete=1``)."""
    collection = _owned_or_404(request, collection_id)
    try:
        count_per_minute(request.user.pk)
    except RateLimited as exc:
        return too_many_requests(exc)
    if request.POST.get("delete") == "1":
        collections.delete_collection(collection)
        return redirect("papers:collections")
    is_public = request.POST.get("is_public")
    try:
        collections.update_collection(
            collection,
            name=request.POST.get("name"),
            description=request.POST.get("description"),
            is_public=None if is_public is None else is_public == "1",
        )
    except collections.CollectionError as exc:
        context = {**_items_context(request, collections.owned_collection(request.user, collection_id)), "error": str(exc)}
        return render(request, "papers/collection.html", context, status=409 if isinstance(exc, collections.CollectionNameTaken) else 400)
    return redirect("papers:collection", collection.pk)


@login_required
@require_POST
def collection_item(request, collection_id: int, paper_id: str):
    """One item: ``action`` note (with ``note``), read, unread, up, down or remove. htmx gets the
    items list back; without it the page reloads."""
    collection = _owned_or_404(request, collection_id)
    action = request.POST.get("action", "")
    if action not in ITEM_ACTIONS:
        return HttpResponseBadRequest(f"action must be one of {', '.join(sorted(ITEM_ACTIONS))}")
    try:
        count_per_minute(request.user.pk)
    except RateLimited as exc:
        return too_many_requests(exc)
    found = True
    try:
        if action == "note":
            paper = get_object_or_404(Paper, pk=paper_id)
            if not collection.items.filter(paper=paper).exists():
                raise Http404("That paper is not in this collection.")
            collections.save_paper(collection, paper, note=request.POST.get("note", ""))
        elif action in {"read", "unread"}:
            found = collections.set_read(collection, paper_id, action == "read") is not None
        elif action in {"up", "down"}:
            found = collections.move_item(collection, paper_id, -1 if action == "up" else 1)
        else:
            found = collections.remove_paper(collection, paper_id)
    except collections.CollectionError as exc:
        return HttpResponseBadRequest(str(exc))
    if not found:
        raise Http404("That paper is not in this collection.")
    if request.htmx:
        return render(request, "papers/_collection_items.html", _items_context(request, collection))
    return redirect("papers:collection", collection.pk)


@require_GET
def shared_collection(request, collection_id: int):
    """The share page: public collections for everyone, a private one only for its owner (404 else)."""
    collection = collections.shared_collection(request.user, collection_id)
    if collection is None:
        raise Http404("No such public collection.")
    return render(request, "papers/collection_shared.html", _items_context(request, collection))


def _login_redirect(request, back: str):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"/accounts/login/?{urlencode({'next': back})}"
        return response
    return redirect_to_login(back)


@require_http_methods(["GET", "POST"])
def save_paper(request, paper_id: str):
    """The save control's popover: the member's collections, ticked where the paper is.

    POST sets the paper's place in exactly the ticked collections among those ``shown`` (ids of
    other members' collections are ignored) and, with ``new_name``, creates a collection holding it."""
    paper = get_object_or_404(Paper, pk=paper_id)
    back = safe_return_path(request, request.POST.get("next") or request.GET.get("next"), paper.get_absolute_url())
    if not request.user.is_authenticated:
        return _login_redirect(request, back)
    error, status = "", 200
    if request.method == "POST":
        try:
            count_per_minute(request.user.pk)
        except RateLimited as exc:
            return too_many_requests(exc)
        error = _apply_save_form(request, paper)
        if not error and not request.htmx:
            return redirect(back)
        status = 200 if request.htmx or not error else 409
    mark_member_state(request.user, [paper])
    context = {"paper": paper, "holding": collections.collections_holding(request.user, paper), "error": error, "next": back, "save_open": True}
    if not request.htmx:
        template = "papers/save_paper.html"
    else:  # opening the popover fills it; a change re-renders the whole control (its button shows the new state)
        template = "papers/_save_popover.html" if request.method == "GET" else "papers/_save_control.html"
    return render(request, template, context, status=status)


def _apply_save_form(request, paper: Paper) -> str:
    """The popover form's changes; the error message, or "" when all went through."""
    ticked = set(request.POST.getlist("collection"))
    shown = set(request.POST.getlist("shown"))
    try:
        for collection in collections.member_collections(request.user).filter(pk__in=[i for i in shown if i.isdigit()]):
            if str(collection.pk) in ticked:
                collections.save_paper(collection, paper)
            else:
                collections.remove_paper(collection, paper.pk)
        new_name = request.POST.get("new_name", "").strip()
        if new_name:
            created = collections.create_collection(request.user, new_name, is_public=request.POST.get("new_public") == "1")
            collections.save_paper(created, paper)
    except (collections.CollectionError, collections.CollectionQuotaExceeded) as exc:
        return str(exc)
    return ""
