"""The PostgreSQL backend: weighted full text (``tsvector`` + GIN) and pgvector (HNSW), fused by RRF.

Chosen automatically on a PostgreSQL database (``DAILYPAPERS_SEARCH_BACKEND=auto``): the index then
lives in the database, so every web host and worker shares it and it is in the database's backups.
Its tables (migration ``search.0002``) are caches of the papers table and ``search_paperembedding``
like the embedded backend's files; the search flow, fusion, highlights, "no good match" and the
outbox are the embedded backend's too, through their shared base class (``backends.common``).

The keyword half at millions of papers. ``ts_rank`` has to read every candidate's ``tsvector`` from
the heap, and an OR of common words matches a large part of the corpus, so ranking all matches (one
``ORDER BY ts_rank`` over the whole match set) grows with the corpus. Candidates are generated in
bounded tiers instead, each an index-driven scan cut by ``LIMIT``:

1. papers holding every keyword (the GIN intersection; small for any query of two or more words),
2. papers whose *title* holds any keyword (its own GIN index over the title's ``tsvector``),
3. papers holding any keyword at all (the GIN union), to fill up when the first two are few.

Each tier reads at most :data:`CANDIDATES_PER_TIER` rows, so ranking touches at most three times that
whatever the corpus size; where a tier is cut, the papers it would add rank below those of tiers 1-2
(they hold fewer of the words, none in the title). The rank is BM25-like: a per-keyword ``ts_rank``
(title A 1.0, authors B 0.5, abstract C 0.33, length-normalised) weighted by the keyword's idf, with
document frequencies counted up to :data:`DF_COUNT_CAP` (a term that common gets the cap's idf), and
a bonus for the query as a phrase in the title (as the embedded backend's ``TITLE_PHRASE_BOOST``).

Text is folded to unaccented letters on both sides (:data:`TEXT_VERSION`), as the embedded
backend's lexical schema 2, and a query that reads as a person's name is looked up in author names
only (:meth:`PostgresSearchBackend._reads_as_a_name`).
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module

import numpy as np
from django.db import connection, transaction

from dailypapers.papers.models import Paper, unaccented
from dailypapers.search import vector_files
from dailypapers.search.backends.base import EmbedProgress, RebuildProgress, SearchFilters, SearchHit, SearchQuery
from dailypapers.search.backends.common import (
    FILTERED_OVERFETCH,
    INDEX_CHUNK,
    NO_LEXICAL_MATCHES,
    IndexedSearchBackend,
    lexical_docs,
)
from dailypapers.search.embedder import paper_text, text_hash
from dailypapers.search.lexical import (
    FREQUENT_TERM_MIN_DOCS,
    FREQUENT_TERM_SHARE,
    PERSON_MIN_KEYWORDS,
    LexicalDoc,
    LexicalMatches,
)
from dailypapers.search.models import PaperEmbedding, PendingIndexUpdate
from dailypapers.search.query import first_author_words, fold, keywords
from dailypapers.search.spelling import CANDIDATES, paper_words

log = logging.getLogger(__name__)

DOCUMENTS = "search_pg_document"
LEXEME_MONTHS = "search_pg_lexeme_month"  # papers per (lexeme or \x01category, month): migration 0006
VECTORS = "search_pg_vector"
TERMS = "search_pg_term"  # the spelling vocabulary (migration 0007)
_MIGRATION = "dailypapers.search.migrations.0002_postgres_search_tables"
# What the documents' text is: 2 folds accents on both sides (migration 0003, whose partial index
# finds rows of an older version; a new version needs a new migration and index); 3 adds the first
# author's name words (migration 0004); 4: their words are in the spelling vocabulary (0007).
TEXT_VERSION = 4
# The trigram similarity (pg_trgm's ``%``) a spelling candidate needs: the default 0.3 lets most
# one- and two-edit typos of 4+ letters through ("lerning"/"learning" 0.55, "moel"/"model" 0.38);
# the edit distance decides among them (``search.spelling``).
TRIGRAM_SIMILARITY = 0.3

CANDIDATES_PER_TIER = 500
# A word in fewer papers than this is "rare": its papers are tier 3. Words the statistics do not
# list as frequent are counted, up to this.
DF_COUNT_CAP = 2_000
# Papers looked at per word to tell a person's name from other words (`_reads_as_a_name`).
NAME_SAMPLE = 200
# Below this many papers the corpus is counted, not estimated from the planner's statistics.
EXACT_DOCUMENT_COUNT_MAX = 100_000
STATISTICS_TTL_S = 300.0
# Lexical totals are counted up to this many matches, estimated above (counting 10,000 of a common
# word's matches cost ~150 ms at 100k papers: the count would take longer than the search).
TOTAL_COUNT_CAP = 1_000
# ts_rank weights, {D, C, B, A}: abstract C, authors B, title A (the embedded backend's boosts 1 : 1.5 : 3).
RANK_WEIGHTS = "{0.1, 0.33, 0.5, 1.0}"
RANK_NORMALIZATION = 1  # divide by 1 + log(document length): long abstracts do not win by length
TITLE_PHRASE_MAX_TERMS = 8
# The title-phrase bonus, as a share of the query's summed idf (a paper matching every keyword in
# its title scores about 0.06 * that sum): a phrase match puts a title above keyword matches.
TITLE_PHRASE_BONUS = 0.2
# The HNSW search list: at least the rows asked for (pgvector returns at most ef_search rows).
MIN_EF_SEARCH = 100
# ``count_by_month``'s statement: enough for an exact bitmap of millions of rows.
TRENDS_WORK_MEM = "256MB"
MAX_EF_SEARCH = 1_000
# The query embedding runs beside the keyword SQL (onnxruntime releases the GIL); the SQL stays on
# the request's own connection (inside a test's transaction, too).
_EMBEDDING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-embed")


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form of a vector, ``[0.1,0.2,...]``."""
    return "[" + ",".join(f"{x:.5g}" for x in np.asarray(vector, dtype=np.float32).tolist()) + "]"


