"""The one per-member model: "for you", the private feed and the digest's personal section all rank
with :func:`recommend`.

The model (measured by ``bench/recommend.py``, docs/benchmarks.md "Recommendations"): a member is
one vector, the centroid of what they liked (upvotes, saved papers, "more like this", cold-start
keywords embedded as queries) minus ``NEGATIVE_WEIGHT`` times the centroid of what they marked "not
interested". A candidate scores its cosine with that vector, both centred on the window's mean
vector (recall@20 0.14 → 0.20 on the bench: uncentred, every paper looks alike to the sentence
model), plus ``POPULARITY_WEIGHT`` times its upvotes (log, scaled to the window's most upvoted),
less ``NEIGHBOUR_PENALTY`` times its closeness to the nearest "not interested" paper above
``NEIGHBOUR_FLOOR`` (so one mark pushes that paper's neighbours down even when a member has many
likes), plus ``FOLLOW_BOOST`` when it matches one of the member's follows.

Cost: candidates are only the *recent* papers (``DAILYPAPERS_FOR_YOU_DAYS`` before the newest
paper), whose vectors each process holds as one float32 matrix (:class:`RecentVectors`, reloaded
when the vector table changes); a request reads the member's signals (≤ ``MAX_SIGNALS`` vectors)
and does one matrix-vector product over the window, never the whole corpus.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max

from dailypapers.discovery import follows as follow_rules
from dailypapers.discovery.models import Feedback, Follow, Interests
from dailypapers.papers.models import CollectionItem, Paper, Upvote
from dailypapers.search.embedder import get_embedder
from dailypapers.search.models import PaperEmbedding
from dailypapers.search.query import STOP_WORDS

NEGATIVE_WEIGHT = 0.5
POPULARITY_WEIGHT = 0.2  # the upvotes prior: chosen on one simulated population (seed 0), reported on another (docs/benchmarks.md)
POPULARITY_REFRESH_S = 60.0
FULL_RELOAD_S = 600.0  # the window is read whole at least this often (what merging new rows cannot see)
NEIGHBOUR_PENALTY = 1.0
NEIGHBOUR_FLOOR = 0.3
FOLLOW_BOOST = 0.15
MAX_SIGNALS = 500  # the member's most recent signals of each kind that the model reads
MAX_NEGATIVES_FOR_NEIGHBOURS = 50  # bounds the penalty's matrix product (window x 50)
MAX_RANKED = 500  # the feed ranks this deep; the cursor pages through it
RELOAD_CHECK_S = 2.0
SHARED_TERMS = 3
_WORD = re.compile(r"[a-z][a-z0-9\-]{2,}")

KIND_WORDS = {"upvoted": "you upvoted", "saved": "you saved", "more": "you asked for more like"}


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS}


class RecentVectors:
    """The recent window's paper ids and vectors, one matrix per process, reloaded when the vector
    table's newest row or the newest paper changes (checked at most every ``RELOAD_CHECK_S``)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state: tuple = ()
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.matrix = np.zeros((0, 384), dtype=np.float32)
        self.mean = np.zeros(384, dtype=np.float32)  # the window's mean vector: scores are centred on it
        self.popularity = np.zeros(0, dtype=np.float32)  # log(1 + upvotes), scaled to [0, 1] over the window
        self.published: list[dt.datetime] = []
        self._checked = 0.0
        self._popularity_at = 0.0
        self._full_at = 0.0

    def _fingerprint(self, model: str) -> tuple:
        """What changes when the window does: its newest paper, the newest vector row (a changed
        paper gets a new row), and how many papers the window holds (one deleted). The count runs
        on the ``published_at`` index over the window alone: a count of the whole vector table took
        2.4 s at 1M papers, every RELOAD_CHECK_S (bench/recommend.py latency, docs/benchmarks.md)."""
        days = settings.DAILYPAPERS_FOR_YOU_DAYS
        newest = Paper.objects.aggregate(m=Max("published_at"))["m"]
        last_row = PaperEmbedding.objects.filter(model=model).aggregate(m=Max("id"))["m"]
        in_window = Paper.objects.filter(published_at__gte=newest - dt.timedelta(days=days)).count() if newest else 0
        return (model, newest, last_row, in_window, days)

    def load(self) -> RecentVectors:
        now = time.monotonic()
        if now - self._checked < RELOAD_CHECK_S and self._state:
            return self
        with self._lock:
            model = get_embedder().name
            state = self._fingerprint(model)
            self._checked = time.monotonic()
            if state == self._state:
                return self
            previous, self._state = self._state, state
            newest = state[1]
            if newest is None:
                self._replace([])
                return self
            since = newest - dt.timedelta(days=state[4])
            rows = PaperEmbedding.objects.filter(model=model, paper__published_at__gte=since, paper__withdrawn_at__isnull=True)
            # Vectors added since the last load (papers embedded by the worker, or re-embedded after
            # a change: a new row each) merge into the matrix held; the whole window is read again
            # only at first, when the model or window changes, or every FULL_RELOAD_S (rows deleted,
            # papers withdrawn). At 1M papers: 0.7 s whole, 0.26 s merging 500 new rows (docs/benchmarks.md).
            incremental = (previous and previous[0] == model and previous[4] == state[4] and previous[2] is not None
                           and state[2] is not None and state[2] >= previous[2] and now - self._full_at < FULL_RELOAD_S)
            if incremental:
                fresh = list(rows.filter(id__gt=previous[2]).values_list("paper_id", "vector", "paper__published_at"))
                changed = {pid for pid, _, _ in fresh}
                kept = [(pid, self.matrix[i], self.published[i]) for i, pid in enumerate(self.ids)
                        if self.published[i] >= since and pid not in changed]
                self._replace(kept + [(pid, _vector(v), at) for pid, v, at in fresh])
            else:
                self._replace([(pid, _vector(v), at) for pid, v, at in rows.values_list("paper_id", "vector", "paper__published_at")])
                self._full_at = time.monotonic()
        return self

    def _replace(self, rows: list[tuple[str, np.ndarray, dt.datetime]]) -> None:
        dim = get_embedder().dimensions
        self.ids = [r[0] for r in rows]
        self.index = {pid: i for i, pid in enumerate(self.ids)}
        self.published = [r[2] for r in rows]
        self.matrix = np.stack([r[1] for r in rows]).astype(np.float32) if rows else np.zeros((0, dim), dtype=np.float32)
        self.mean = self.matrix.mean(axis=0) if rows else np.zeros(dim, dtype=np.float32)
        self._popularity_at = 0.0

    def current_popularity(self) -> np.ndarray:
        """The window's upvotes as the prior (:func:`score_window`): re-read at most every
        POPULARITY_REFRESH_S (one query of the window's counts), since votes do not reload the window."""
        if time.monotonic() - self._popularity_at >= POPULARITY_REFRESH_S or len(self.popularity) != len(self.ids):
            ids = list(self.ids)
            votes = dict(Paper.objects.filter(pk__in=ids).values_list("pk", "upvotes")) if ids else {}
            logs = np.log1p(np.array([votes.get(pid, 0) for pid in ids], dtype=np.float32))
            self.popularity = logs / max(float(logs.max()), 1.0) if len(logs) else logs
            self._popularity_at = time.monotonic()
        return self.popularity

    def reset(self) -> None:
        with self._lock:
            self._state = ()
            self._checked = 0.0
            self._full_at = 0.0


