"""What a paper's card shows, as data: the one source for the web card's rules and the digest
mail's copy of it (issue 28: "mail keeps its own inline-styled copy, fed by the same data").

The web card (``papers/_paper_card.html``) reads the paper in the template through the same rules
this module states once — the first ``CARD_AUTHORS`` names with "+N", claimed names linked to the
member's profile, ``Paper.shown_organization``, the code host by ``repo_host``, the submitter —
and mail, which has no site stylesheet and needs absolute links, renders :func:`card` (see
``digests/email/digest.html``). Paths here are site paths; mail puts its base URL in front.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.text import author_count

CARD_AUTHORS = 3  # names shown before "+N" (the web card's slice:":3")

# Hosts of code repositories by the names readers know; any other shows its host name.
CODE_HOSTS = {"github.com": "GitHub", "gitlab.com": "GitLab", "codeberg.org": "Codeberg", "bitbucket.org": "Bitbucket",
              "huggingface.co": "Hugging Face"}


def repo_host(url: str) -> str:
    """"GitHub" for https://github.com/org/repo, else the host ("code" without one)."""
    host = (urlsplit(url or "").hostname or "").removeprefix("www.")
    return CODE_HOSTS.get(host, host or "code")


def profile_path(username: str) -> str:
    return f"/u/{quote(username, safe='')}"


@dataclass(frozen=True)
class CardAuthor:
    name: str
    profile_path: str = ""  # the claiming member's profile, when an active member claimed the author


@dataclass(frozen=True)
class CardOrganization:
    name: str
    path: str
    logo_url: str
    initials: str
    verified: bool


@dataclass(frozen=True)
class CardSubmitter:
    username: str
    profile_path: str
    avatar_path: str


@dataclass(frozen=True)
class Card:
    paper_id: str
    title: str
    path: str
    authors: tuple[CardAuthor, ...]  # the first CARD_AUTHORS
    more_authors: int  # the "+N"
    author_count: str  # "12 authors" when the source listed a count but no names
    organization: CardOrganization | None
    category: str
    code_url: str
    code_host: str
    upvotes: int
    num_comments: int
    submitter: CardSubmitter | None
    thumbnail_path: str
    withdrawn: bool

    @property
    def author_line(self) -> str:
        """"Ada Lovelace, Alan Turing, Grace Hopper +2" (plain text)."""
        if not self.authors:
            return self.author_count
        return ", ".join(a.name for a in self.authors) + (f" +{self.more_authors}" if self.more_authors else "")

    @property
    def comments_label(self) -> str:
        return f"{self.num_comments} comment{'' if self.num_comments == 1 else 's'}"


def card(paper: Paper, entry: DailyEntry | None = None) -> Card:
    """The card of ``paper`` (with its ``entry``, as the lists pass it). Reads the authorships,
    organizations and submitter the lists load with the paper (``for_listing``): no query of its own."""
    authorships = list(paper.authorships.all())
    authors = []
    for a in authorships[:CARD_AUTHORS]:
        claimer = a.author.user if a.author_id else None
        path = profile_path(claimer.username) if claimer is not None and claimer.is_active else ""
        authors.append(CardAuthor(a.shown_name, path))
    org = paper.shown_organization(entry)
    submitter = entry.submitted_by if entry is not None and entry.submitted_by_id else None
    return Card(
        paper_id=paper.pk,
        title=paper.title,
        path=paper.get_absolute_url(),
        authors=tuple(authors),
        more_authors=max(0, len(authorships) - CARD_AUTHORS),
        author_count=author_count(paper.listed_author_count) if not authorships and paper.listed_author_count else "",
        organization=CardOrganization(org.name, org.get_absolute_url(), org.logo_url, org.initials, bool(org.verified)) if org else None,
        category=paper.primary_category,
        code_url=paper.github_repo,
        code_host=repo_host(paper.github_repo) if paper.github_repo else "",
        upvotes=paper.upvotes,
        num_comments=paper.num_comments,
        submitter=CardSubmitter(submitter.username, profile_path(submitter.username), profile_path(submitter.username) + "/avatar")
        if submitter is not None else None,
        thumbnail_path=paper.thumbnail_url,
        withdrawn=bool(paper.withdrawn_at),
    )