def _count_months(cursor, paper_ids: list[str], sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) the stored documents of ``paper_ids`` in the papers per
    (lexeme, month) of :data:`LEXEME_MONTHS`: called around every rewrite and delete of documents,
    inside its transaction, with the rows locked first so that two writers of one paper queue."""
    if not paper_ids:
        return
    if sign < 0:
        cursor.execute(f"SELECT 1 FROM {DOCUMENTS} WHERE paper_id = ANY(%s) ORDER BY paper_id FOR UPDATE", [paper_ids])
    cursor.execute(
        f"INSERT INTO {LEXEME_MONTHS} (lexeme, month, papers)"
        f" SELECT k.key, date_trunc('month', d.published)::date, %s * count(*) FROM {DOCUMENTS} d,"
        " LATERAL (SELECT unnest(tsvector_to_array(d.document)) UNION SELECT chr(1) || unnest(d.categories)) k(key)"
        " WHERE d.paper_id = ANY(%s) AND d.published IS NOT NULL GROUP BY 1, 2"
        f" ON CONFLICT (lexeme, month) DO UPDATE SET papers = {LEXEME_MONTHS}.papers + excluded.papers",
        [sign, paper_ids],
    )


def _filter_sql(filters: SearchFilters, alias: str = "d") -> tuple[str, list]:
    """`` AND ...`` conditions on the document table for ``filters``, and their parameters."""
    sql, params = [], []
    if filters.category:
        sql.append(f"%s = ANY({alias}.categories)")
        params.append(filters.category)
    if filters.organization:
        sql.append(f"%s = ANY({alias}.organizations)")
        params.append(filters.organization)
    if filters.has_code:
        sql.append(f"{alias}.has_code")
    if filters.first_author:
        sql.append(f"%s = ANY({alias}.first_author)")
        params.append(fold(filters.first_author))
    if filters.published_from:
        sql.append(f"{alias}.published >= %s")
        params.append(filters.published_from)
    if filters.published_to:
        sql.append(f"{alias}.published <= %s")
        params.append(filters.published_to)
    return "".join(f" AND {s}" for s in sql), params


class PostgresSearchBackend(IndexedSearchBackend):
    def __init__(self):
        super().__init__()
        self._has_vector_table: bool | None = None
        self._has_trigrams: bool | None = None
        self._iterative_scans = False  # pgvector >= 0.8 (set by vectors_available)
        self._statistics: tuple[float, int, dict[str, float]] | None = None  # (when, papers, lexeme shares)

    # -- tables ------------------------------------------------------------------------------
    def vectors_available(self) -> bool:
        """Whether the vector table exists (pgvector was there at migration or rebuild time)."""
        if self._has_vector_table is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL, (SELECT extversion FROM pg_extension WHERE extname = 'vector')", [VECTORS])
                exists, version = cursor.fetchone()
                self._has_vector_table = bool(exists) and self.embedder.dimensions == import_module(_MIGRATION).DIMENSIONS
                self._iterative_scans = tuple(int(p) for p in (version or "0").split(".")[:2] if p.isdigit()) >= (0, 8)
            if not self._has_vector_table:
                log.warning("PostgreSQL search: no pgvector table (%s): semantic search is off", VECTORS)
        return self._has_vector_table

    # -- searching ---------------------------------------------------------------------------
    def _halves(
        self, terms: list[str], vector_text: str, query: SearchQuery, depth: int, mode: str
    ) -> tuple[LexicalMatches, list[tuple[str, float]], float]:
        vector = _EMBEDDING.submit(self.query_vector, vector_text) if mode != "lexical" else None
        try:
            lexical = NO_LEXICAL_MATCHES if mode == "vector" else self._lexical_ranking(terms, query.filters, depth, mode == "lexical")
        finally:
            query_vector = vector.result() if vector is not None else None
        if query_vector is None:
            return lexical, [], 0.0
        return lexical, *self._vector_ranking(query_vector, query.filters, depth)

    def _coverage_counts(self) -> tuple[int, int]:
        if not self.vectors_available():
            return 0, 0
        with connection.cursor() as cursor:
            # Planner estimates would do at millions, but are unset until ANALYZE; exact counts
            # cost a few ms per million rows on the primary keys.
            cursor.execute(f"SELECT (SELECT count(*) FROM {VECTORS}), (SELECT count(*) FROM {DOCUMENTS})")
            return cursor.fetchone()

    def _corpus_statistics(self, cursor) -> tuple[int, dict[str, float]]:
        """(papers in the document table, share of papers holding each frequent lexeme), from the
        planner's statistics (``ANALYZE``: ``reltuples`` and the tsvector's most common elements);
        papers are counted exactly below :data:`EXACT_DOCUMENT_COUNT_MAX`, where that costs little.
        At scale the statistics are cached for :data:`STATISTICS_TTL_S`."""
        now = time.monotonic()
        if self._statistics is not None and now - self._statistics[0] < STATISTICS_TTL_S:
            return self._statistics[1], self._statistics[2]
        cursor.execute(
            f"SELECT c.reltuples::bigint, s.most_common_elems::text::text[], s.most_common_elem_freqs FROM pg_class c"
            " LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = c.relname AND s.attname = 'document'"
            f" WHERE c.oid = '{DOCUMENTS}'::regclass"
        )
        estimate, lexemes, shares = cursor.fetchone()
        shares = dict(zip(lexemes, shares)) if lexemes else {}
        if estimate >= EXACT_DOCUMENT_COUNT_MAX:
            self._statistics = (now, estimate, shares)
            return estimate, shares
        cursor.execute(f"SELECT count(*) FROM {DOCUMENTS}")
        return cursor.fetchone()[0], shares

    def _document_frequencies(self, cursor, words: list[str], papers: int, shares: dict[str, float]) -> list[int]:
        """How many papers hold each word: estimated from the statistics for frequent words (counting
        them would visit that many rows), counted up to :data:`DF_COUNT_CAP` for the others."""
        cursor.execute(
            "SELECT tsvector_to_array(to_tsvector('english', w.word)) FROM unnest(%s::text[]) WITH ORDINALITY w(word, n) ORDER BY w.n", [words]
        )
        lexemes = [row[0] for row in cursor.fetchall()]
        frequencies = [0 if not lx else round(shares[lx[0]] * papers) if len(lx) == 1 and lx[0] in shares else None for lx in lexemes]
        to_count = [w for w, df in zip(words, frequencies) if df is None]
        if to_count:
            cursor.execute(
                f"SELECT (SELECT count(*) FROM (SELECT 1 FROM {DOCUMENTS} d WHERE d.document @@ plainto_tsquery('english', w.word)"
                " LIMIT %s) s) FROM unnest(%s::text[]) WITH ORDINALITY w(word, n) ORDER BY w.n",
                [DF_COUNT_CAP, to_count],
            )
            counted = iter(row[0] for row in cursor.fetchall())
            frequencies = [next(counted) if df is None else df for df in frequencies]
        return frequencies

    def _reads_as_a_name(self, cursor, words: list[str], frequencies: list[int]) -> bool:
        """Whether ``words`` (with their document ``frequencies``) read as a person's name, by
        ``LexicalIndex.is_name_query``'s rule: each word of two letters or more is in some author
        name or in no paper, and one is at least as common in author names as in abstracts.

        The one ``tsvector`` (and its GIN index) does not count papers per field, so each word is
        looked at in a sample, the first :data:`NAME_SAMPLE` papers holding it, for the authors'
        weight (B) and the abstract's (C); rarest word first, stopping at the first that is in no
        sampled author list, so a topical query costs about one small sample. (Sampling 2,000 papers
        per word cost 91 ms p50 at 100k papers, `bench/search_pg.py`.) A name that is a common word
        whose sample holds no author with it is searched as words, as before this rule."""
        if len(words) < PERSON_MIN_KEYWORDS:
            return False
        mostly_a_name = False
        for df, word in sorted((df, word) for word, df in zip(words, frequencies) if len(word) > 1):
            if not df:
                continue  # in no paper: a forename arXiv gives as an initial
            cursor.execute(
                "SELECT count(*) FILTER (WHERE ts_filter(s.document, '{b}') @@ q.q), count(*) FILTER (WHERE ts_filter(s.document, '{c}') @@ q.q)"
                f" FROM (SELECT d.document FROM {DOCUMENTS} d WHERE d.document @@ plainto_tsquery('english', %s) LIMIT %s) s,"
                " plainto_tsquery('english', %s) q(q)",
                [word, NAME_SAMPLE, word],
            )
            in_authors, in_abstracts = cursor.fetchone()
            if not in_authors:
                return False
            mostly_a_name = mostly_a_name or in_authors >= in_abstracts
        return mostly_a_name

    def _lexical_ranking(self, terms: list[str], filters: SearchFilters, depth: int, count: bool) -> LexicalMatches:
        """The ``depth`` best keyword matches passing ``filters`` as (paper id, score), the total
        (exact when ``count`` and it is at most :data:`TOTAL_COUNT_CAP`), whether that is exact, and
        whether the query read as a person's name (:meth:`_reads_as_a_name`; then only author names
        score, each name word its idf, as the embedded backend's person queries). See the module
        docstring."""
        terms = [unaccented(term) for term in terms]  # as the documents (TEXT_VERSION)
        words = keywords(terms)
        with connection.cursor() as cursor:
            papers, shares = self._corpus_statistics(cursor)
            if not papers:
                return NO_LEXICAL_MATCHES
            frequencies = self._document_frequencies(cursor, words, papers, shares)
            person = self._reads_as_a_name(cursor, words, frequencies)
            ranked, total, total_exact = self._keyword_matches(cursor, terms, list(zip(words, frequencies)), papers, filters, depth, count, person)
        return LexicalMatches(ranked, total, total_exact, person)

    def _keyword_matches(
        self, cursor, terms: list[str], frequencies: list[tuple[str, int]], papers: int, filters: SearchFilters, depth: int, count: bool,
        person: bool,
    ) -> tuple[list[tuple[str, float]], int, bool]:
        kept = [(w, df) for w, df in frequencies if df > 0]
        if papers >= FREQUENT_TERM_MIN_DOCS:  # as the embedded backend: such words barely move the rank
            kept = [(w, df) for w, df in kept if df <= FREQUENT_TERM_SHARE * papers] or kept
        if not kept:
            return [], 0, True
        papers = max(papers, max(df for _, df in kept))
        idfs = [math.log(1 + (papers - df + 0.5) / (df + 0.5)) for _, df in kept]
        rare = [i for i, (_, df) in enumerate(kept) if df < DF_COUNT_CAP]
        word_queries = ", ".join(f"plainto_tsquery('english', %s) AS q{i}" for i in range(len(kept)))
        all_query = " && ".join(f"q{i}" for i in range(len(kept)))
        any_query = " || ".join(f"q{i}" for i in range(len(kept)))
        rare_query = " || ".join(f"q{i}" for i in rare) or "NULL::tsquery"
        if person:
            score = " + ".join(f"%s * (ts_filter(d.document, '{{b}}') @@ q.q{i})::int" for i in range(len(kept)))
        else:
            score = " + ".join(f"%s * ts_rank('{RANK_WEIGHTS}', d.document, q.q{i}, {RANK_NORMALIZATION})" for i in range(len(kept)))
        tokens = terms if 2 <= len(terms) <= TITLE_PHRASE_MAX_TERMS and not person else []
        phrase = "phraseto_tsquery('english', %s)" if tokens else "NULL::tsquery"
        where, filter_params = _filter_sql(filters)
        params = [w for w, _ in kept] + ([" ".join(tokens)] if tokens else [])
        # A person's papers have the name in their authors: the title tier would only add papers
        # that score nothing (and are dropped below).
        tiers = ([] if person else [f"q.all_q @@ d.title_document{where}"]) + [f"q.all_q @@ d.document{where}"]
        if rare and len(kept) > 1:
            tiers.append(f"q.rare_q @@ d.document{where}")
        sql = (
            f"WITH w AS MATERIALIZED (SELECT {word_queries}, {phrase} AS phrase_q),"
            f" q AS MATERIALIZED (SELECT w.*, {all_query} AS all_q, {rare_query} AS rare_q FROM w),"
            " candidates AS ("
            + " UNION ".join(f"(SELECT d.paper_id FROM {DOCUMENTS} d, q WHERE {tier} LIMIT {CANDIDATES_PER_TIER})" for tier in tiers)
            + ")"
            f" SELECT d.paper_id, {score} + CASE WHEN q.phrase_q IS NOT NULL AND d.title_document @@ q.phrase_q THEN %s ELSE 0 END AS score"
            f" FROM candidates c JOIN {DOCUMENTS} d ON d.paper_id = c.paper_id, q"
            " ORDER BY score DESC, d.paper_id LIMIT %s"
        )
        cursor.execute(sql, params + filter_params * len(tiers) + idfs + [TITLE_PHRASE_BONUS * sum(idfs), depth])
        ranked = [(pid, float(score)) for pid, score in cursor.fetchall()]
        if person:  # a paper holding the name's words only in its title or abstract is not by the person
            ranked = [(pid, score) for pid, score in ranked if score > 0]
        # Only when every word is rare and their papers fit in one tier were no matches cut.
        every_match_ranked = len(ranked) < depth and len(rare) == len(kept) and sum(df for _, df in kept) <= CANDIDATES_PER_TIER
        if every_match_ranked:
            return ranked, len(ranked), True
        if person:  # the words' papers are not all the person's: at least those ranked, estimated
            return ranked, len(ranked), False
        if not count:
            return ranked, max(len(ranked), max(df for _, df in kept)), False
        cursor.execute(
            f"WITH q AS (SELECT {any_query} AS any_q FROM (SELECT {word_queries}, NULL AS phrase_q) w)"
            f" SELECT count(*) FROM (SELECT 1 FROM {DOCUMENTS} d, q WHERE q.any_q @@ d.document{where} LIMIT %s) s",
            params[: len(kept)] + filter_params + [TOTAL_COUNT_CAP + 1],
        )
        total = cursor.fetchone()[0]
        if total <= TOTAL_COUNT_CAP:
            return ranked, total, True
        return ranked, max(total, max(df for _, df in kept)), False

    @staticmethod
    def _every_word_sql(words: list[str]) -> tuple[str, list]:
        """`` AND d.document @@ …`` holding every one of ``words`` (none: no condition)."""
        if not words:
            return "", []
        return " AND d.document @@ (" + " && ".join("plainto_tsquery('english', %s)" for _ in words) + ")", list(words)

    def _papers_by_month(self, words: list[str], filters: SearchFilters) -> dict[str, int]:
        """One word (its one lexeme), or a category alone: read from :data:`LEXEME_MONTHS` (a few
        hundred rows, whatever the corpus). Anything else: one GIN-driven scan grouped by month,
        ``work_mem`` raised for the statement so the bitmap of a common word's papers stays exact
        (a lossy one rechecks every row's ``tsvector``); several words narrow each other."""
        key = self._month_key(words, filters)
        if key is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT to_char(month, 'YYYY-MM'), papers FROM {LEXEME_MONTHS} WHERE lexeme = %s AND papers > 0", [key])
                return dict(cursor.fetchall())
        match, match_params = self._every_word_sql(words)
        where, filter_params = _filter_sql(filters)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [TRENDS_WORK_MEM])
            cursor.execute(
                f"SELECT to_char(d.published, 'YYYY-MM'), count(*) FROM {DOCUMENTS} d"
                f" WHERE d.published IS NOT NULL{match}{where} GROUP BY 1",
                match_params + filter_params,
            )
            return {month: count for month, count in cursor.fetchall()}

    @staticmethod
    def _month_key(words: list[str], filters: SearchFilters) -> str | None:
        """The :data:`LEXEME_MONTHS` key that holds this count, or None."""
        only_category = SearchFilters(category=filters.category)
        if not words and filters.category and filters == only_category:
            return "\x01" + filters.category
        if len(words) != 1 or filters.active:
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT tsvector_to_array(to_tsvector('english', %s))", [words[0]])
            lexemes = cursor.fetchone()[0]
        return lexemes[0] if len(lexemes) == 1 else None

    def _upvotes_by_month(self, words: list[str], filters: SearchFilters) -> dict[str, int]:
        """The upvoted papers' documents that match, by month. Left to the planner: a rare word
        goes by its GIN match (40k papers, 20k upvoted: 0.7 ms), a common one by the upvoted papers'
        keys (search 0005), each document tested (~9 us a paper: 60k upvoted papers ~0.5 s)."""
        match, match_params = self._every_word_sql(words)
        where, filter_params = _filter_sql(filters)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT to_char(d.published, 'YYYY-MM'), sum(p.upvotes) FROM {DOCUMENTS} d JOIN {Paper._meta.db_table} p ON p.id = d.paper_id"
                f" WHERE p.upvotes > 0 AND d.published IS NOT NULL{match}{where} GROUP BY 1",
                match_params + filter_params,
            )
            return {month: int(total) for month, total in cursor.fetchall()}

    def matches_all(self, terms: list[str]) -> bool:
        """Whether some paper holds every keyword of ``terms``; the last word may be half typed (the
        suggestions box) and also counts as a prefix, and in a name a forename also matches its
        initial among the authors ("Pavel Nadolsky" for arXiv's "P. M. Nadolsky"), as
        ``LexicalIndex.matches_all``."""
        words = keywords([unaccented(term) for term in terms])
        if not words:
            return False
        with connection.cursor() as cursor:
            name_query = False
            if len(words) >= PERSON_MIN_KEYWORDS:
                papers, shares = self._corpus_statistics(cursor)
                name_query = bool(papers) and self._reads_as_a_name(cursor, words, self._document_frequencies(cursor, words, papers, shares))
            parts, params = [], []
            for i, word in enumerate(words):
                alternatives = ["plainto_tsquery('english', %s)"]
                params.append(word)
                if i == len(words) - 1 and word.isalnum():
                    alternatives.append("to_tsquery('simple', %s)")
                    params.append(word + ":*")
                if name_query and len(word) > 1 and word[0].isalnum():
                    alternatives.append("to_tsquery('simple', %s)")  # the initial, in author names (weight B)
                    params.append(word[0].lower() + ":B")
                parts.append("(" + " || ".join(alternatives) + ")")
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DOCUMENTS} d WHERE d.document @@ ({' && '.join(parts)}))", params)
            return bool(cursor.fetchone()[0])

    def spelling_available(self) -> bool:
        """Whether the vocabulary has its trigram index (``pg_trgm`` was there at migration time)."""
        if self._has_trigrams is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{TERMS}_trgm"])
                self._has_trigrams = bool(cursor.fetchone()[0])
            if not self._has_trigrams:
                log.warning("PostgreSQL search: no trigram index on %s (pg_trgm missing): spelling is off", TERMS)
        return self._has_trigrams

    def _vocabulary_papers(self, words: list[str]) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT word, papers FROM {TERMS} WHERE word = ANY(%s)", [words])
            found = dict(cursor.fetchall())
        return {w: found.get(w, 0) for w in words}

    def _spelling_candidates(self, word: str, edits: int) -> list[tuple[str, int]]:
        if not self.spelling_available():
            return []
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(TRIGRAM_SIMILARITY)])
            cursor.execute(
                f"SELECT word, papers FROM {TERMS} WHERE word %% %s AND length(word) BETWEEN %s AND %s ORDER BY papers DESC, word LIMIT %s",
                [word, len(word) - edits, len(word) + edits, CANDIDATES],
            )
            return cursor.fetchall()

    def _vocabulary_has_prefix(self, prefix: str) -> bool:
        with connection.cursor() as cursor:
            # The primary key's "C" collation orders bytes: a range scan finds the prefix's words.
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {TERMS} WHERE word > %s AND word < %s)", [prefix, prefix + "\uffff"])
            return bool(cursor.fetchone()[0])

    def _corpus_size(self) -> int:
        with connection.cursor() as cursor:
            return self._corpus_statistics(cursor)[0]

    @staticmethod
    def _add_words(cursor, counts) -> None:
        """New vocabulary words with their papers (``spelling.paper_words``); known words keep theirs."""
        if counts:
            words = sorted(counts)
            cursor.execute(
                f"INSERT INTO {TERMS} (word, papers) SELECT * FROM unnest(%s::text[], %s::int[]) ON CONFLICT (word) DO NOTHING",
                [words, [counts[w] for w in words]],
            )

    def _nearest(self, cursor, vector_text: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest current vectors as (paper id, cosine), best first. Rows whose embedding
        row is gone (a deleted paper, text that changed) drop out until upkeep removes them."""
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(min(MAX_EF_SEARCH, max(MIN_EF_SEARCH, k)))])
        if self._iterative_scans:
            # The HNSW graph keeps entries of deleted and replaced rows until VACUUM; a plain scan
            # stops after ef_search entries, dead ones included, so a search near many of them (a
            # paper re-embedded often, rolled-back writes) could come back short or empty.
            # pgvector 0.8's iterative scan keeps going until k live rows are found.
            cursor.execute("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)")
        cursor.execute(
            f"SELECT v.paper_id, 1 - v.distance FROM (SELECT embedding_id, paper_id, embedding <=> %s::halfvec AS distance"
            f" FROM {VECTORS} ORDER BY embedding <=> %s::halfvec LIMIT %s) v"
            f" JOIN {PaperEmbedding._meta.db_table} e ON e.id = v.embedding_id ORDER BY v.distance",
            [vector_text, vector_text, k],
        )
        return [(pid, float(cosine)) for pid, cosine in cursor.fetchall()]

    def _vector_ranking(self, vector: np.ndarray, filters: SearchFilters, depth: int) -> tuple[list[tuple[str, float]], float]:
        """The ``depth`` closest papers that pass the filters, and the best cosine before filtering."""
        k = min(MAX_EF_SEARCH, depth * (FILTERED_OVERFETCH if filters.active else 1))
        with transaction.atomic(), connection.cursor() as cursor:
            found = self._nearest(cursor, vector_literal(vector), k)
            ranked = found
            if filters.active and found:
                where, params = _filter_sql(filters)
                cursor.execute(f"SELECT d.paper_id FROM {DOCUMENTS} d WHERE d.paper_id = ANY(%s){where}", [[pid for pid, _ in found], *params])
                allowed = {row[0] for row in cursor.fetchall()}
                ranked = [(pid, score) for pid, score in found if pid in allowed]
        return ranked[:depth], (found[0][1] if found else 0.0)

    def similar(self, paper_id: str, limit: int = 10) -> list[SearchHit]:
        if not self.vectors_available():
            return []
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT embedding::text FROM {VECTORS} WHERE paper_id = %s", [paper_id])
            row = cursor.fetchone()
            if row is None:
                return []
            found = self._nearest(cursor, row[0], limit + 1)
        return self._hits([(pid, score) for pid, score in found if pid != paper_id][:limit], [])

    # -- indexing ----------------------------------------------------------------------------
    @staticmethod
    def _write_documents(cursor, docs: list[LexicalDoc]) -> None:
        ids = [d.paper_id for d in docs]
        _count_months(cursor, ids, -1)  # what the documents counted before (none for a new paper)
        cursor.executemany(
            f"INSERT INTO {DOCUMENTS} (paper_id, document, title_document, published, categories, organizations, has_code,"
            " first_author, text_version)"
            " VALUES (%s, setweight(to_tsvector('english', %s), 'A') || setweight(to_tsvector('english', %s), 'B')"
            f" || setweight(to_tsvector('english', %s), 'C'), to_tsvector('english', %s), %s, %s, %s, %s, %s, {TEXT_VERSION})"
            " ON CONFLICT (paper_id) DO UPDATE SET document = excluded.document, title_document = excluded.title_document,"
            " published = excluded.published, categories = excluded.categories, organizations = excluded.organizations,"
            " has_code = excluded.has_code, first_author = excluded.first_author, text_version = excluded.text_version",
            [
                (d.paper_id, unaccented(d.title), unaccented(" ".join(d.authors)), unaccented(d.abstract), unaccented(d.title),
                 d.published, d.categories, d.organizations, d.has_code, first_author_words(d.authors[0]) if d.authors else [])
                for d in docs
            ],  # fmt: skip
        )
        _count_months(cursor, ids, 1)

    def index_papers(self, paper_ids: Sequence[str]) -> None:
        """Documents now; vectors whose text changed are dropped and re-embedded by ``embed_pending``."""
        paper_ids = list(paper_ids)
        for start in range(0, len(paper_ids), INDEX_CHUNK):
            chunk = paper_ids[start : start + INDEX_CHUNK]
            docs, gone = lexical_docs(chunk)
            with transaction.atomic(), connection.cursor() as cursor:
                if gone:
                    self._delete_rows(cursor, gone)
                if docs:
                    self._write_documents(cursor, docs)
                    self._add_words(cursor, paper_words(docs))
                self._drop_stale_vectors(chunk)

    def _delete_rows(self, cursor, paper_ids: list[str]) -> None:
        _count_months(cursor, paper_ids, -1)
        cursor.execute(f"DELETE FROM {DOCUMENTS} WHERE paper_id = ANY(%s)", [paper_ids])
        if self.vectors_available():
            cursor.execute(f"DELETE FROM {VECTORS} WHERE paper_id = ANY(%s)", [paper_ids])

    def remove_papers(self, paper_ids: Sequence[str]) -> None:
        paper_ids = list(paper_ids)
        for start in range(0, len(paper_ids), INDEX_CHUNK):
            chunk = paper_ids[start : start + INDEX_CHUNK]
            with transaction.atomic(), connection.cursor() as cursor:
                self._delete_rows(cursor, chunk)
                PaperEmbedding.objects.filter(paper_id__in=chunk).delete()

    def _drop_stale_vectors(self, paper_ids: list[str]) -> None:
        current = {pid: text_hash(paper_text(t, a)) for pid, t, a in Paper.objects.filter(pk__in=paper_ids).values_list("pk", "title", "abstract")}
        stale = [
            row_id
            for row_id, pid, digest in PaperEmbedding.objects.filter(paper_id__in=paper_ids).values_list("pk", "paper_id", "text_hash")
            if current.get(pid) != digest
        ]
        if stale:
            if self.vectors_available():
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {VECTORS} WHERE embedding_id = ANY(%s)", [stale])
            PaperEmbedding.objects.filter(pk__in=stale).delete()

    def _copy_vectors(self, rows: Iterable[tuple[int, str, bytes]]) -> None:
        """Embedding rows (id, paper id, float16 bytes) into the vector table."""
        values = [(row_id, pid, vector_literal(np.frombuffer(bytes(vector), dtype=np.float16))) for row_id, pid, vector in rows]
        if not values or not self.vectors_available():
            return
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {VECTORS} WHERE paper_id = ANY(%s)", [[pid for _, pid, _ in values]])
            cursor.executemany(f"INSERT INTO {VECTORS} (embedding_id, paper_id, embedding) VALUES (%s, %s, %s::halfvec)", values)

    def embed_pending(self, limit: int | None = None, on_progress: EmbedProgress | None = None, batch: int = 256) -> int:
        total = self._backlog().count()
        if limit is not None:
            total = min(total, limit)
        done = 0
        while done < total:
            papers = list(self._backlog().values_list("pk", "title", "abstract")[: min(batch, total - done)])
            if not papers:
                break
            texts = [paper_text(t, a) for _, t, a in papers]
            vectors = self.embedder.embed(texts).astype(np.float16)
            with transaction.atomic():
                PaperEmbedding.objects.filter(paper_id__in=[p[0] for p in papers]).delete()
                created = PaperEmbedding.objects.bulk_create(
                    PaperEmbedding(paper_id=pid, model=self.embedder.name, text_hash=text_hash(text), vector=vec.tobytes())
                    for (pid, _, _), text, vec in zip(papers, texts, vectors)
                )
                self._copy_vectors((row.pk, row.paper_id, row.vector) for row in created)
            done += len(papers)
            if on_progress:
                on_progress(done, total)
        return done

    def rebuild(self, on_progress: RebuildProgress | None = None) -> dict:
        """Documents from every paper, the vector table from every stored vector of the model."""
        # Rows are upserted over the old ones and the leftovers deleted at the end, rather than the
        # table emptied first, so searches keep finding papers while a rebuild runs.
        total = Paper.objects.count()
        done, last_pk = 0, ""
        words = Counter()
        while True:
            ids = list(Paper.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:INDEX_CHUNK])
            if not ids:
                break
            docs, _ = lexical_docs(ids)
            words.update(paper_words(docs))
            with transaction.atomic(), connection.cursor() as cursor:
                self._write_documents(cursor, docs)
                # Vectors whose paper text changed while the index was down must go too.
                self._drop_stale_vectors(ids)
            last_pk, done = ids[-1], done + len(ids)
            if on_progress:
                on_progress("lexical", done, total)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT d.paper_id FROM {DOCUMENTS} d WHERE NOT EXISTS (SELECT 1 FROM {Paper._meta.db_table} p WHERE p.id = d.paper_id)")
            gone = [row[0] for row in cursor.fetchall()]
            for start in range(0, len(gone), INDEX_CHUNK):
                self._delete_rows(cursor, gone[start : start + INDEX_CHUNK])
            cursor.execute(f"ANALYZE {DOCUMENTS}")
        with transaction.atomic(), connection.cursor() as cursor:  # searches see the old words until it commits
            cursor.execute(f"DELETE FROM {TERMS}")
            self._add_words(cursor, words)
        self._rebuild_vectors(on_progress)
        return self.status()

    def _rebuild_vectors(self, on_progress: RebuildProgress | None) -> None:
        """The vector table from ``search_paperembedding``; the HNSW index is built once at the end
        (far faster than row by row). Creates the table if pgvector has arrived since migrating."""
        self._has_vector_table = None
        if not self.vectors_available():
            with connection.cursor() as cursor:
                if not import_module(_MIGRATION).create_vector_table(cursor):
                    return
            self._has_vector_table = None
            if not self.vectors_available():
                return
        embeddings_table = PaperEmbedding._meta.db_table
        with connection.cursor() as cursor:
            # Rows whose embedding is gone or of another model, then the embeddings not copied yet.
            cursor.execute(
                f"DELETE FROM {VECTORS} v WHERE NOT EXISTS (SELECT 1 FROM {embeddings_table} e WHERE e.id = v.embedding_id AND e.model = %s)",
                [self.embedder.name],
            )
            cursor.execute(
                f"SELECT e.id FROM {embeddings_table} e WHERE e.model = %s"
                f" AND NOT EXISTS (SELECT 1 FROM {VECTORS} v WHERE v.embedding_id = e.id) ORDER BY e.id",
                [self.embedder.name],
            )
            missing = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT count(*) FROM {VECTORS}")
            # A bulk load (an import, a first rebuild) builds the HNSW graph once at the end: far
            # faster than inserting into it row by row. Searches meanwhile scan (slower, still right).
            bulk = len(missing) > max(10_000, cursor.fetchone()[0])
            if bulk:
                cursor.execute(f"DROP INDEX IF EXISTS {VECTORS}_hnsw")
        for start in range(0, len(missing), vector_files.CHUNK):
            chunk = missing[start : start + vector_files.CHUNK]
            with transaction.atomic():
                self._copy_vectors(PaperEmbedding.objects.filter(pk__in=chunk).values_list("pk", "paper_id", "vector"))
            if on_progress:
                on_progress("vectors", start + len(chunk), len(missing))
        if bulk:
            with connection.cursor() as cursor:
                # The graph is built in memory while it fits in maintenance_work_mem (PostgreSQL's
                # default 64 MB holds ~50k vectors; past it the build goes on far slower): at
                # least 1 GB (~800k vectors), more where the operator set more.
                cursor.execute("SELECT pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes('1GB')")
                raised = cursor.fetchone()[0]
                if raised:
                    cursor.execute("SET maintenance_work_mem = '1GB'")
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {VECTORS}_hnsw ON {VECTORS} USING hnsw (embedding halfvec_cosine_ops)")
                if raised:
                    cursor.execute("RESET maintenance_work_mem")

    def import_vectors(self, path, on_progress: RebuildProgress | None = None) -> vector_files.ImportReport:
        """Vectors embedded elsewhere (a GPU host) into the table, then the vector table rebuilt from it."""
        report = vector_files.import_vectors(
            path, self.embedder.name, self.embedder.dimensions, lambda d, t: on_progress("import", d, t) if on_progress else None
        )
        self._rebuild_vectors(on_progress)
        return report

    def _counts(self) -> tuple[int, int, int, int]:
        """(papers, documents, stored vectors of the model, vector table rows)."""
        with connection.cursor() as cursor:
            vector_rows = f"(SELECT count(*) FROM {VECTORS})" if self.vectors_available() else "0"
            cursor.execute(
                f"SELECT (SELECT count(*) FROM {Paper._meta.db_table}), (SELECT count(*) FROM {DOCUMENTS}),"
                f" (SELECT count(*) FROM {PaperEmbedding._meta.db_table} WHERE model = %s), {vector_rows}",
                [self.embedder.name],
            )
            return cursor.fetchone()

    def consistent(self) -> bool:
        """As many documents as papers, none of them for a paper no longer there or of an older
        :data:`TEXT_VERSION`, and the vector table holding every stored vector of the model (when
        pgvector is there)."""
        papers, documents, vectors, vector_rows = self._counts()
        if papers != documents or (self.vectors_available() and vectors != vector_rows):
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT NOT EXISTS (SELECT 1 FROM {DOCUMENTS} d LEFT JOIN {Paper._meta.db_table} p ON p.id = d.paper_id WHERE p.id IS NULL)"
                f" AND NOT EXISTS (SELECT 1 FROM {DOCUMENTS} WHERE text_version < {TEXT_VERSION})"
            )
            return bool(cursor.fetchone()[0])

    # -- operators ---------------------------------------------------------------------------
    def status(self) -> dict:
        papers, documents, vectors, vector_rows = self._counts()
        return {
            "backend": "postgres (full text + pgvector)" if self.vectors_available() else "postgres (full text; no pgvector)",
            "papers": papers,
            "lexical_indexed": documents,
            "lexical_consistent": documents == papers,
            "pending_updates": PendingIndexUpdate.objects.count(),
            "embed_backlog": self._backlog().count(),
            "embedding_model": self.embedder.name,
            "vectors": vectors,
            "vector_coverage": vectors / papers if papers else 1.0,
            "vector_index": "hnsw (pgvector, cosine)" if self.vectors_available() else "none (pgvector missing)",
            "vector_index_size": vector_rows,
        }