recent_vectors = RecentVectors()


def _vector(stored) -> np.ndarray:
    return np.frombuffer(bytes(stored), dtype=np.float16).astype(np.float32)


def vectors_of(paper_ids) -> dict[str, np.ndarray]:
    ids = list(dict.fromkeys(paper_ids))
    if not ids:
        return {}
    rows = PaperEmbedding.objects.filter(paper_id__in=ids, model=get_embedder().name).values_list("paper_id", "vector")
    return {pid: np.frombuffer(bytes(v), dtype=np.float16).astype(np.float32) for pid, v in rows}


def keyword_vector(keyword: str) -> np.ndarray:
    """A cold-start keyword as the search box embeds a query; cached, since the model is slow."""
    digest = hashlib.sha1(f"{get_embedder().name}\n{keyword.lower()}".encode()).hexdigest()
    key = f"dailypapers:discovery:keyword:{digest}"
    found = cache.get(key)
    if found is None:
        found = np.asarray(get_embedder().embed_query(keyword), dtype=np.float32)
        cache.set(key, found.astype(np.float16).tobytes(), 86400)
        return found
    return np.frombuffer(found, dtype=np.float16).astype(np.float32)


@dataclass
class Signal:
    paper_id: str | None  # None for a keyword
    kind: str  # upvoted | saved | more | less | keyword
    label: str  # the paper's title, or the keyword
    vector: np.ndarray | None = None


