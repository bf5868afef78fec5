"""The data at the centre of Daily Papers: papers, their authors, daily pages and upvotes."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone

from dailypapers.papers.identifiers import (
    MAX_ORGANIZATION_SLUG_CHARS,
    ORGANIZATION_SLUG_RULE,
    PREPRINT_SERVERS,
    is_arxiv_id,
    is_organization_slug,
    server_of,
)
from dailypapers.papers.links import cached_reverse
from dailypapers.papers.logos import validate_logo_upload

_NAME_PUNCTUATION = re.compile(r"[^\w\s\-']")


def unaccented(text: str) -> str:
    """``text`` without its accents ("Balázs" -> "Balazs"): how readers type names, and what the
    search indexes hold so that either spelling finds the other."""
    if text.isascii():  # ASCII has nothing to decompose (most text: this runs per author at import)
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize_person_name(name: str) -> str:
    """Lower-case, accent-free, single-spaced form of a name, used to match authors across papers."""
    return " ".join(_NAME_PUNCTUATION.sub(" ", unaccented(name).lower()).split())


def ordered_authorships(lookup: str = "authorships", *, with_users: bool = True) -> models.Prefetch:
    """A paper's authorships in byline order with their authors, reached through ``lookup``
    ("authorships" from papers, "paper__authorships" from daily entries). ``with_users`` also
    fetches the member who claimed each author (cards link claimed names to their profiles, the HF
    API shows them; a join in the same query, never one more). For querysets and for
    ``prefetch_related_objects`` on lists already fetched."""
    author = "author__user" if with_users else "author"
    return models.Prefetch(lookup, queryset=Authorship.objects.select_related(author).order_by("position"))


class PaperQuerySet(models.QuerySet):
    def with_authors(self, *, with_users: bool = True) -> PaperQuerySet:
        """Each paper's authorships in byline order, fetched in one more query."""
        return self.prefetch_related(ordered_authorships(with_users=with_users))

    def with_entry(self) -> PaperQuerySet:
        """The paper's organization and its daily entry (with its organization and submitter) in the same
        query: ``paper.entry`` then costs none."""
        return self.select_related("organization", "daily_entry__organization", "daily_entry__submitted_by")

    def for_listing(self) -> PaperQuerySet:
        """What a list of papers shows: organization, daily entry, authors."""
        return self.with_entry().with_authors()


class DailyEntryQuerySet(models.QuerySet):
    def with_paper(self) -> DailyEntryQuerySet:
        """The entry's paper, both organizations and the submitter in the same query."""
        return self.select_related("paper__organization", "organization", "submitted_by")

    def for_listing(self, *, with_users: bool = True) -> DailyEntryQuerySet:
        """What a list of entries shows: paper, organizations, submitter, the paper's ordered authors."""
        return self.with_paper().prefetch_related(ordered_authorships("paper__authorships", with_users=with_users))


class CollectionItemQuerySet(models.QuerySet):
    def for_listing(self) -> CollectionItemQuerySet:
        """What a list of collected papers shows: as ``PaperQuerySet.for_listing``, for each item's paper."""
        return self.select_related(
            "paper__organization", "paper__daily_entry__organization", "paper__daily_entry__submitted_by"
        ).prefetch_related(ordered_authorships("paper__authorships"))


def validate_organization_slug(value: str) -> None:
    """The slug rule of ``papers.identifiers`` for forms (the admin): dotted slugs like Hugging Face's pass."""
    if not is_organization_slug(value):
        raise ValidationError(f"Not an organization slug: use {ORGANIZATION_SLUG_RULE} characters.", code="invalid")


class Organization(models.Model):
    """A lab, company or community that papers are submitted for (``deepseek-ai`` / ``DeepSeek``)."""

    slug = models.CharField(max_length=MAX_ORGANIZATION_SLUG_CHARS, unique=True, validators=[validate_organization_slug])
    name = models.CharField(max_length=200)
    url = models.URLField(blank=True)
    # Pages show the uploaded ``logo`` (papers.logos validates and serves it), else this remote
    # image, else a placeholder made from the name.
    avatar_url = models.URLField(blank=True)
    description = models.TextField(blank=True, max_length=5000, help_text="Markdown; rendered sanitized")
    logo = models.FileField(upload_to="organizations/logos/", blank=True, max_length=300, validators=[validate_logo_upload])
    # Set by site admins in the admin only (no member-facing form writes it).
    verified = models.BooleanField(default=False, help_text="Shown as a verified badge; set by site admins")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return cached_reverse("papers:organization", self.slug)

    @property
    def logo_url(self) -> str:
        """The uploaded logo (through ``papers:organization_logo``, never the storage's own URL), else ``avatar_url``."""
        if self.logo:
            return cached_reverse("papers:organization_logo", self.slug) + f"?v={self.logo.name.rsplit('/', 1)[-1]}"
        return self.avatar_url

    @property
    def initials(self) -> str:
        """The placeholder's letters when there is no logo at all (offline sites, new organizations)."""
        words = [w for w in re.split(r"[\s\-_.]+", self.name or self.slug) if w]
        return "".join(w[0] for w in words[:2]).upper() or "?"

    def is_admin(self, user) -> bool:
        return user.is_authenticated and self.memberships.approved().filter(user=user, role=OrganizationMembership.Role.ADMIN).exists()


