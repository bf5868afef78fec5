"""The per-member model on real vectors: what a member likes comes first, with reasons; "not
interested" removes a paper and pushes its neighbours down; cold start; the page."""

from __future__ import annotations

import numpy as np
import pytest

from dailypapers.discovery import services as discover
from dailypapers.discovery.models import Follow
from dailypapers.discovery.ranking import recommend, vectors_of
from dailypapers.papers import collections
from dailypapers.papers.models import Paper, Upvote
from tests.discovery.corpus import ids_of, topic_of

pytestmark = pytest.mark.django_db


def upvote(member, ids):
    for pid in ids:
        Upvote.objects.create(user=member, paper_id=pid)


def test_a_member_who_upvotes_only_diffusion_papers_gets_diffusion_papers_first_with_reasons(topics, member):
    diffusion = ids_of("diffusion")
    upvote(member, diffusion[:3])
    picks = recommend(member)
    assert {p.paper_id for p in picks}.isdisjoint(diffusion[:3])  # already upvoted: not repeated
    assert [topic_of(p.paper_id) for p in picks[:3]] == ["diffusion"] * 3
    titles = set(Paper.objects.filter(pk__in=diffusion[:3]).values_list("title", flat=True))
    for pick in picks[:3]:
        assert pick.reason.startswith("because you upvoted “") and pick.because["title"] in titles
        assert pick.because["paper_id"] in diffusion[:3]
    # the words behind the pick: shared with the upvoted paper it is closest to
    assert any("diffusion" in p.because["shared_terms"] for p in picks[:3])
    assert all(picks[i].score >= picks[i + 1].score for i in range(len(picks) - 1))


def test_saved_papers_count_and_are_not_repeated(topics, member):
    collection = collections.create_collection(member, "reading", "", False)
    for pid in ids_of("quantum")[:2]:
        collections.save_paper(collection, Paper.objects.get(pk=pid))
    picks = recommend(member)
    assert topic_of(picks[0].paper_id) == "quantum" and picks[0].reason.startswith("because you saved “")
    assert not {p.paper_id for p in picks} & set(ids_of("quantum")[:2])


def test_not_interested_removes_the_paper_and_pushes_its_neighbours_down(topics, member):
    upvote(member, ids_of("diffusion")[:2] + ids_of("graphs")[:2])
    before = recommend(member)
    order = [p.paper_id for p in before]
    target = next(p.paper_id for p in before if topic_of(p.paper_id) == "graphs")
    # its nearest neighbours among the other candidates, by the papers' own vectors
    vectors = vectors_of(order)
    others = [pid for pid in order if pid != target]
    closeness = {pid: float(vectors[pid] @ vectors[target]) for pid in others}
    neighbours = sorted(others, key=closeness.get, reverse=True)[:2]
    assert all(topic_of(n) == "graphs" for n in neighbours)

    paper = Paper.objects.get(pk=target)
    assert discover.set_feedback(member, paper, "less") == "less"
    after = recommend(member)
    after_order = [p.paper_id for p in after]
    assert target not in after_order
    score_before = {p.paper_id: p.score for p in before}
    score_after = {p.paper_id: p.score for p in after}
    for n in neighbours:
        assert score_after[n] < score_before[n] - 0.05
        assert after_order.index(n) > order.index(n) - 1  # not moved up (one place freed above it at most)
    # a paper far from it keeps its score
    far = next(pid for pid in others if topic_of(pid) == "diffusion")
    assert score_after[far] == pytest.approx(score_before[far], abs=0.15)

    discover.set_feedback(member, paper, "none")  # undo: back in the feed, neighbours back up
    undone = {p.paper_id: p.score for p in recommend(member)}
    assert target in undone and undone[neighbours[0]] == pytest.approx(score_before[neighbours[0]], abs=1e-5)


def test_more_like_this_is_a_positive_signal(topics, member):
    paper = Paper.objects.get(pk=ids_of("proteins")[0])
    discover.set_feedback(member, paper, "more")
    picks = recommend(member)
    assert topic_of(picks[0].paper_id) == "proteins" and picks[0].reason.startswith("because you asked for more like “")
    assert paper.pk in {p.paper_id for p in picks}  # more is not "seen": it may stay in the feed