@dataclass
class MemberModel:
    """What one member's ranking needs; built per request from their signals."""

    positives: list[Signal] = field(default_factory=list)
    negatives: list[Signal] = field(default_factory=list)
    follows: list[Follow] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # upvoted, saved and "not interested": never shown
    vector: np.ndarray | None = None

def build_model(user) -> MemberModel:
    upvoted = list(Upvote.objects.filter(user=user).order_by("-created_at").values_list("paper_id", flat=True)[:MAX_SIGNALS])
    saved = list(
        CollectionItem.objects.filter(collection__owner=user).order_by("-added_at").values_list("paper_id", flat=True)[:MAX_SIGNALS]
    )
    feedback = list(Feedback.objects.filter(user=user).order_by("-created_at").values_list("paper_id", "signal")[: MAX_SIGNALS * 2])
    interests = Interests.objects.filter(user=user).first()
    keywords = list(interests.keywords) if interests else []
    less = [pid for pid, s in feedback if s == Feedback.Signal.LESS]
    more = [pid for pid, s in feedback if s == Feedback.Signal.MORE]
    vectors = vectors_of([*upvoted, *saved, *more, *less])
    titles = dict(Paper.objects.filter(pk__in=list(vectors)).values_list("pk", "title"))
    model = MemberModel(follows=list(Follow.objects.filter(user=user)), seen=set(upvoted) | set(saved) | set(less))
    taken = set()
    for kind, ids in (("saved", saved), ("upvoted", upvoted), ("more", more)):
        for pid in ids:
            if pid in vectors and pid not in taken and pid not in less:
                taken.add(pid)
                model.positives.append(Signal(pid, kind, titles.get(pid, pid), vectors[pid]))
    for keyword in keywords:
        model.positives.append(Signal(None, "keyword", keyword, keyword_vector(keyword)))
    model.negatives = [Signal(pid, "less", titles.get(pid, pid), vectors[pid]) for pid in less if pid in vectors]
    model.vector = member_vector([s.vector for s in model.positives], [s.vector for s in model.negatives])
    return model


