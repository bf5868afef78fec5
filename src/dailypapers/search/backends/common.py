"""What both search backends do the same way, as the base class both inherit: one search flow
(an arXiv id opens its paper, both halves fused, "no good match", coverage notices), the documents
they index, the query-vector cache, hits with highlights, the index outbox and the embedding
backlog (both read the database's ``PendingIndexUpdate`` and ``PaperEmbedding`` rows), vector
export. A backend supplies its two halves (:meth:`IndexedSearchBackend._halves`), its counts and
its upkeep; it never imports the other backend."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from dailypapers.papers.identifiers import arxiv_id_in, paper_reference_in
from dailypapers.papers.models import Authorship, Paper, unaccented
from dailypapers.search import fusion, spelling, vector_files
from dailypapers.search.backends.base import (
    EmbedProgress,
    MonthlyCounts,
    PendingCounts,
    SearchBackend,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from dailypapers.search.embedder import get_embedder
from dailypapers.search.highlight import ABSTRACT_FRAGMENT_CHARS, highlight
from dailypapers.search.lexical import LexicalDoc, LexicalMatches
from dailypapers.search.models import PaperEmbedding, PendingIndexUpdate
from dailypapers.search.query import (
    ReadQuery,
    fold,
    keywords,
    query_terms,
    question_terms,
    read_query,
    reference_text,
    without_mash,
    year_range,
)

# Papers per round of index upkeep (outbox drain, rebuild): bounded memory at any corpus size.
INDEX_CHUNK = 2_000
# Query embeddings kept per process (search-as-you-type repeats queries).
QUERY_VECTOR_CACHE = 2_048
# Both halves contribute this many candidates (at least) to the fusion.
FUSION_DEPTH = 100
# Vector hits are filtered after the ANN search, so filtered searches fetch more of them.
FILTERED_OVERFETCH = 8
NO_LEXICAL_MATCHES = LexicalMatches([], 0, True)
# The first month ``count_by_month`` counts: imports refuse dates before 1980.
FIRST_MONTH = (1980, 1)


def month_spans(until: dt.date | None = None) -> list[tuple[str, dt.date, dt.date]]:
    """``("YYYY-MM", first day, first day of the next month)`` from :data:`FIRST_MONTH` to the
    month after ``until`` (today, UTC): every month a paper can be dated in."""
    until = until or dt.datetime.now(dt.UTC).date()
    year, month = FIRST_MONTH
    spans = []
    while (year, month) <= (until.year + (until.month == 12), until.month % 12 + 1):
        start = dt.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        spans.append((start.strftime("%Y-%m"), start, dt.date(year, month, 1)))
    return spans


def lexical_docs(paper_ids: Iterable[str]) -> tuple[list[LexicalDoc], list[str]]:
    """Index documents for the papers that exist, and the ids that no longer do."""
    paper_ids = list(paper_ids)
    papers = list(
        Paper.objects.filter(pk__in=paper_ids)
        .select_related("organization", "daily_entry__organization")
        .only(
            "id", "title", "abstract", "categories", "primary_category", "github_repo", "published_at",
            "organization__slug", "daily_entry__organization__slug",
        )
    )  # fmt: skip
    authors: dict[str, list[str]] = {}
    for paper_id, name in (
        Authorship.objects.filter(paper_id__in=[p.pk for p in papers]).order_by("position").values_list("paper_id", "author__name")
    ):
        authors.setdefault(paper_id, []).append(name)
    docs = []
    for p in papers:
        entry = getattr(p, "daily_entry", None) if hasattr(p, "daily_entry") else None
        orgs = {o.slug for o in (p.organization, entry.organization if entry else None) if o}
        categories = sorted({*(p.categories or []), *([p.primary_category] if p.primary_category else [])})
        docs.append(
            LexicalDoc(
                paper_id=p.pk, title=p.title, abstract=p.abstract, authors=authors.get(p.pk, []),
                categories=categories, organizations=sorted(orgs), has_code=bool(p.github_repo),
                published=p.published_at.date() if p.published_at else None,
            )
        )  # fmt: skip
    found = {p.pk for p in papers}
    return docs, [pid for pid in paper_ids if pid not in found]


def paper_titles(ids: list[str]) -> dict[str, str]:
    """The titles ``fusion.hybrid`` looks at (its title-start candidates), by paper id."""
    return dict(Paper.objects.filter(pk__in=ids).values_list("pk", "title"))


def narrowed_filters(filters: SearchFilters, read: ReadQuery) -> SearchFilters | None:
    """``filters`` with the first author and year ``read`` names, or None when the year falls
    outside the dates the filters already ask for."""
    narrowed = replace(filters, first_author=read.first_author or filters.first_author)
    if read.year is not None:
        start, end = year_range(read.year)
        start, end = max(start, filters.published_from or start), min(end, filters.published_to or end)
        if start > end:
            return None
        narrowed = replace(narrowed, published_from=start, published_to=end)
    return narrowed


class IndexedSearchBackend(SearchBackend):
    """A backend with a keyword index and a vector index over the database's papers and vectors."""

    def __init__(self):
        self.embedder = get_embedder()
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- what each backend supplies ---------------------------------------------------------
    def _halves(
        self, terms: list[str], vector_text: str, query: SearchQuery, depth: int, mode: str
    ) -> tuple[LexicalMatches, list[tuple[str, float]], float]:
        """The keyword matches (none in "vector" mode), the ``depth`` nearest papers passing the
        filters (none in "lexical" mode) and the best cosine before filtering (0.0 without vectors)."""
        raise NotImplementedError

    def _coverage_counts(self) -> tuple[int, int]:
        """(papers with a vector the vector index serves, papers in the keyword index)."""
        raise NotImplementedError

    def matches_all(self, terms: list[str]) -> bool:
        """Whether some paper holds every keyword of ``terms`` (the last may be half typed)."""
        raise NotImplementedError

    def _index_notices(self) -> list[str]:
        """What searches should say about the index's state (a rebuild under way)."""
        return []

    def _vocabulary_papers(self, words: list[str]) -> dict[str, int]:
        """Papers holding each of ``words`` (folded) by the spelling vocabulary (0: not in it)."""
        return {}

    def _spelling_candidates(self, word: str, edits: int) -> list[tuple[str, int]]:
        """The commonest vocabulary words at most ``edits`` edits from ``word``, with their papers."""
        return []

    def _vocabulary_has_prefix(self, prefix: str) -> bool:
        """Whether a longer vocabulary word starts with ``prefix`` (a half-typed last word)."""
        return False

    def _corpus_size(self) -> int:
        """Papers in the keyword index (exact or estimated)."""
        return 0

    def corrections(self, terms: list[str]) -> dict[str, str]:
        """The typos among ``terms`` (query terms) and what they stand for, by ``spelling``'s rule:
        ``{typed word, folded: correction}``. Words common enough that no word could outnumber them
        by ``EDIT_COST`` are not looked up; nor a last word that starts a longer word (typed so far)."""
        words = list(dict.fromkeys(fold(t) for t in terms if spelling.correctable(t)))
        if not words:
            return {}
        counts = self._vocabulary_papers(words)
        if not any(counts.values()) and not self._corpus_size():
            return {}
        enough = max(1.0, self._corpus_size() / spelling.EDIT_COST)
        last = fold(terms[-1])
        found = {}
        for word in words:
            papers = counts.get(word, 0)
            if papers >= enough or (word == last and self._vocabulary_has_prefix(word)):
                continue
            if (correction := spelling.best_correction(word, papers, self._spelling_candidates(word, spelling.max_edits(word)))) is not None:
                found[word] = correction
        return found

    def _papers_by_month(self, words: list[str], filters: SearchFilters) -> dict[str, int]:
        """Papers holding every one of ``words`` (none: all) passing ``filters``, per "YYYY-MM"."""
        raise NotImplementedError

    def _upvotes_by_month(self, words: list[str], filters: SearchFilters) -> dict[str, int]:
        """The upvotes (imported and members') of the papers holding every one of ``words`` (none:
        all) and passing ``filters``, summed per "YYYY-MM" of first publication."""
        raise NotImplementedError

    # -- trends ------------------------------------------------------------------------------
    def count_by_month(self, text: str, filters: SearchFilters = SearchFilters()) -> MonthlyCounts:
        terms = query_terms(unaccented(text))
        words = keywords(terms) if terms else []
        papers = self._papers_by_month(words, filters)
        if not papers:
            return MonthlyCounts(papers={}, upvotes={})
        return MonthlyCounts(papers=papers, upvotes=self._upvotes_by_month(words, filters))

    # -- searching ---------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResults:
        text = reference_text(query.text)  # "arxiv 2406.01234": the word before an id says what it is
        reference = paper_reference_in(text)
        paper = Paper.objects.only("id", "title", "abstract").filter(pk=reference).first() if reference else None
        if paper is not None:
            hit = SearchHit(reference, 1.0, highlight(paper.title, []), highlight(paper.abstract, [], fragment_chars=ABSTRACT_FRAGMENT_CHARS))
            return SearchResults(hits=[hit] if query.offset == 0 else [], total=1, mode=query.mode, exact_paper_id=reference)
        if missing := arxiv_id_in(text):
            # Its digits as words would match nothing meaningful: offer to add the paper instead.
            return SearchResults(hits=[], total=0, mode=query.mode, missing_arxiv_id=missing)
        read = read_query(query.text)
        if not read.constrained:
            return self._search_words(query)
        if read.first_author and query.spelling and (fixed := self.corrections([read.first_author])):
            read = replace(read, first_author=fixed[read.first_author])  # "Vaswany et al."
        # "Surname et al.", "Surname 2023": the first author and the year filter the search; when no
        # paper passes them the words are searched on their own, and the notice says so.
        narrowed = narrowed_filters(query.filters, read)
        if narrowed is not None:
            results = self._search_words(replace(query, text=read.text, filters=narrowed), query.text)
            if results.hits or results.total:
                return results
        results = self._search_words(replace(query, text=read.text), query.text)
        asked = " in ".join(part for part in (f"first author {read.first_author.title()}" if read.first_author else "", str(read.year or "")) if part)
        notice = f"No paper here matches {asked}; showing matches for “{read.text}”."
        return replace(results, notice=" ".join(n for n in (notice, results.notice) if n))

    def _search_words(self, query: SearchQuery, typed_text: str | None = None) -> SearchResults:
        """A search of ``query``'s words (no id in them) through both halves; ``typed_text`` is what
        the reader typed (``query.text`` with any "et al" and year), for "Did you mean"."""
        typed = query_terms(query.text)
        terms = question_terms(query.text, without_mash(typed))
        notices = self._index_notices()
        if typed and not terms:  # keyboard mash, whatever the corpus holds
            return SearchResults(hits=[], total=0, mode=query.mode, notice=" ".join(notices), no_good_match=True)
        if not terms:
            return SearchResults(hits=[], total=0, mode=query.mode, notice="Type some words to search.")
        did_you_mean = None
        if query.spelling and (corrected := self.corrections(terms)):
            terms = [corrected.get(fold(t), t) for t in terms]
            did_you_mean = spelling.corrected_text(typed_text or query.text, corrected)
        return replace(self._search_terms(query, terms, notices), did_you_mean=did_you_mean)

    def _search_terms(self, query: SearchQuery, terms: list[str], notices: list[str]) -> SearchResults:
        depth = max(FUSION_DEPTH, query.offset + query.limit)
        mode = query.mode
        if mode in ("hybrid", "vector"):
            vectors_ready, coverage_notice = self._vector_coverage()
            if not vectors_ready:
                mode = "lexical"
                notices.append("Semantic search is not available yet (no papers embedded); showing keyword matches only.")
            elif coverage_notice:
                notices.append(coverage_notice)
        # The vector half gets the whole query, stop words included: they carry meaning for the transformer.
        lexical, vector_ranking, best_cosine = self._halves(terms, " ".join(terms), query, depth, mode)
        # Judged on the whole corpus, not the filtered part: a filter narrows what a meaningful query shows.
        if mode != "lexical" and fusion.no_good_match(best_cosine, lambda: self.matches_all(terms)):
            return SearchResults(hits=[], total=0, mode=mode, notice=" ".join(notices), no_good_match=True)
        if mode == "lexical":
            ranked, total, total_exact = lexical.hits, lexical.total, lexical.total_exact
        elif mode == "vector":
            ranked, total, total_exact = vector_ranking, len(vector_ranking), False
        else:
            ranked = fusion.hybrid(lexical.hits, vector_ranking, terms, paper_titles, lexical.person)
            total, total_exact = max(lexical.total, len(ranked)), False
        page = ranked[query.offset : query.offset + query.limit]
        return SearchResults(
            hits=self._hits(page, terms), total=total, mode=mode, notice=" ".join(notices), total_exact=total_exact,
            no_good_match=not ranked and not query.filters.active,  # with filters, "no papers match" says it better
        )

    def _vector_coverage(self) -> tuple[bool, str]:
        """Whether vectors can serve (any embedded), and a notice while they cover part of the papers."""
        embedded, papers = self._coverage_counts()
        if embedded == 0:
            return False, ""
        if papers and embedded < papers:
            share = embedded / papers
            return True, (
                f"Semantic matching covers {embedded:,} of {papers:,} papers so far ({share:.0%}, newest first); "
                "keyword matching covers all."
            )
        return True, ""

    def query_vector(self, text: str) -> np.ndarray:
        """The embedding of a query, cached: search-as-you-type repeats queries a lot."""
        with self._cache_lock:
            cached = self._query_vectors.get(text)
            if cached is not None:
                self._query_vectors.move_to_end(text)
                return cached
        vector = self.embedder.embed_query(text)
        with self._cache_lock:
            self._query_vectors[text] = vector
            while len(self._query_vectors) > QUERY_VECTOR_CACHE:
                self._query_vectors.popitem(last=False)
        return vector

    def _hits(self, ranked: list[tuple[str, float]], terms: list[str]) -> list[SearchHit]:
        rows = Paper.objects.filter(pk__in=[p for p, _ in ranked]).values_list("pk", "title", "abstract")
        texts = {pid: (title, abstract) for pid, title, abstract in rows}
        return [
            SearchHit(
                paper_id=pid,
                score=float(score),
                title_highlight=highlight(texts[pid][0], terms),
                abstract_highlight=highlight(texts[pid][1], terms, fragment_chars=ABSTRACT_FRAGMENT_CHARS),
            )
            for pid, score in ranked
            if pid in texts  # deleted since it was indexed; its removal is already queued
        ]

    def _backlog(self):
        return PaperEmbedding.papers_without_vectors(self.embedder.name)

    def pending_counts(self) -> PendingCounts:
        return PendingCounts(outbox=PendingIndexUpdate.objects.count(), embed_backlog=self._backlog().count())

    def process_pending_updates(self) -> int:
        processed = 0
        while True:
            rows = list(PendingIndexUpdate.objects.order_by("pk").values_list("pk", "paper_id", "queued_at")[:INDEX_CHUNK])
            if not rows:
                return processed
            self.index_papers([pid for _, pid, _ in rows])
            # A paper queued again while we indexed has a newer queued_at and stays for next round.
            read_until = max(queued for _, _, queued in rows)
            PendingIndexUpdate.objects.filter(pk__in=[pk for pk, _, _ in rows], queued_at__lte=read_until).delete()
            processed += len(rows)

    def export_vectors(self, path, on_progress: EmbedProgress | None = None) -> int:
        """Every stored vector of this site's model to a file (format: :mod:`search.vector_files`)."""
        return vector_files.export_vectors(path, self.embedder.name, self.embedder.dimensions, on_progress)

    def embedding_device(self) -> str:
        return self.embedder.device
