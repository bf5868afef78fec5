"""Offline bench of the per-member model (issue 25): quality on simulated members of a real corpus,
and feed latency on a synthetic site.

``quality`` -- recall@20 of held-out upvotes, in one run, for

- ``model``: discovery's own ranking (``ranking.score_window`` on a member built as
  ``ranking.build_model`` builds one: the centroid of the vectors of what they liked, centred on the
  window's mean, plus the upvotes prior -- here the other simulated members' upvotes); beside it
  the model without the prior and the plain uncentred centroid it replaced;
- ``popularity``: the candidates ordered by the other simulated members' upvotes on them (what the
  day page does);
- ``tfidf-svm``: arXiv-sanity-lite's per-tag SVM (its ``compute.py`` TF-IDF -- words and bigrams,
  10,000 features, min_df 5, max_df 0.5, sublinear tf, over title + abstract + authors -- and its
  ``serve.py`` ``LinearSVC(class_weight="balanced", C=0.1)`` trained on every paper, the member's
  as positives);
- ``vector-svm``: the same SVM over the paper vectors (issue 25's "or a linear model");
- two cheap alternatives to the one centroid, over the same vectors: a candidate's best cosine with
  any liked paper, and with any of up to 4 k-means centroids of the liked papers.

The corpus is the bundled ``demo_arxiv_records.jsonl.gz`` (3,032 real arXiv records, June--July
2026). It is split in time as a site sees it: the papers of the last listing days are the
candidates (the "recent window"), the earlier ones the history. Members' interests are drawn from
*topic clusters* of the corpus, defined three ways so that no method is judged only on the
geometry it uses itself: k-means over the paper vectors (favours the vector methods), NMF topics
over TF-IDF words (favours the word SVM), and the arXiv category set (primary + cross-lists; coarse,
favours neither). Every paper has an appeal drawn once (log-normal, shared by all members, so
popularity carries signal); a member has 1--3 interest clusters and samples upvotes from them in
proportion to appeal (``--noise`` of them from anywhere), ``train`` of them among the history and
``held`` among the candidates. Recall@20 = held-out upvotes in the method's top 20 of the
candidates / held-out upvotes, averaged over members (± 1.96 standard errors).

``latency`` -- the "for you" feed (``discovery.services.for_you``, what the page and the API run,
less HTTP) on a synthetic SQLite site of ``--papers`` papers with vectors, ``--members`` members
with upvotes, saves, feedback and follows, in a fresh process over the built site; the window
load (once per process and per change of the vector table), the per-request feed time and the
reload check are reported apart. See docs/benchmarks.md "Recommendations" for how the corpus-size
dependence is extrapolated to 3M.

Usage::

    python bench/recommend.py quality [--members 300] [--seed 0]
    python bench/recommend.py latency --papers 1000000 --members 10000 [--site-dir /tmp/rec-site]

Paper vectors of the real corpus are computed once by the site's embedder and cached
(``--cache-dir``, default ``$TMPDIR/dailypapers-bench``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CORPUS = ROOT / "src" / "dailypapers" / "data" / "demo_arxiv_records.jsonl.gz"
K = 20


# -- the corpus and its vectors -------------------------------------------------------------
def load_corpus(path: Path = CORPUS) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def corpus_vectors(records: list[dict], cache_dir: Path) -> np.ndarray:
    """The records' vectors as the site stores them (the site's embedder, float16 round trip)."""
    from dailypapers.search.embedder import MODEL_NAME, get_embedder, paper_text

    texts = [paper_text(r["title"], r["abstract"]) for r in records]
    key = hashlib.sha1((MODEL_NAME + "\n" + "\n".join(texts)).encode()).hexdigest()[:16]
    cache = cache_dir / f"vectors-{MODEL_NAME}-{key}.npy"
    if cache.exists():
        return np.load(cache)
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    vectors = get_embedder().embed(texts).astype(np.float16).astype(np.float32)
    print(f"embedded {len(texts)} papers in {time.perf_counter() - started:.0f} s (cached in {cache})", file=sys.stderr)
    np.save(cache, vectors)
    return vectors


def setup_django(data_dir: Path | None = None) -> None:
    """Django set up over a throwaway (or the given) data dir: the ranking code needs the settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    os.environ["DAILYPAPERS_DATA_DIR"] = str(data_dir or tempfile.mkdtemp(prefix="dailypapers-bench-"))
    import django

    from dailypapers.lib.datadir import prepare_data_dir

    prepare_data_dir()
    django.setup()


