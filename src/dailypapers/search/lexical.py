"""The lexical half: a tantivy BM25 index of titles, abstracts and author names.

Titles weigh more than abstracts (a paper is about what its title says: a title is its own short
BM25 field, and a title phrase adds to the score), and filters (dates, categories, organization,
code) are indexed fields so a filtered query still only scores matches.

Query time at millions of papers goes into walking posting lists, so queries are built to walk
as few as possible (measured in README, "Search" benchmarks): stop words and terms found in most
papers are left out (they barely move BM25 scores), the query is one flat disjunction of term
queries so tantivy's block-max WAND can skip blocks that cannot reach the top k, and matches are
not counted exhaustively when that would mean visiting every posting (the total is then an
estimate). Only the paper id is stored, so fetching the top hits touches few doc-store blocks.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import tantivy

from dailypapers.search.backends.base import SearchFilters
from dailypapers.search.manifest import ManifestMixin
from dailypapers.search.query import initials, keywords

log = logging.getLogger(__name__)

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
# 2: accents folded (a reader types "Balazs" for arXiv's "C. Balázs", "Schrodinger" for "Schrödinger").
SCHEMA_VERSION = 3
# 3: the first author's name as a field of its own ("Surname et al." filters on it).
# Titles and abstracts are scored as separate BM25 fields and summed (BM25F-like): a title is
# short, so its length norm already makes a title match worth several abstract matches, and exact
# titles and their first words get the phrase clause below. An extra x3 on titles (the first
# choice) let one title word outrank abstracts that use every word of a topic: on the dev half
# (`index evaluate --split dev`) a boost of 1.0 scored lexical nDCG@10 0.819 vs 0.783 at 3.0
# (keywords 0.880 vs 0.829, descriptions 0.424 vs 0.324), the hybrid 0.867 vs 0.863, titles and
# prefixes unchanged at 1.000 (grid 1.0-3.0: lexical quality fell steadily as the boost rose).
TITLE_BOOST = 1.0
AUTHORS_BOOST = 1.5
# A term in more than this share of papers (per field: a word common in abstracts may be rare in
# titles) is dropped from the query when others remain: its idf is < 1.2, a sixth or less of a rare
# term's, yet its postings are the longest to walk. At 3M papers the slowest queries were titles
# whose abstract terms each matched 1-1.5M papers; three interleaved timed rounds, lexical p95 30-35
# ms at 0.5, 21-25 at 0.3, 13-19 at 0.2. Judged set, with the size gate below lifted so that the
# same idf cut acts on the 313 sample papers: hybrid nDCG@10 dev/test 0.869/0.874 at 0.5,
# 0.868/0.874 at 0.3, 0.867/0.869 at 0.25, 0.864/0.869 at 0.2 (descriptions fall first).
FREQUENT_TERM_SHARE = 0.3
# ...once the index is big enough for that to matter; in a small one every word is "frequent".
FREQUENT_TERM_MIN_DOCS = 10_000
# Counting every match is exact but defeats top-k pruning; it is done when the terms' postings
# add up to at most this many (a few ms), and the total is estimated above it.
EXACT_COUNT_MAX_POSTINGS = 100_000
WRITER_HEAP_BYTES = 128_000_000
# A query of 2..TITLE_PHRASE_MAX_TERMS words also scores, at this boost, papers whose title contains
# it as a phrase, stop words included: a reader typing a title's first words ("On the Foundations",
# "Towards a Unified View") means that title, not every paper with "foundations" somewhere.
TITLE_PHRASE_MAX_TERMS = 8
# A query of more keywords is searched by its QUERY_KEYWORDS_MAX rarest (by papers containing them):
# the slowest queries at 3M papers were whole titles and sentences of 9-12 keywords, each term's
# postings walked in title, abstract and authors, and the commonest of them barely move BM25. At
# 3M, four interleaved runs: lexical p95 median 39 ms uncapped, 38 at 8, 29 at 6. Judged set: dev
# hybrid 0.869 -> 0.868 (lexical 0.819 -> 0.815), test 0.872 -> 0.874, titles and prefixes 1.000.
QUERY_KEYWORDS_MAX = 6
TITLE_PHRASE_BOOST = 6.0
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class LexicalDoc:
    paper_id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    organizations: list[str]
    has_code: bool
    published: dt.date | None


# The analysers of the text fields, registered on the index under these names and applied to query
# words too, so both sides agree without the query parser. As tantivy's "en_stem" and "default",
# plus ASCII folding: arXiv keeps accents ("C. Balázs", "Gödel"), readers mostly type without them.
_STEMMED = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)
_PLAIN = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .build()
)
TOKENIZERS = {"en_stem_folded": _STEMMED, "plain_folded": _PLAIN}
# (field, analyser, boost) of the searched text fields.
TEXT_FIELDS = (("title", _STEMMED, TITLE_BOOST), ("abstract", _STEMMED, 1.0), ("authors", _PLAIN, AUTHORS_BOOST))
# A one-letter word beside other words is an initial ("C. Balázs", `query.initials`): it is looked
# up in author names only. In titles and abstracts such letters are variables and labels ("T cells", "c"
# the speed of light), common there; summed over three fields, "c" ranked the one paper by
# C. Balázs fourth among the real arXiv records 0704.0001-0200. (A title's own letters still count
# in the title phrase, which takes every word.)
INITIAL_FIELDS = TEXT_FIELDS[2:]
# A query of at least this many keywords that reads as a person's name ("Haibin Su", "M. Capalbi")
# is looked up in author names only, each term scoring its idf: BM25's length norm buried a name in
# a 100-author list ("M. Capalbi" third), and a surname that is also a word lost to abstracts
# ("Su" beside SU(2)). A single word stays a search of every field: "Einstein" may mean papers by
# him or about his equations. Dev author queries 0.875 -> 0.909 (bm25s 0.911), test 0.956 -> 1.000
# (bm25s 1.000); other classes unchanged.
PERSON_MIN_KEYWORDS = 2


@dataclass(frozen=True)
class LexicalMatches:
    hits: list[tuple[str, float]]  # (paper_id, bm25) best first
    total: int
    total_exact: bool
    person: bool = False  # the query read as a person's name (LexicalIndex.is_name_query)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("paper_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=False, tokenizer_name="en_stem_folded")
    builder.add_text_field("abstract", stored=False, tokenizer_name="en_stem_folded")
    builder.add_text_field("authors", stored=False, tokenizer_name="plain_folded")
    builder.add_text_field("category", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("organization", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("first_author", stored=False, tokenizer_name="plain_folded", index_option="basic")
    builder.add_unsigned_field("has_code", indexed=True, fast=True)
    # Days since 1970-01-01; papers without a date are left out of any date-filtered search.
    builder.add_integer_field("published_day", indexed=True, fast=True)
    return builder.build()


class LexicalIndex(ManifestMixin):
    """One tantivy index directory plus ``manifest.json`` (schema version and committed doc count).

    The manifest is written after each commit; an index whose doc count disagrees with it, or whose
    schema version is older, reports ``consistent=False`` and the backend rebuilds it.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self.index = self._open()
        self._writer = None

    # opening ---------------------------------------------------------------------------
    def _open(self) -> tantivy.Index:
        index = self._open_files()
        for name, analyzer in TOKENIZERS.items():  # (not stored in the index: registered on each open)
            index.register_tokenizer(name, analyzer)
        return index

    def _open_files(self) -> tantivy.Index:
        manifest = self.read_manifest()
        if manifest and manifest.get("schema_version") != SCHEMA_VERSION:
            log.warning("lexical index at %s has schema %s, expected %s: starting a new one",
                        self.path, manifest.get("schema_version"), SCHEMA_VERSION)
            self._wipe()
        try:
            return tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError as exc:
            # Unreadable (a crash mid-write of the meta file, a foreign directory): start over.
            log.warning("lexical index at %s unreadable (%s): starting a new one", self.path, exc)
            self._wipe()
            return tantivy.Index(self.schema, path=str(self.path), reuse=True)

    def _wipe(self) -> None:
        for child in self.path.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()

    # reading ---------------------------------------------------------------------------
    def searcher(self) -> tantivy.Searcher:
        self.index.reload()  # picks up commits made by the worker process
        return self.index.searcher()

    def num_docs(self) -> int:
        return self.searcher().num_docs

    def consistent(self) -> bool:
        manifest = self.read_manifest()
        return manifest.get("schema_version") == SCHEMA_VERSION and manifest.get("num_docs") == self.num_docs()

    def _filter_queries(self, filters: SearchFilters) -> list[tantivy.Query]:
        queries = []
        if filters.category:
            queries.append(tantivy.Query.term_query(self.schema, "category", filters.category))
        if filters.organization:
            queries.append(tantivy.Query.term_query(self.schema, "organization", filters.organization))
        if filters.has_code:
            queries.append(tantivy.Query.term_query(self.schema, "has_code", 1))
        if filters.first_author:
            # Every token of the folded word (one, but for a hyphen the tokenizer splits at).
            tokens = _PLAIN.analyze(filters.first_author) or [filters.first_author]
            queries.extend(tantivy.Query.term_query(self.schema, "first_author", token) for token in tokens)
        if filters.published_from or filters.published_to:
            queries.append(
                tantivy.Query.range_query(
                    self.schema,
                    "published_day",
                    tantivy.FieldType.Integer,
                    (filters.published_from - _EPOCH).days if filters.published_from else None,
                    (filters.published_to - _EPOCH).days if filters.published_to else None,
                )
            )
        return queries

    def field_terms(self, terms: list[str], searcher: tantivy.Searcher, person: bool = False) -> list[tuple[str, str, float, int]]:
        """``(field, indexed term, boost, papers containing it)`` for the query's keywords, without
        terms found in most papers (unless nothing else is left), and for a long query only its
        :data:`QUERY_KEYWORDS_MAX` rarest keywords."""
        by_keyword: dict[str, list[tuple[str, str, float, int]]] = {}
        seen: set[tuple[str, str]] = set()
        words = keywords(terms)
        name_initials = set(initials(words))
        for keyword in words:
            for field, analyzer, boost in INITIAL_FIELDS if person or keyword in name_initials else TEXT_FIELDS:
                for token in analyzer.analyze(keyword):
                    if (field, token) not in seen:
                        seen.add((field, token))
                        by_keyword.setdefault(keyword, []).append((field, token, boost, searcher.doc_freq(field, token)))
        if len(by_keyword) > QUERY_KEYWORDS_MAX:
            rarity = {k: max((ft[3] for ft in fts if ft[3] > 0), default=searcher.num_docs + 1) for k, fts in by_keyword.items()}
            kept = set(sorted(by_keyword, key=rarity.__getitem__)[:QUERY_KEYWORDS_MAX])
            by_keyword = {k: fts for k, fts in by_keyword.items() if k in kept}
        # In field order, as before: (field, token) pairs of every kept keyword.
        order = {field: i for i, (field, _, _) in enumerate(TEXT_FIELDS)}
        present = sorted((ft for fts in by_keyword.values() for ft in fts if ft[3] > 0), key=lambda ft: order[ft[0]])
        if searcher.num_docs < FREQUENT_TERM_MIN_DOCS:
            return present
        return [ft for ft in present if ft[3] <= FREQUENT_TERM_SHARE * searcher.num_docs] or present

    def is_name_query(self, words: list[str], searcher: tantivy.Searcher) -> bool:
        """Whether ``words`` (keywords) read as a person's name ("Pavel Nadolsky", "C. Balázs",
        "Haibin Su"; not "protein folding" or "Vaswani attention"): each is an initial, a word of
        some author's name, or a word found in no paper (a forename arXiv gives as an initial), and
        at least one is at least as common in author names as in abstracts."""
        mostly_a_name = False
        for word in words:
            if len(word) == 1:
                continue
            in_authors = sum(searcher.doc_freq("authors", token) for token in _PLAIN.analyze(word))
            in_titles, in_abstracts = (sum(searcher.doc_freq(field, token) for token in _STEMMED.analyze(word)) for field in ("title", "abstract"))
            if not in_authors and (in_titles or in_abstracts):
                return False
            mostly_a_name = mostly_a_name or 0 < in_authors >= in_abstracts
        return mostly_a_name

    def title_phrase(self, terms: list[str]) -> tantivy.Query | None:
        """The query's words as a phrase in titles (see :data:`TITLE_PHRASE_BOOST`), or None."""
        tokens = [tok for term in terms for tok in _STEMMED.analyze(term)]
        if not 2 <= len(tokens) <= TITLE_PHRASE_MAX_TERMS:
            return None
        return tantivy.Query.boost_query(tantivy.Query.phrase_query(self.schema, "title", tokens), TITLE_PHRASE_BOOST)

    def build_query(
        self, field_terms: list[tuple[str, str, float, int]], filters: SearchFilters, person: bool = False, num_docs: int = 0
    ) -> tantivy.Query | None:
        """Any of the terms (BM25 ranks), all of the filters. For a ``person`` query each name term
        scores its idf whatever the length of the author list (see :data:`PERSON_MIN_KEYWORDS`)."""
        if not field_terms:
            return None
        # One flat OR of term queries: the shape tantivy prunes with block-max WAND.
        clauses = []
        for field, token, boost, df in field_terms:
            term_query = tantivy.Query.term_query(self.schema, field, token)
            if person:
                idf = math.log(1 + (num_docs - df + 0.5) / (df + 0.5))
                clauses.append((tantivy.Occur.Should, tantivy.Query.const_score_query(term_query, boost * idf)))
                continue
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(term_query, boost) if boost != 1.0 else term_query))
        text_query = tantivy.Query.boolean_query(clauses)
        filter_queries = self._filter_queries(filters)
        if not filter_queries:
            return text_query
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, text_query)] + [(tantivy.Occur.Must, q) for q in filter_queries]
        )

    def _add_title_phrase(self, searcher, query, hits, phrase, filters: SearchFilters, limit: int) -> list:
        """``hits`` of ``query`` scored as if ``phrase`` were one more of its clauses (a boolean
        query sums its clauses' scores), best ``limit`` first. The phrase is searched on its own:
        inside the union it turned off tantivy's block-max WAND pruning (3M papers: lexical p50
        11 -> 18 ms, p95 27 -> 46 ms), alone it takes ~1-2 ms. A phrase match outside the union's
        top ``limit`` gets its union score by a lookup of those few papers; a paper just outside
        both top lists (a phrase common in titles) can be missed where the union would have had it."""
        if phrase is None:
            return hits
        filter_queries = self._filter_queries(filters)
        if filter_queries:
            phrase = tantivy.Query.boolean_query([(tantivy.Occur.Must, phrase)] + [(tantivy.Occur.Must, q) for q in filter_queries])
        phrase_hits = searcher.search(phrase, limit=limit, count=False).hits
        if not phrase_hits:
            return hits
        scores = {(address.segment_ord, address.doc): [score, address] for score, address in hits}
        missing = [address for _, address in phrase_hits if (address.segment_ord, address.doc) not in scores]
        if missing:
            ids = tantivy.Query.term_set_query(self.schema, "paper_id", [searcher.doc(a)["paper_id"][0] for a in missing])
            lookup = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, ids)])
            for score, address in searcher.search(lookup, limit=len(missing), count=False).hits:
                scores[(address.segment_ord, address.doc)] = [score, address]
        for score, address in phrase_hits:
            entry = scores.get((address.segment_ord, address.doc))
            if entry is not None:  # (a phrase match holds the query's words: it is always there)
                entry[0] += score
        return [(score, address) for score, address in sorted(scores.values(), key=lambda entry: -entry[0])[:limit]]

    def search(self, terms: list[str], filters: SearchFilters, limit: int) -> LexicalMatches:
        """The ``limit`` best papers for ``terms`` that pass ``filters``, and how many match."""
        searcher = self.searcher()
        words = keywords(terms)
        person = len(words) >= PERSON_MIN_KEYWORDS and self.is_name_query(words, searcher)
        field_terms = self.field_terms(terms, searcher, person)
        query = self.build_query(field_terms, filters, person, searcher.num_docs)
        if query is None:
            return LexicalMatches([], 0, True)
        postings = sum(df for *_, df in field_terms)
        # With filters the query is an intersection, which tantivy drives by the shorter side, so
        # counting it stays cheap; an unfiltered union is counted only when it is small.
        count = postings <= EXACT_COUNT_MAX_POSTINGS or filters.active
        result = searcher.search(query, limit=limit, count=count)
        scored = result.hits if person else self._add_title_phrase(searcher, query, result.hits, self.title_phrase(terms), filters, limit)
        hits = [(searcher.doc(address)["paper_id"][0], score) for score, address in scored]
        if count:
            return LexicalMatches(hits, result.count or 0, True, person)
        if len(hits) < limit:  # every match is in hand
            return LexicalMatches(hits, len(hits), True, person)
        # At least the papers of the most common term match; at most those of all terms.
        return LexicalMatches(hits, max(len(hits), max(df for *_, df in field_terms)), False, person)

    def matches_all(self, terms: list[str], filters: SearchFilters) -> bool:
        """Whether some paper that passes ``filters`` contains every keyword of ``terms`` (in any text
        field). Asked only when the vectors did not understand a query, to tell a reader's rare
        words (an acronym, a title's first words) from words the corpus merely mentions apart."""
        searcher = self.searcher()
        musts = []
        words = keywords(terms)
        # In a name, a forename also matches its initial: arXiv lists "P. M. Nadolsky", a reader
        # types "Pavel Nadolsky" (and another paper's Pavel must not make that "no good match").
        name_query = self.is_name_query(words, searcher)
        for i, term in enumerate(words):
            # The last word may be half typed (the suggestions box): it also counts as a prefix.
            typing = i == len(words) - 1 and term.isalnum()
            alternatives = [
                (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, field, token))
                for field, analyzer, _ in TEXT_FIELDS
                for token in analyzer.analyze(term)
            ] + [
                (tantivy.Occur.Should, tantivy.Query.regex_query(self.schema, field, re.escape(prefix) + ".*"))
                for field, _, _ in TEXT_FIELDS
                for prefix in (_PLAIN.analyze(term) if typing else ())
            ] + [
                (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "authors", token[0]))
                for token in (_PLAIN.analyze(term) if name_query and len(term) > 1 else ())
            ]
            if alternatives:
                musts.append((tantivy.Occur.Must, tantivy.Query.boolean_query(alternatives)))
        if not musts:
            return False
        musts += [(tantivy.Occur.Must, q) for q in self._filter_queries(filters)]
        return bool(searcher.search(tantivy.Query.boolean_query(musts), limit=1, count=False).hits)

    def _every_word_queries(self, words: list[str]) -> list[tantivy.Query]:
        """One query per keyword, matching it in any text field (as a search analyses it)."""
        queries = []
        for word in words:
            alternatives = [
                (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, field, token))
                for field, analyzer, _ in TEXT_FIELDS
                for token in analyzer.analyze(word)
            ]
            if alternatives:
                queries.append(tantivy.Query.boolean_query(alternatives))
        return queries

    def count_by_month(
        self, words: list[str], filters: SearchFilters, months: list[tuple[str, dt.date, dt.date]], among: tantivy.Query | None = None
    ) -> dict[str, int]:
        """Papers holding every one of ``words`` (none: every paper) that pass ``filters`` (and are
        match ``among``, a set of ids), counted in each ``(key, first day, day after the last)`` of ``months``
        by tantivy's range aggregation over the ``published_day`` fast field (no document is loaded)."""
        word_queries = self._every_word_queries(words)
        if words and not word_queries:
            return {}  # words, none of them indexable
        musts = [*word_queries, *self._filter_queries(filters)]
        if among is not None:
            musts.append(among)
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in musts]) if musts else tantivy.Query.all_query()
        ranges = [{"key": key, "from": (start - _EPOCH).days, "to": (end - _EPOCH).days} for key, start, end in months]
        found = self.searcher().aggregate(query, {"months": {"range": {"field": "published_day", "ranges": ranges}}})
        keys = {key for key, _, _ in months}
        return {b["key"]: b["doc_count"] for b in found["months"]["buckets"] if b["key"] in keys and b["doc_count"]}

    def sum_by_month(
        self, words: list[str], filters: SearchFilters, weights: list[tuple[str, int]], months: list[tuple[str, dt.date, dt.date]]
    ) -> dict[str, int]:
        """The summed weights (upvotes) of the papers of ``weights`` (id, weight > 0) that hold every
        one of ``words`` and pass ``filters``, per month. The index holds no weights, and loading each
        matching paper's id cost ~12 us a paper (60k upvoted papers: ~0.7 s), so the weights are
        summed bit by bit: one :meth:`count_by_month` over the papers whose weight has bit ``b`` set,
        times ``2**b``. Exact, and about log2(largest weight) aggregations. The id sets of the bits
        are kept for the next call while the weights stay the same (building them is a third of it)."""
        bits = self._weight_bits(weights)
        totals: dict[str, int] = {}
        for bit, among in bits:
            for key, count in self.count_by_month(words, filters, months, among=among).items():
                totals[key] = totals.get(key, 0) + (count << bit)
        return totals

    def _weight_bits(self, weights: list[tuple[str, int]]) -> list[tuple[int, tantivy.Query]]:
        fingerprint = hash(tuple(weights))
        cached = getattr(self, "_bits_cache", None)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        bits = []
        for bit in range(max((w for _, w in weights), default=0).bit_length()):
            ids = [pid for pid, weight in weights if weight >> bit & 1]
            if ids:
                bits.append((bit, tantivy.Query.term_set_query(self.schema, "paper_id", ids)))
        self._bits_cache = (fingerprint, bits)
        return bits

    def matching_ids(self, paper_ids: list[str], filters: SearchFilters) -> set[str]:
        """Those of ``paper_ids`` that pass ``filters`` (vector hits are filtered this way)."""
        filter_queries = self._filter_queries(filters)
        if not paper_ids or not filter_queries:
            return set(paper_ids)
        ids_query = tantivy.Query.term_set_query(self.schema, "paper_id", list(paper_ids))
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in [ids_query, *filter_queries]])
        searcher = self.searcher()
        result = searcher.search(query, limit=len(paper_ids), count=False)
        return {searcher.doc(address)["paper_id"][0] for _, address in result.hits}

    def contains(self, paper_id: str) -> bool:
        searcher = self.searcher()
        query = tantivy.Query.term_query(self.schema, "paper_id", paper_id)
        return bool(searcher.search(query, limit=1).hits)

    # writing ---------------------------------------------------------------------------
    def _document(self, doc: LexicalDoc) -> tantivy.Document:
        fields = {
            "paper_id": [doc.paper_id],
            "title": [doc.title],
            "abstract": [doc.abstract],
            "authors": doc.authors or [""],
            "has_code": [1 if doc.has_code else 0],
        }
        if doc.categories:
            fields["category"] = doc.categories
        if doc.organizations:
            fields["organization"] = doc.organizations
        if doc.authors:
            fields["first_author"] = [doc.authors[0]]
        if doc.published:
            fields["published_day"] = [(doc.published - _EPOCH).days]
        return tantivy.Document.from_dict(fields, self.schema)

    def writer(self):
        if self._writer is None:
            # One writer per index across processes (tantivy holds a lock file); 1 thread keeps
            # the worker from taking both cores away from the web process.
            self._writer = self.index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        return self._writer

    def upsert(self, docs: list[LexicalDoc], deleted_ids: list[str] = ()) -> None:
        writer = self.writer()
        for paper_id in [*deleted_ids, *(d.paper_id for d in docs)]:
            writer.delete_documents_by_term("paper_id", paper_id)
        for doc in docs:
            writer.add_document(self._document(doc))

    def delete_all(self) -> None:
        self.writer().delete_all_documents()

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self._writer.wait_merging_threads()
        self._writer = None  # releases the lock file for other processes
        self.index.reload()
        self.write_manifest({"schema_version": SCHEMA_VERSION, "num_docs": self.index.searcher().num_docs})

    def rollback(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None


    def close(self) -> None:
        self.rollback()
