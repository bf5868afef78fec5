"""Members' collections: the one set of rules the web pages and the API both call.

Who may see a collection is ``Collection.visible_to``; writes reach only the owner's own
collections (``owned_collection`` is the only way in, so another member's id answers "not found").
Quotas are ``Collection.check_room_for_*``. Rate limits stay with the callers (one bucket,
``ratelimit.count_per_minute``), as for upvotes.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from dailypapers.papers.models import Collection, CollectionItem, CollectionQuotaExceeded, Paper

__all__ = [
    "CollectionError",
    "CollectionNameTaken",
    "CollectionQuotaExceeded",
    "collections_holding",
    "create_collection",
    "delete_collection",
    "items_of",
    "member_collections",
    "move_item",
    "owned_collection",
    "remove_paper",
    "save_paper",
    "saved_paper_ids",
    "set_read",
    "shared_collection",
    "update_collection",
]

MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 5000
# Control characters other than tab and newlines: never meant, and PostgreSQL refuses NUL in text.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CollectionError(ValueError):
    """A change the member can fix (a blank name, a text too long); the message says what."""


class CollectionNameTaken(CollectionError):
    """The owner already has a collection of that name."""


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if CONTROL_CHARS.search(name):
        raise CollectionError("name must not contain control characters")
    if not name:
        raise CollectionError("name must not be blank")
    if len(name) > MAX_NAME_CHARS:
        raise CollectionError(f"name must be at most {MAX_NAME_CHARS} characters")
    return name


def _clean_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if CONTROL_CHARS.search(text):
        raise CollectionError(f"{what} must not contain control characters")
    if len(text) > MAX_TEXT_CHARS:
        raise CollectionError(f"{what} must be at most {MAX_TEXT_CHARS} characters")
    return text


def _collection_pk(value) -> int | None:
    """``value`` as a primary key the database can hold (a 30-digit id in a URL is no collection, not a 500)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def member_collections(user):
    """The member's collections, newest change first, each with ``num_papers``."""
    return Collection.objects.filter(owner=user).select_related("owner").annotate(num_papers=Count("items"))


def owned_collection(user, collection_id) -> Collection | None:
    """The member's own collection ``collection_id``, or None (also for someone else's: no hint it exists)."""
    if not user.is_authenticated or (collection_id := _collection_pk(collection_id)) is None:
        return None
    return Collection.objects.select_related("owner").filter(pk=collection_id, owner=user).first()


def shared_collection(user, collection_id) -> Collection | None:
    """Collection ``collection_id`` if ``user`` may read it (public, or their own), else None."""
    if (collection_id := _collection_pk(collection_id)) is None:
        return None
    collection = Collection.objects.select_related("owner").filter(pk=collection_id).first()
    return collection if collection is not None and collection.visible_to(user) else None


def create_collection(owner, name: str, description: str = "", is_public: bool = False) -> Collection:
    name, description = _clean_name(name), _clean_text(description, "description")
    try:
        with transaction.atomic():
            Collection.check_room_for_collection(owner)
            collection = Collection.objects.create(owner=owner, name=name, description=description, is_public=bool(is_public))
    except IntegrityError:
        raise CollectionNameTaken(f"You already have a collection named {name!r}") from None
    collection.num_papers = 0
    return collection


def update_collection(collection: Collection, *, name: str | None = None, description: str | None = None,
                      is_public: bool | None = None) -> Collection:
    """Change the fields given (None: unchanged)."""
    if name is not None:
        collection.name = _clean_name(name)
    if description is not None:
        collection.description = _clean_text(description, "description")
    if is_public is not None:
        collection.is_public = bool(is_public)
    try:
        with transaction.atomic():
            collection.save()
    except IntegrityError:
        raise CollectionNameTaken(f"You already have a collection named {collection.name!r}") from None
    return collection


def delete_collection(collection: Collection) -> None:
    collection.delete()


def items_of(collection: Collection) -> list[CollectionItem]:
    """The collection's items in the owner's order, each with its paper as listings show it."""
    return list(collection.items.for_listing().order_by("position", "added_at", "pk"))