def member_vector(liked: list[np.ndarray], disliked: list[np.ndarray]) -> np.ndarray | None:
    """The member's one vector: the unit centroid of what they liked, less ``NEGATIVE_WEIGHT``
    times the unit centroid of what they marked "not interested"; None with nothing liked."""
    if not liked:
        return None
    w = _unit(np.mean(liked, axis=0))
    if disliked:
        w = w - NEGATIVE_WEIGHT * _unit(np.mean(disliked, axis=0))
    return w.astype(np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


@dataclass
class Pick:
    paper_id: str
    score: float
    reason: str
    because: dict  # what the reason names, for the API: kind, paper_id / keyword / follow, shared terms


def score_window(model: MemberModel, recent: RecentVectors, popularity: np.ndarray | None = None,
                 popularity_weight: float = POPULARITY_WEIGHT) -> np.ndarray:
    """Every recent paper's score for the member (before follows and exclusions): the cosine of its
    vector with the member's, both centred on the window's mean vector (the sentence model puts
    every paper in one narrow cone, so the uncentred cosine mostly says "is a paper"), plus
    ``popularity_weight`` times its upvotes prior (``popularity``, in [0, 1]), less the
    neighbour penalty of the member's "not interested" marks."""
    matrix = recent.matrix
    if not len(matrix):
        return np.zeros(0, dtype=np.float32)
    # (v - m)·(w - m) ranks as v·(w - m): the term m·(w - m) is the same for every paper.
    scores = matrix @ (model.vector - recent.mean) if model.vector is not None else np.zeros(len(matrix), dtype=np.float32)
    if popularity is not None and len(popularity) == len(matrix) and popularity_weight:
        scores = scores + popularity_weight * popularity
    if model.negatives:
        negatives = np.stack([s.vector for s in model.negatives[:MAX_NEGATIVES_FOR_NEIGHBOURS]])
        closeness = (matrix @ negatives.T).max(axis=1)
        scores = scores - NEIGHBOUR_PENALTY * np.maximum(0.0, closeness - NEIGHBOUR_FLOOR)
    return scores


def recommend(user, *, limit: int = MAX_RANKED, exclude: set[str] = frozenset()) -> list[Pick]:
    """The member's ranked recent papers, best first, each with its reason."""
    model = build_model(user)
    recent = recent_vectors.load()
    if not len(recent.ids):
        return []
    scores = score_window(model, recent, recent.current_popularity())
    followed = followed_in_window(model.follows, recent)
    for pid in followed:
        scores[recent.index[pid]] += FOLLOW_BOOST
    if model.vector is None and not followed:
        return []  # nothing to go on: the page asks for topics (cold start)
    hidden = model.seen | set(exclude)
    order = np.argsort(-scores, kind="stable")
    chosen: list[tuple[str, float]] = []
    for i in order:
        pid = recent.ids[i]
        if pid in hidden or (model.vector is None and pid not in followed):
            continue
        chosen.append((pid, float(scores[i])))
        if len(chosen) >= min(limit, MAX_RANKED):
            break
    return explain(model, recent, chosen, followed)


FOLLOW_MATCH_SECONDS = 600


def followed_in_window(follows: list[Follow], recent: RecentVectors) -> dict[str, list[Follow]]:
    """``{paper id: [follows it matches]}`` over the window, kept in the shared cache per window
    state and set of follows (either changing makes a new key): matching a saved search is SQL
    substring scans over the window, ~1.5 s at 30k papers, and the answer only changes when the
    window or the follows do (or, for up to FOLLOW_MATCH_SECONDS, a paper's organization)."""
    if not follows:
        return {}
    key_text = repr((recent._state, sorted((f.pk, f.kind, f.target) for f in follows)))
    key = "dailypapers:discovery:followed:" + hashlib.sha1(key_text.encode()).hexdigest()
    by_pk = {f.pk: f for f in follows}
    found = cache.get(key)
    if found is None:
        matched = follow_rules.matching_in(follows, recent.ids)
        cache.set(key, {pid: [f.pk for f in fs] for pid, fs in matched.items()}, FOLLOW_MATCH_SECONDS)
        return matched
    return {pid: [by_pk[k] for k in pks if k in by_pk] for pid, pks in found.items()}


def explain(model: MemberModel, recent: RecentVectors, chosen: list[tuple[str, float]], followed: dict) -> list[Pick]:
    """Each pick's reason: the follow it matches, else the liked paper (or keyword) it is closest
    to, with the words they share."""
    texts = dict(Paper.objects.filter(pk__in=[pid for pid, _ in chosen]).values_list("pk", "title"))
    abstracts = dict(Paper.objects.filter(pk__in=[pid for pid, _ in chosen]).values_list("pk", "abstract"))
    liked = [s for s in model.positives]
    liked_matrix = np.stack([s.vector for s in liked]) if liked else None
    liked_terms: dict[int, set[str]] = {}
    liked_abstracts = dict(Paper.objects.filter(pk__in=[s.paper_id for s in liked if s.paper_id]).values_list("pk", "abstract"))
    picks = []
    for pid, score in chosen:
        follows = followed.get(pid)
        if follows:
            follow = follows[0]
            picks.append(Pick(pid, score, follow_rules.reason_for(follow), {"kind": "follow", "follow": follow.kind, "target": follow.target,
                                                                           "label": follow.label}))
            continue
        if liked_matrix is None:
            picks.append(Pick(pid, score, "", {"kind": "none"}))
            continue
        j = int(np.argmax(liked_matrix @ recent.matrix[recent.index[pid]]))
        signal = liked[j]
        if j not in liked_terms:
            liked_terms[j] = _terms(f"{signal.label} {liked_abstracts.get(signal.paper_id, '')}")
        candidate_title = _terms(texts.get(pid, ""))
        candidate_all = candidate_title | _terms(abstracts.get(pid, ""))
        # Words of the pick's title first (they say what it is about), then of its abstract.
        shared = sorted(candidate_title & liked_terms[j]) + sorted((candidate_all - candidate_title) & liked_terms[j])
        shared = shared[:SHARED_TERMS]
        if signal.kind == "keyword":
            reason = f"because you are interested in “{signal.label}”"
        else:
            reason = f"because {KIND_WORDS[signal.kind]} “{signal.label}”"
        if shared:
            reason += " · shared: " + ", ".join(shared)
        because = {"kind": signal.kind, "paper_id": signal.paper_id, "title": signal.label if signal.paper_id else None,
                   "keyword": signal.label if signal.kind == "keyword" else None, "shared_terms": shared}
        picks.append(Pick(pid, score, reason, because))
    return picks