class OrganizationMembershipQuerySet(models.QuerySet):
    def approved(self) -> OrganizationMembershipQuerySet:
        return self.filter(status=OrganizationMembership.Status.APPROVED)

    def requested(self) -> OrganizationMembershipQuerySet:
        return self.filter(status=OrganizationMembership.Status.REQUESTED)


class OrganizationMembership(models.Model):
    """A member's place in an organization: requested by the member, decided by the organization's
    admins (papers.organizations); the first admin is made by site admins in the admin."""

    class Role(models.TextChoices):
        MEMBER = "member"
        ADMIN = "admin"

    class Status(models.TextChoices):
        REQUESTED = "requested"
        APPROVED = "approved"
        REJECTED = "rejected"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OrganizationMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "-role", "requested_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="unique_membership_per_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role}, {self.status})"


class Author(models.Model):
    """A person as named on papers. ``user`` is set once a member claims the name."""

    name = models.CharField(max_length=300)
    normalized_name = models.CharField(max_length=300, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="authors"
    )

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_person_name(self.name)
        super().save(*args, **kwargs)


class Paper(models.Model):
    """One paper, whatever source it came from. ``id`` is the arXiv id without version."""

    id = models.CharField(primary_key=True, max_length=80)
    source = models.CharField(max_length=32, default="arxiv", help_text="Source that created the record")
    title = models.TextField()
    abstract = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    categories = models.JSONField(default=list, blank=True)
    primary_category = models.CharField(max_length=40, blank=True, db_index=True)
    doi = models.CharField(max_length=200, blank=True)
    journal_ref = models.TextField(blank=True)
    comments = models.TextField(blank=True)
    license = models.CharField(max_length=200, blank=True)
    # arXiv's report-no (an institution's report number); db_default: the bulk-load path inserts
    # rows with SQL of its own.
    report_no = models.CharField(max_length=300, blank=True, db_default="", default="")
    # Set when arXiv marks the paper withdrawn (kept, never deleted; out of trending and digests).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The shown code repository and project page: a source's own value, else the best of the
    # paper's ``links`` (enrichment.links picks it; a member's correction wins).
    github_repo = models.URLField(max_length=500, blank=True)
    project_page = models.URLField(max_length=500, blank=True)
    # Keyphrases of title and abstract (enrichment.keywords), served as ``ai_keywords``. Never written
    # by an import (not in ingest's PAPER_FIELDS); db_default: the fast import paths write rows with
    # SQL of their own.
    keywords = models.JSONField(default=list, blank=True, db_default=models.Value("[]"))
    # The first page of the PDF as a small PNG (papers.thumbnails), when the worker rendered one;
    # db_default: the bulk-load paths insert rows with SQL of their own.
    thumbnail = models.FileField(upload_to="thumbnails/", blank=True, max_length=300, db_default="", default="")
    thumbnail_failed_at = models.DateTimeField(null=True, blank=True, help_text="the last rendering that failed")
    # Some listings show how many authors a paper has but not their names.
    listed_author_count = models.PositiveIntegerField(null=True, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="papers"
    )
    # Upvotes imported from a source listing stay apart from members' own votes; pages show the sum.
    imported_upvotes = models.PositiveIntegerField(default=0)
    member_upvotes = models.PositiveIntegerField(default=0)
    upvotes = models.GeneratedField(
        expression=F("imported_upvotes") + F("member_upvotes"),
        output_field=models.PositiveIntegerField(),
        db_persist=True,
    )
    num_comments = models.PositiveIntegerField(default=0)
    # Hash of the normalized source record: a re-import with the same hash changes nothing.
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["-upvotes"], name="paper_upvotes_idx")]

    def __str__(self) -> str:
        return f"{self.id}: {self.title[:60]}"

    def get_absolute_url(self) -> str:
        return cached_reverse("papers:paper", self.id)

    @property
    def entry(self) -> DailyEntry | None:
        """The paper's daily entry, or None (``daily_entry`` raises when there is none). Loaded with the
        paper by ``with_entry()`` / ``for_listing()``, and cached when reached from the entry
        (``entry.paper.entry``); else one query."""
        try:
            return self.daily_entry
        except DailyEntry.DoesNotExist:
            return None

    @property
    def upvote_url(self) -> str:
        return cached_reverse("papers:upvote", self.id)

    @property
    def is_arxiv(self) -> bool:
        return is_arxiv_id(self.id)

    @property
    def server(self) -> str:
        """"arxiv", "biorxiv", "medrxiv", or "" for another source (papers.identifiers.server_of)."""
        return server_of(self.id)

    @property
    def preprint_url(self) -> str:
        """The paper's page on bioRxiv or medRxiv (its DOI, at its version), or ""."""
        server = self.server
        if server not in PREPRINT_SERVERS or not self.doi:
            return ""
        return f"https://www.{server}.org/content/{self.doi}v{self.version}"

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}" if self.is_arxiv else ""

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.id}" if self.is_arxiv else ""

    @property
    def thumbnail_url(self) -> str:
        """The rendered first page (through ``papers:thumbnail``, never the storage's own URL), or ""."""
        if not self.thumbnail:
            return ""
        return cached_reverse("papers:thumbnail", self.id) + f"?v={self.thumbnail.name.rsplit('/', 1)[-1][:-4]}"

    @property
    def has_code(self) -> bool:
        return bool(self.github_repo)

    def links_editable_by(self, user) -> bool:
        """Who may add or correct the paper's code and project links (``POST /api/papers/{id}/links``,
        and whose comments' links count): staff, the member who put it on a daily page, a member
        whose claim of one of its authors was approved, an admin of its organization. The Hub lets
        authors and submitters do it; nobody else vouches for a link."""
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_staff:
            return True
        if DailyEntry.objects.filter(paper=self, submitted_by=user).exists():
            return True
        if self.authorships.filter(author__user=user).exists():
            return True
        entry = DailyEntry.objects.filter(paper=self).select_related("organization").first()
        organizations = {o for o in (self.organization, entry.organization if entry else None) if o is not None}
        return any(o.is_admin(user) for o in organizations)

    def ordered_authors(self) -> list[Author]:
        return [a.author for a in self.authorships_in_order()]

    def authorships_in_order(self) -> list[Authorship]:
        """In author order, each with its ``author`` (identity) and the name as this paper spells it."""
        return list(self.authorships.select_related("author").order_by("position"))

    @property
    def full_text_or_none(self) -> PaperFullText | None:
        """The stored full text (``PaperFullText``), or None when none was fetched."""
        try:
            return self.full_text
        except PaperFullText.DoesNotExist:
            return None

    def shown_organization(self, entry: DailyEntry | None = None) -> Organization | None:
        """The organization pages, feeds and APIs show for the paper: the one it was submitted for
        on its daily ``entry``, else the one it came with. (Templates: ``paper|shown_organization:entry``.)"""
        return (entry.organization if entry is not None and entry.organization_id else None) or self.organization