# -- topic clusters -------------------------------------------------------------------------
def tfidf_features(records: list[dict]):
    """arXiv-sanity-lite's features (its compute.py): title, abstract and authors."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode", lowercase=True,
        analyzer="word", stop_words="english", token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
        max_features=10000, norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True, max_df=0.5, min_df=5,
    )
    texts = [" ".join([r["title"], r["abstract"], " ".join(r.get("authors") or [])]) for r in records]
    return vectorizer.fit_transform(texts).astype(np.float32)


def cluster_definitions(records: list[dict], vectors: np.ndarray, words, k: int, seed: int) -> dict[str, np.ndarray]:
    """Three partitions of the corpus into topics: {name: cluster label per paper}."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import NMF

    embed = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)
    topics = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=300).fit_transform(words).argmax(axis=1)
    sets: dict[tuple, int] = {}
    categories = np.array([sets.setdefault(tuple(sorted(r.get("categories") or [])), len(sets)) for r in records])
    return {"vector k-means": embed, "word topics (NMF)": topics, "arXiv category sets": categories}


# -- simulated members ----------------------------------------------------------------------
TRAIN_SIZES = (3, 10, 30)
HELD = 5


def simulate_members(labels: np.ndarray, history: np.ndarray, candidates: np.ndarray, appeal: np.ndarray, n: int,
                     noise: float, rng: np.random.Generator) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(train size, upvoted history papers, held-out upvoted candidates) per member."""
    in_history = np.zeros(len(labels), dtype=bool)
    in_history[history] = True
    usable = [c for c in np.unique(labels)
              if (labels[history] == c).sum() >= max(TRAIN_SIZES) and (labels[candidates] == c).sum() >= 2 * HELD]
    members = []
    for m in range(n):
        size = TRAIN_SIZES[m % len(TRAIN_SIZES)]
        interests = rng.choice(usable, size=min(len(usable), int(rng.integers(1, 4))), replace=False)

        def draw(pool: np.ndarray, count: int) -> np.ndarray:
            liked = pool[np.isin(labels[pool], interests)]
            chosen: set[int] = set()
            while len(chosen) < count:
                source = pool if rng.random() < noise else liked
                weights = appeal[source] / appeal[source].sum()
                chosen.add(int(rng.choice(source, p=weights)))
            return np.array(sorted(chosen))

        members.append((size, draw(history, size), draw(candidates, HELD)))
    return members


# -- the methods ----------------------------------------------------------------------------
def rank_model(train: np.ndarray, vectors: np.ndarray, candidates: np.ndarray, votes: np.ndarray | None = None,
               weight: float | None = None, centred: bool = True) -> np.ndarray:
    """Discovery's model as the feed runs it (``ranking.score_window``) over the candidates' vectors,
    with the other members' upvotes as its popularity prior. ``centred=False, weight=0``: the model
    as it was before this bench (the plain cosine with the centroid)."""
    from dailypapers.discovery.ranking import POPULARITY_WEIGHT, MemberModel, member_vector, score_window

    class Window:  # what score_window reads of ranking.RecentVectors
        matrix = vectors[candidates]
        mean = vectors[candidates].mean(axis=0) if centred else np.zeros(vectors.shape[1], dtype=np.float32)

    popularity = None
    if votes is not None:
        logs = np.log1p(votes[candidates]).astype(np.float32)
        popularity = logs / max(float(logs.max()), 1.0)
    model = MemberModel(vector=member_vector(list(vectors[train]), []))
    scores = score_window(model, Window(), popularity, POPULARITY_WEIGHT if weight is None else weight)
    return candidates[np.argsort(-scores, kind="stable")]


def rank_nearest(train: np.ndarray, vectors: np.ndarray, candidates: np.ndarray, centroids: int = 0) -> np.ndarray:
    """Alternatives to the one centroid: a candidate's best cosine with any liked paper
    (``centroids=0``), or with any of up to ``centroids`` k-means centroids of the liked papers
    (a member with several interests is several points, not their average)."""
    liked = vectors[train]
    if centroids and len(liked) > 1:
        from sklearn.cluster import KMeans

        k = min(centroids, max(1, len(liked) // 5))
        if k > 1:
            centres = KMeans(n_clusters=k, n_init=2, random_state=0).fit(liked).cluster_centers_
            liked = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        else:
            liked = liked.mean(axis=0, keepdims=True)
    scores = (vectors[candidates] @ liked.T).max(axis=1)
    return candidates[np.argsort(-scores, kind="stable")]


def rank_svm(train: np.ndarray, features, candidates: np.ndarray) -> np.ndarray:
    """arXiv-sanity-lite's svm_rank: every paper a training example, the member's the positives."""
    from sklearn.svm import LinearSVC

    y = np.zeros(features.shape[0], dtype=np.float32)
    y[train] = 1.0
    clf = LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.1)
    clf.fit(features, y)
    return candidates[np.argsort(-clf.decision_function(features[candidates]), kind="stable")]


def recall_at(ranked: np.ndarray, held: np.ndarray, k: int = K) -> float:
    return len(set(ranked[:k].tolist()) & set(held.tolist())) / len(held)


def mean_ci(values: list[float]) -> str:
    if not values:
        return "–"
    half = 1.96 * statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {half:.3f}"


def quality(args) -> None:
    setup_django()
    records = load_corpus()
    vectors = corpus_vectors(records, args.cache_dir)
    started = time.perf_counter()
    words = tfidf_features(records)
    days = sorted({r["published_at_most"][:10] for r in records})
    cut = days[-args.window_days]
    candidates = np.array([i for i, r in enumerate(records) if r["published_at_most"][:10] >= cut])
    history = np.array([i for i, r in enumerate(records) if r["published_at_most"][:10] < cut])
    rng = np.random.default_rng(args.seed)
    appeal = rng.lognormal(0.0, 1.0, size=len(records))
    definitions = cluster_definitions(records, vectors, words, args.clusters, args.seed)
    from dailypapers.discovery.ranking import POPULARITY_WEIGHT

    swept = [w for w in args.weights if w != POPULARITY_WEIGHT]
    methods = (f"model (prior {POPULARITY_WEIGHT})", *(f"model, prior {w}" for w in swept), "model without the prior",
               "centroid as before (uncentred)", "nearest liked paper", "up to 4 centroids", "popularity",
               "popularity (oracle appeal)", "tfidf-svm", "vector-svm")
    print(f"corpus: {len(records)} real arXiv records ({CORPUS.name}); candidates: the {len(candidates)} papers of the last "
          f"{args.window_days} listing days (from {cut}), history: {len(history)}; {args.members} members per definition, "
          f"{HELD} held-out upvotes each, noise {args.noise}, {args.clusters} clusters, seed {args.seed}\n")
    for name, labels in definitions.items():
        members = simulate_members(labels, history, candidates, appeal, args.members, args.noise, rng)
        votes = np.zeros(len(records))
        for _, _, held in members:
            votes[held] += 1
        results: dict[str, dict[int, list[float]]] = {m: {s: [] for s in TRAIN_SIZES} for m in methods}
        for size, train, held in members:
            own = votes.copy()
            own[held] -= 1  # the others' votes only
            ranked = {
                f"model (prior {POPULARITY_WEIGHT})": rank_model(train, vectors, candidates, own),
                **{f"model, prior {w}": rank_model(train, vectors, candidates, own, weight=w) for w in swept},
                "model without the prior": rank_model(train, vectors, candidates),
                "centroid as before (uncentred)": rank_model(train, vectors, candidates, centred=False),
                "nearest liked paper": rank_nearest(train, vectors, candidates),
                "up to 4 centroids": rank_nearest(train, vectors, candidates, centroids=4),
                "popularity": candidates[np.argsort(-own[candidates], kind="stable")],
                "popularity (oracle appeal)": candidates[np.argsort(-appeal[candidates], kind="stable")],
                "tfidf-svm": rank_svm(train, words, candidates),
                "vector-svm": rank_svm(train, vectors, candidates),
            }
            for method, order in ranked.items():
                results[method][size].append(recall_at(order, held))
        print(f"### Topics: {name} ({len(np.unique(labels))} clusters)\n")
        print("| method | recall@20, all | " + " | ".join(f"{s} upvotes" for s in TRAIN_SIZES) + " |")
        print("|---|---|" + "---|" * len(TRAIN_SIZES))
        for method in methods:
            every = [v for s in TRAIN_SIZES for v in results[method][s]]
            print(f"| {method} | {mean_ci(every)} | " + " | ".join(mean_ci(results[method][s]) for s in TRAIN_SIZES) + " |")
        print()
    print(f"({time.perf_counter() - started:.0f} s, vectors from the cache)")


# -- feed latency on a synthetic site -------------------------------------------------------
TOPIC_CENTRES = 200
CATEGORIES = ["cs.CV", "cs.CL", "cs.LG", "cs.AI", "stat.ML", "cs.RO", "cs.IR", "eess.IV", "math.OC", "quant-ph", "hep-th",
              "astro-ph.CO", "cond-mat.mtrl-sci", "q-bio.BM", "physics.optics", "math.PR"]
WORDS = ("diffusion graph transformer quantum protein language vision retrieval robot policy sparse kernel bayesian "
         "causal contrastive federated adversarial spectral manifold lattice").split()


def synthetic_vectors(topics: np.ndarray, rng: np.random.Generator, centres: np.ndarray) -> bytes:
    """Unit vectors around their topic's centre (cosine ~0.5 within a topic), as stored: float16."""
    v = centres[topics] + rng.standard_normal((len(topics), centres.shape[1]), dtype=np.float32) * (0.9 / centres.shape[1] ** 0.5)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float16)