def save_paper(collection: Collection, paper: Paper, *, note: str | None = None, position: int | None = None) -> CollectionItem:
    """Put ``paper`` in ``collection`` (at the end) or, when it is there, change its note/position.

    ``note`` None keeps the note (saving from a card); a paper already in a full collection can still
    get a new note. Raises CollectionQuotaExceeded when a new paper does not fit."""
    note = None if note is None else _clean_text(note, "note")
    with transaction.atomic():
        item = CollectionItem.objects.filter(collection=collection, paper=paper).first()
        if item is None:
            collection.check_room_for_item()
            last = collection.items.aggregate(last=Max("position"))["last"]
            item = CollectionItem(collection=collection, paper=paper, position=0 if last is None else last + 1)
        if note is not None:
            item.note = note
        if position is not None:
            item.position = position
        item.save()
        collection.save(update_fields=["updated_at"])
    return item


def remove_paper(collection: Collection, paper_id: str) -> bool:
    """Take the paper out; False when it was not in the collection."""
    deleted, _ = CollectionItem.objects.filter(collection=collection, paper_id=paper_id).delete()
    if deleted:
        collection.save(update_fields=["updated_at"])
    return bool(deleted)


def set_read(collection: Collection, paper_id: str, read: bool) -> CollectionItem | None:
    """Mark the item read (now) or unread; None when the paper is not in the collection."""
    item = CollectionItem.objects.filter(collection=collection, paper_id=paper_id).first()
    if item is None:
        return None
    if read != (item.read_at is not None):
        item.read_at = timezone.now() if read else None
        item.save(update_fields=["read_at"])
        collection.save(update_fields=["updated_at"])
    return item


def move_item(collection: Collection, paper_id: str, offset: int) -> bool:
    """Move the paper ``offset`` places (-1 up, +1 down) in the collection's order; positions are
    renumbered 0..n-1 on the way, so ties left by the API's free positions resolve as shown."""
    with transaction.atomic():
        items = list(collection.items.select_for_update().order_by("position", "added_at", "pk"))
        index = next((i for i, item in enumerate(items) if item.paper_id == paper_id), None)
        if index is None:
            return False
        target = max(0, min(len(items) - 1, index + offset))
        items.insert(target, items.pop(index))
        changed = [item for position, item in enumerate(items) if item.position != position]
        for position, item in enumerate(items):
            item.position = position
        CollectionItem.objects.bulk_update(changed, ["position"])
        collection.save(update_fields=["updated_at"])
    return True


def member_paper_ids(sql: str, user, paper_ids, *, column: str = "paper_id") -> set[str]:
    """The ids among ``paper_ids`` that ``sql`` (a SELECT of paper ids with one ``%s`` for the
    member's id) returns for ``user``: the statement behind each card flag, ``AND column IN (...)``
    added for the page's distinct ids."""
    ids = list(dict.fromkeys(paper_ids))
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} AND {column} IN ({', '.join(['%s'] * len(ids))})", [user.pk, *ids])
        return {row[0] for row in cursor.fetchall()}


def saved_paper_ids(user, paper_ids) -> set[str]:
    """Which of ``paper_ids`` the member has in any collection (one query; the cards' saved state).
    Plain SQL, as ``services.voted_paper_ids`` and for the same measured reason."""
    if not user.is_authenticated:
        return set()
    return member_paper_ids(
        f"SELECT DISTINCT item.paper_id FROM {CollectionItem._meta.db_table} item"
        f" JOIN {Collection._meta.db_table} owned ON owned.id = item.collection_id WHERE owned.owner_id = %s",
        user, paper_ids, column="item.paper_id",
    )


def collections_holding(user, paper: Paper) -> list[tuple[Collection, bool]]:
    """Each of the member's collections and whether it holds ``paper`` (the save popover)."""
    holding = set(CollectionItem.objects.filter(collection__owner=user, paper=paper).values_list("collection_id", flat=True))
    return [(c, c.pk in holding) for c in member_collections(user).order_by("name")]