class PaperLink(models.Model):
    """A code repository, Hugging Face model/dataset/Space or project page of a paper: found in its
    text (abstract, arXiv's comments field, a comment by a member who may edit its links), given by
    its source, or set by a member (:meth:`Paper.links_editable_by`). ``rejected`` marks a found
    link a member said is wrong, so that finding it again does not bring it back."""

    class Kind(models.TextChoices):
        CODE = "code"
        MODEL = "model"
        DATASET = "dataset"
        SPACE = "space"
        PROJECT = "project"

    class Origin(models.TextChoices):
        ABSTRACT = "abstract"
        COMMENTS = "comments"  # arXiv's comments field
        COMMENT = "comment"  # a member's comment on the site
        SOURCE = "source"  # the record's own github_repo / project_page
        MEMBER = "member"  # set through the links endpoint

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.URLField(max_length=500)
    # "owner/name" for repositories, models, datasets and Spaces; "" for project pages.
    repo_id = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    rejected = models.BooleanField(default=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper", "kind", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["paper", "kind", "url"], name="unique_link_per_paper")]
        indexes = [models.Index(fields=["kind", "repo_id"], name="paperlink_repo_idx")]

    def __str__(self) -> str:
        return f"{self.paper_id} {self.kind}: {self.url}"


class RowIdField(models.BigAutoField):
    """An auto-increment primary key that, on SQLite, is the plain rowid: no AUTOINCREMENT.

    SQLite's AUTOINCREMENT keeps ids of deleted rows from coming back by updating the
    sqlite_sequence table on every insert: a third of the cost of inserting an authorship, of
    which a full arXiv snapshot has ~18M. Nothing refers to authorship ids, so reuse is harmless.
    Other databases get a BigAutoField as usual.
    """

    def db_type_suffix(self, connection):
        return None if connection.vendor == "sqlite" else super().db_type_suffix(connection)


class Authorship(models.Model):
    id = RowIdField(primary_key=True)
    # No index of its own on paper: the unique (paper, position) index serves lookups by paper, and
    # every index costs the bulk import (~5 authorships per paper).
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="authorships", db_index=False)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="authorships")
    position = models.PositiveIntegerField()
    # The name as this paper spells it ("S. L. Yakovlev"); ``author`` is the merged identity, whose
    # name is one paper's spelling. Empty on rows written before it existed: pages fall back.
    name = models.CharField(max_length=300, blank=True, db_default="", default="")

    @property
    def shown_name(self) -> str:
        return self.name or self.author.name

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["paper", "position"], name="unique_author_position")]