def build_site(papers: int, members: int, window: int, seed: int) -> dict:
    """Papers (``window`` of them in the last 30 days, the rest over the 30 years before), each with a
    vector; members with upvotes, saves, feedback and follows. Rows by plain SQL, in bulk."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from dailypapers.discovery.models import Feedback, Follow, Interests
    from dailypapers.papers.models import Author, Authorship, Collection, CollectionItem, Paper, Upvote
    from dailypapers.search.embedder import MODEL_NAME
    from dailypapers.search.models import PaperEmbedding

    call_command("migrate", interactive=False, verbosity=0)
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((TOPIC_CENTRES, 384)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    now = timezone.now().replace(microsecond=0)
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous = OFF")
    started = time.perf_counter()
    fields = [f for f in Paper._meta.concrete_fields if not getattr(f, "generated", False)]
    columns = ", ".join(f.column for f in fields)
    template = Paper(title="", published_at=now)
    defaults = {f.attname: f.get_db_prep_save(template.__dict__.get(f.attname, f.get_default()), connection) for f in fields}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = connection.ops.adapt_datetimefield_value(now)
    sql = f"INSERT INTO {Paper._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    vec_sql = (f"INSERT INTO {PaperEmbedding._meta.db_table} (paper_id, model, text_hash, vector, created_at) "
               "VALUES (%s, %s, '', %s, %s)")
    chunk = 20_000
    topics_of = rng.integers(0, TOPIC_CENTRES, size=papers)
    old_span = 30 * 365 * 86400
    for start in range(0, papers, chunk):
        ids = range(start, min(papers, start + chunk))
        rows, vec_rows = [], []
        vectors = synthetic_vectors(topics_of[start:start + len(ids)], rng, centres)
        for j, n in enumerate(ids):
            recent = n >= papers - window
            age = rng.random() * (30 * 86400 if recent else old_span) + (0 if recent else 31 * 86400)
            published = now - dt.timedelta(seconds=int(age))
            t = int(topics_of[n])
            category = CATEGORIES[t % len(CATEGORIES)]
            values = dict(defaults, id=f"s{n:08d}", title=f"Paper {n} on {WORDS[t % len(WORDS)]} {WORDS[(t // 7) % len(WORDS)]}",
                          abstract=f"We study {WORDS[t % len(WORDS)]} methods for {WORDS[(t * 3) % len(WORDS)]} problems.",
                          published_at=connection.ops.adapt_datetimefield_value(published), primary_category=category,
                          categories=json.dumps([category]), keywords="[]")
            rows.append([values[f.attname] for f in fields])
            vec_rows.append((f"s{n:08d}", MODEL_NAME, vectors[j].tobytes(), connection.ops.adapt_datetimefield_value(now)))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            cursor.executemany(vec_sql, vec_rows)
    timings["papers and vectors"] = time.perf_counter() - started

    started = time.perf_counter()
    window_ids = [f"s{n:08d}" for n in range(papers - window, papers)]
    authors = Author.objects.bulk_create([Author(name=f"Author {i}", normalized_name=f"author {i}") for i in range(window // 2)],
                                         batch_size=5000)
    author_ids = [a.pk for a in authors] or list(Author.objects.values_list("pk", flat=True))
    Authorship.objects.bulk_create(
        [Authorship(paper_id=pid, author_id=int(author_ids[int(rng.integers(len(author_ids)))]), position=k, name="")
         for pid in window_ids for k in range(3)], batch_size=5000, ignore_conflicts=True)
    password = make_password("bench-password-9")
    User = get_user_model()
    User.objects.bulk_create([User(username=f"reader{i}", email=f"reader{i}@example.org", password=password) for i in range(members)],
                             batch_size=5000)
    users = list(User.objects.filter(username__startswith="reader").values_list("pk", flat=True))
    older = papers - window
    upvotes, items, feedback, follows, collections = [], [], [], [], []
    for uid in users:
        interests = rng.integers(0, TOPIC_CENTRES, size=int(rng.integers(1, 4)))
        count = int(min(500, rng.lognormal(3.3, 0.9)))  # median ~27 upvotes, a long tail to the model's cap
        # Mostly recent papers (what the daily page shows), some from the catalogue.
        chosen = set()
        for _ in range(count):
            chosen.add(int(rng.integers(older, papers)) if rng.random() < 0.7 or older == 0 else int(rng.integers(0, older)))
        upvotes += [Upvote(user_id=uid, paper_id=f"s{n:08d}") for n in chosen]
        if rng.random() < 0.3:
            collections.append(Collection(owner_id=uid, name="Reading list"))
        if rng.random() < 0.3:
            feedback += [Feedback(user_id=uid, paper_id=f"s{int(rng.integers(older, papers)):08d}", signal=rng.choice(["more", "less"]))
                         for _ in range(int(rng.integers(1, 10)))]
        if rng.random() < 0.4:
            follows.append(Follow(user_id=uid, kind="category", target=CATEGORIES[int(interests[0]) % len(CATEGORIES)], label="c"))
        if rng.random() < 0.15:
            a = int(author_ids[int(rng.integers(len(author_ids)))])
            follows.append(Follow(user_id=uid, kind="author", target=str(a), label=f"Author {a}"))
        if rng.random() < 0.15:
            words = f"{WORDS[int(interests[0]) % len(WORDS)]} {WORDS[int(rng.integers(len(WORDS)))]}"
            follows.append(Follow(user_id=uid, kind="search", target=words, label=words))
    with transaction.atomic():
        Upvote.objects.bulk_create(upvotes, batch_size=5000, ignore_conflicts=True)
        Collection.objects.bulk_create(collections, batch_size=5000)
        for c in Collection.objects.all().values_list("pk", flat=True):
            items += [CollectionItem(collection_id=c, paper_id=f"s{int(rng.integers(older, papers)):08d}")
                      for _ in range(int(rng.integers(3, 30)))]
        CollectionItem.objects.bulk_create(items, batch_size=5000, ignore_conflicts=True)
        Feedback.objects.bulk_create(feedback, batch_size=5000, ignore_conflicts=True)
        Follow.objects.bulk_create(follows, batch_size=5000, ignore_conflicts=True)
        Interests.objects.bulk_create([Interests(user_id=uid) for uid in users], batch_size=5000)
    timings["members"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = {"papers": papers, "window": window, "members": len(users), "upvotes": Upvote.objects.count(),
              "saved": CollectionItem.objects.count(), "feedback": Feedback.objects.count(), "follows": Follow.objects.count()}
    return {"counts": counts, "build_s": {k: round(v, 1) for k, v in timings.items()}}


def measure(requests: int, seed: int) -> dict:
    """In a fresh process over the built site: window load, reload check, per-request feed."""
    import random

    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import reset_queries

    from dailypapers.discovery import services as discover
    from dailypapers.discovery.ranking import recent_vectors
    from dailypapers.search.embedder import MODEL_NAME

    cache.clear()  # the site's shared cache outlives a run: a first request must find nothing cached
    started = time.perf_counter()
    recent_vectors.load()
    load_s = time.perf_counter() - started
    from dailypapers.search.models import PaperEmbedding

    checks, whole = [], []
    for _ in range(5):
        started = time.perf_counter()
        recent_vectors._fingerprint(MODEL_NAME)
        checks.append(time.perf_counter() - started)
        started = time.perf_counter()
        PaperEmbedding.objects.filter(model=MODEL_NAME).count()  # what the check counted before (the whole table)
        whole.append(time.perf_counter() - started)
    users = list(get_user_model().objects.filter(username__startswith="reader").order_by("pk"))
    random.Random(seed).shuffle(users)
    first, again, cold = [], [], 0
    recent_vectors._checked = time.monotonic() + 1e9  # the reload check is timed apart, above
    for user in users[:requests]:
        for times in (first, again):  # a member's first feed request (nothing cached), then their next one
            reset_queries()
            started = time.perf_counter()
            page = discover.for_you(user, limit=20)
            times.append(time.perf_counter() - started)
        cold += page.cold

    # The worker embeds new or changed papers all day: 500 new vector rows, then the reload that
    # merges them (in a transaction rolled back after), against reading the window whole.
    from django.db import transaction

    with transaction.atomic():
        changed = recent_vectors.ids[:500]
        kept = list(PaperEmbedding.objects.filter(paper_id__in=changed).values("paper_id", "model", "text_hash", "vector"))
        PaperEmbedding.objects.filter(paper_id__in=changed).delete()
        PaperEmbedding.objects.bulk_create([PaperEmbedding(**row) for row in kept])
        recent_vectors._checked = 0.0
        started = time.perf_counter()
        recent_vectors.load()
        merge_s = time.perf_counter() - started
        transaction.set_rollback(True)
    recent_vectors.reset()
    started = time.perf_counter()
    recent_vectors.load()
    full_s = time.perf_counter() - started

    def pct(times: list[float]) -> dict:
        times = sorted(times)
        at = lambda q: round(1000 * times[min(len(times) - 1, int(q * len(times)))], 1)  # noqa: E731
        return {"p50": at(0.5), "p95": at(0.95), "max": at(1.0)}

    return {"window_rows": len(recent_vectors.ids), "window_mb": round(recent_vectors.matrix.nbytes / 2**20, 1),
            "window_load_s": round(load_s, 2), "reload_check_ms": round(1000 * statistics.median(checks), 1),
            "whole_table_count_ms": round(1000 * statistics.median(whole), 1),
            "reload_500_new_rows_s": round(merge_s, 3), "full_window_read_s": round(full_s, 2), "requests": len(first), "cold_members": cold,
            "feed_ms_first": pct(first), "feed_ms_next": pct(again)}


def latency(args) -> None:
    site = args.site_dir or Path(tempfile.mkdtemp(prefix="dailypapers-rec-site-"))
    manifest = site / "bench-manifest.json"
    wanted = {"papers": args.papers, "members": args.members, "window": args.window, "seed": args.seed}
    if args.measure_only:
        setup_django(site)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)  # a site built by an older checkout
        print(json.dumps(measure(args.requests, args.seed)))
        return
    built = json.loads(manifest.read_text()) if manifest.exists() else {}
    if built.get("wanted") != wanted:
        site.mkdir(parents=True, exist_ok=True)
        for f in site.glob("dailypapers.sqlite3*"):
            f.unlink()
        setup_django(site)
        built = {"wanted": wanted, **build_site(args.papers, args.members, args.window, args.seed)}
        manifest.write_text(json.dumps(built))
    db = site / "dailypapers.sqlite3"
    built["db_gb"] = round(db.stat().st_size / 2**30, 2)
    print(json.dumps(built))
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(site)}
    result = subprocess.run([sys.executable, __file__, "latency", "--measure-only", "--site-dir", str(site),
                             "--requests", str(args.requests), "--seed", str(args.seed)],
                            env=env, capture_output=True, text=True, check=True)
    print(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--members", type=int, default=150, help="simulated members per cluster definition")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--noise", type=float, default=0.1, help="share of a member's upvotes drawn from outside their interests")
    q.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "dailypapers-bench")
    q.add_argument("--embed-only", action="store_true", help="compute and cache the corpus vectors, then stop")
    q.add_argument("--clusters", type=int, default=30, help="topics per cluster definition")
    q.add_argument("--weights", type=float, nargs="*", default=[], help="also rank with these popularity-prior weights (a sweep)")
    q.add_argument("--window-days", type=int, default=4, help="the last listing days whose papers are the candidates")
    lat = sub.add_parser("latency")
    lat.add_argument("--papers", type=int, default=1_000_000)
    lat.add_argument("--members", type=int, default=10_000)
    lat.add_argument("--window", type=int, default=30_000, help="papers in the last 30 days (arXiv: ~25-30k a month)")
    lat.add_argument("--requests", type=int, default=300, help="feed requests timed, one per sampled member")
    lat.add_argument("--seed", type=int, default=0)
    lat.add_argument("--site-dir", type=Path, help="build (or reuse) the site here")
    lat.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.command == "latency":
        latency(args)
        return
    if args.command == "quality":
        if args.embed_only:
            corpus_vectors(load_corpus(), args.cache_dir)
            return
        quality(args)


if __name__ == "__main__":
    main()