def test_cold_start_with_categories_keywords_or_papers_is_useful_at_once(topics, member, django_user_model):
    page = discover.for_you(member)
    assert page.cold and page.papers == []
    discover.start(member, categories=["astro-ph.CO"])
    picks = recommend(member)
    assert len(picks) == 6 and {topic_of(p.paper_id) for p in picks} == {"cosmology"}
    assert picks[0].reason == "in astro-ph.CO, which you follow"

    other = django_user_model.objects.create_user(username="kim", email="kim@example.org", password="x-horse-9")
    discover.start(other, keywords=["quantum error correction", " qubits "])
    picks = recommend(other)
    assert [topic_of(p.paper_id) for p in picks[:4]] == ["quantum"] * 4
    assert picks[0].reason.startswith("because you are interested in “")

    third = django_user_model.objects.create_user(username="lee", email="lee@example.org", password="x-horse-9")
    discover.start(third, paper_ids=[ids_of("graphs")[0]])
    assert [topic_of(p.paper_id) for p in recommend(third)[:3]] == ["graphs"] * 3


def test_cold_start_refuses_what_it_cannot_use(topics, member):
    for bad in ({"categories": ["not a category"]}, {"paper_ids": ["9999.99999"]}, {"keywords": ["x" * 101]},
                {"keywords": [f"k{i}" for i in range(21)]}):
        with pytest.raises(ValueError):
            discover.start(member, **bad)
    assert not Follow.objects.filter(user=member).exists()


def test_followed_author_is_a_reason_and_a_boost(topics, member):
    from dailypapers.discovery import follows
    from dailypapers.papers.models import Author

    upvote(member, ids_of("diffusion")[:2])
    author = Author.objects.get(name="Linus Fold")
    follows.follow(member, Follow.Kind.AUTHOR, str(author.pk))
    picks = recommend(member)
    protein = [p for p in picks if topic_of(p.paper_id) == "proteins"]
    assert protein and all(p.reason == "by Linus Fold, whom you follow" for p in protein)


def test_the_window_is_read_once_and_follows_new_vectors(topics, member):
    from dailypapers.discovery.ranking import recent_vectors

    recent_vectors.load()
    assert len(recent_vectors.ids) == 30 and recent_vectors.matrix.shape == (30, 384)
    assert np.allclose(np.linalg.norm(recent_vectors.matrix, axis=1), 1, atol=1e-2)
    full_read_at = recent_vectors._full_at

    # A new paper, and a changed one (re-embedded: a new vector row), merge into the matrix held:
    # only the rows added since are read.
    import datetime as dt

    from dailypapers.search import get_backend
    from tests.discovery.conftest import ingest

    changed = ids_of("graphs")[0]
    old_vector = recent_vectors.matrix[recent_vectors.index[changed]].copy()
    day = (topics - dt.timedelta(days=1)).isoformat()
    ingest([{"id": "2612.80001", "title": "Denoising diffusion for protein backbones", "abstract": "Diffusion over residue frames.",
             "authors": ["New Author"], "categories": ["q-bio.BM"], "published": day},
            {"id": changed, "title": "Cosmic dark matter halos", "abstract": "Nothing about graphs any more.",
             "authors": ["Tomas Messager"], "categories": ["cs.LG"], "published": day}])
    get_backend().process_pending_updates()
    get_backend().embed_pending()
    recent_vectors._checked = 0.0  # past the reload check's interval
    recent_vectors.load()
    assert recent_vectors._full_at == full_read_at  # merged, not read whole
    assert len(recent_vectors.ids) == 31 and len(set(recent_vectors.ids)) == 31
    stored = vectors_of(["2612.80001", changed])
    for pid in ("2612.80001", changed):
        assert np.allclose(recent_vectors.matrix[recent_vectors.index[pid]], stored[pid])
    assert not np.allclose(recent_vectors.matrix[recent_vectors.index[changed]], old_vector)
    assert np.allclose(recent_vectors.mean, recent_vectors.matrix.mean(axis=0))


def test_upvotes_break_ties_between_papers_the_member_vector_cannot_tell_apart(topics, member):
    """The popularity prior (bench/recommend.py chose it): of two papers with the same text, the one
    readers upvoted more comes first, whichever of the two the window holds first."""
    import datetime as dt

    from dailypapers.discovery.ranking import recent_vectors
    from dailypapers.search import get_backend
    from tests.discovery.conftest import ingest

    first, second = (Paper.objects.get(pk=pid) for pid in ids_of("quantum")[:2])
    day = (topics - dt.timedelta(days=1)).isoformat()
    twins = [("2612.90001", first, 40), ("2612.90002", first, 0), ("2612.90003", second, 0), ("2612.90004", second, 40)]
    ingest([{"id": pid, "title": f"Twin of {like.title}", "abstract": like.abstract, "authors": ["Twin Author"],
             "categories": ["quant-ph"], "published": day, "upvotes": votes} for pid, like, votes in twins])
    get_backend().process_pending_updates()
    get_backend().embed_pending()
    recent_vectors.reset()
    upvote(member, ids_of("quantum")[2:5])
    order = [p.paper_id for p in recommend(member)]
    assert order.index("2612.90001") < order.index("2612.90002")
    assert order.index("2612.90004") < order.index("2612.90003")