class DailyEntry(models.Model):
    """A paper on a day's page. A paper appears on one day only."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="daily_entry")
    date = models.DateField(db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="daily_entries"
    )
    submitted_at = models.DateTimeField()
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="daily_entries"
    )

    objects = DailyEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "daily entries"
        indexes = [models.Index(fields=["date", "submitted_at"], name="entry_date_submitted_idx")]

    def __str__(self) -> str:
        return f"{self.date}: {self.paper_id}"


class Upvote(models.Model):
    """A member's upvote. One per member per paper; ``Paper.member_upvotes`` counts them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upvotes")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="member_votes")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="unique_upvote_per_member")]

    def __str__(self) -> str:
        return f"{self.user} ▲ {self.paper_id}"


class CollectionQuotaExceeded(Exception):
    """A member's collections, or one collection's papers, are at their limit; the message says which."""


class Collection(models.Model):
    """A member's named list of papers, each with an optional note; private unless made public.

    A member has at most DAILYPAPERS_MAX_COLLECTIONS collections of at most
    DAILYPAPERS_MAX_COLLECTION_ITEMS papers each (:meth:`check_room_for_collection`,
    :meth:`check_room_for_item`), so one account cannot grow the database without bound.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    is_public = models.BooleanField(default=False)
    papers = models.ManyToManyField(Paper, through="CollectionItem", related_name="collections")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_collection_name_per_owner")]

    def __str__(self) -> str:
        return self.name

    def visible_to(self, user) -> bool:
        return self.is_public or (user.is_authenticated and user.pk == self.owner_id)

    @staticmethod
    def check_room_for_collection(owner) -> None:
        limit = settings.DAILYPAPERS_MAX_COLLECTIONS
        if Collection.objects.filter(owner=owner).count() >= limit:
            raise CollectionQuotaExceeded(f"You already have {limit} collections, the most one member can have; delete one first")

    def check_room_for_item(self) -> None:
        limit = settings.DAILYPAPERS_MAX_COLLECTION_ITEMS
        if self.items.count() >= limit:
            raise CollectionQuotaExceeded(f"This collection already has {limit} papers, the most one can hold; remove one first")


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="collection_items")
    note = models.TextField(blank=True, max_length=5000)
    position = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)  # "mark as read": when the owner did

    objects = CollectionItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["collection", "paper"], name="unique_paper_per_collection")]

    def __str__(self) -> str:
        return f"{self.collection_id}: {self.paper_id}"


class PaperFullText(models.Model):
    """A paper's full text as markdown, converted from arXiv's HTML (``ingest.fulltext``), or why there is none.

    Written by the worker when the operator turns full text on (DAILYPAPERS_FULL_TEXT); served at
    ``/papers/<id>.md``, to ``hf papers read`` and as the paper's reading view. Math stays TeX
    (``$…$``, ``$$…$$``), figures are links to arXiv's images; ``sections`` and ``references``
    are the parsed outline and bibliography. ``license`` is the paper's licence when it was fetched.
    """

    class Status(models.TextChoices):
        OK = "ok", "Full text"
        NO_HTML = "no_html", "arXiv has no HTML version"
        FAILED = "failed", "Could not be fetched"

    paper = models.OneToOneField(Paper, primary_key=True, on_delete=models.CASCADE, related_name="full_text")
    status = models.CharField(max_length=16, choices=Status.choices)
    markdown = models.TextField(blank=True)
    sections = models.JSONField(default=list, blank=True, help_text='[{"level": 2, "title": "1 Introduction", "anchor": "S1"}, …]')
    references = models.JSONField(default=list, blank=True, help_text='[{"anchor": "bib.bib1", "text": "…"}, …]')
    source_url = models.URLField(max_length=500, blank=True)
    license = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True, help_text="the paper's version when fetched")
    error = models.TextField(blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.status}"
