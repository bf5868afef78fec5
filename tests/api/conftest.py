"""A small catalogue of real papers (with authors, categories, code links, organizations, a member
submission and a claimed author) fed through the real ingest pipeline and search index."""

import datetime as dt

import pytest
from django.utils import timezone

from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.papers.models import Author, DailyEntry
from dailypapers.search import reset_backend


def catalog_records(today: dt.date) -> list[dict]:
    def day(n: int) -> str:
        return (today - dt.timedelta(days=n)).isoformat()

    def at(n: int, hour: int) -> str:
        return f"{day(n)}T{hour:02d}:15:00Z"

    return [
        {
            "id": "2205.13147v4", "title": "Matryoshka Representation Learning",
            "abstract": "Learned representations are a central component in modern ML systems. We design Matryoshka "
            "Representation Learning (MRL) which encodes information at different granularities and allows a "
            "single embedding to adapt to the computational constraints of downstream tasks.",
            "authors": ["Aditya Kusupati", "Gantavya Bhatt", "Aniket Rege", "Ali Farhadi"],
            "categories": ["cs.LG", "cs.CV"], "published": day(1), "upvotes": 42,
            "github_repo": "https://github.com/RAIVNLab/MRL", "organization": "uw University of Washington",
            "daily_date": day(0), "daily_submitted_at": at(0, 7),
        },
        {
            "id": "1706.03762", "title": "Attention Is All You Need",
            "abstract": "The dominant sequence transduction models are based on complex recurrent or convolutional "
            "neural networks. We propose a new simple network architecture, the Transformer, based solely on "
            "attention mechanisms, dispensing with recurrence and convolutions entirely.",
            "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit"],
            "categories": ["cs.CL", "cs.LG"], "published": day(2), "upvotes": 120, "num_authors": 8,
            "organization": "google Google", "daily_date": day(0), "daily_submitted_at": at(0, 6),
        },
        {
            "id": "2106.09685", "title": "LoRA: Low-Rank Adaptation of Large Language Models",
            "abstract": "We propose Low-Rank Adaptation, or LoRA, which freezes the pre-trained model weights and "
            "injects trainable rank decomposition matrices into each layer of the Transformer architecture.",
            "authors": ["Edward J. Hu", "Yelong Shen", "Phillip Wallis"],
            "categories": ["cs.CL", "cs.AI"], "published": day(3), "upvotes": 77,
            "github_repo": "https://github.com/microsoft/LoRA", "project_page": "https://example.org/lora",
            "organization": "microsoft Microsoft", "daily_date": day(1), "daily_submitted_at": at(1, 8),
        },
        {
            "id": "1810.04805", "title": "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
            "abstract": "We introduce a new language representation model called BERT, which stands for Bidirectional "
            "Encoder Representations from Transformers.",
            "authors": ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"],
            "categories": ["cs.CL"], "published": day(9), "upvotes": 15,
            "organization": "google Google", "daily_date": day(8), "daily_submitted_at": at(8, 9),
        },
        {
            "id": "hep-th/9711200", "title": "The Large N Limit of Superconformal Field Theories and Supergravity",
            "abstract": "We show that the large N limit of certain conformal field theories in various dimensions "
            "includes in its Hilbert space a sector describing supergravity on the product of Anti-deSitter spacetimes.",
            "authors": ["Juan M. Maldacena"], "categories": ["hep-th"], "published": "1997-11-27",
            "upvotes": 3, "daily_date": day(40), "daily_submitted_at": at(40, 10),
        },
        {
            # Published yesterday and on no page yet: members can submit it.
            "id": "2005.14165", "title": "Language Models are Few-Shot Learners",
            "abstract": "We demonstrate that scaling up language models greatly improves task-agnostic, few-shot performance.",
            "authors": ["Tom B. Brown", "Benjamin Mann"], "categories": ["cs.CL"], "published": day(1),
        },
    ]


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    """Each test gets its own search index directory and a fresh backend over it."""
    settings.DATA_DIR = tmp_path
    reset_backend()
    yield
    reset_backend()


@pytest.fixture
def catalog(db, member):
    """Ingests the catalogue; the member submitted LoRA and claimed Kusupati. Returns today."""
    from dailypapers.search import get_backend

    today = timezone.localdate()
    report = IngestPipeline("jsonl").run(
        SourceItem(location=f"record {i}", data=r) for i, r in enumerate(catalog_records(today))
    )
    assert report.rejected == 0, report.rejections
    DailyEntry.objects.filter(paper_id="2106.09685").update(submitted_by=member)
    Author.objects.filter(name="Aditya Kusupati").update(user=member)
    get_backend().process_pending_updates()  # what the worker does after an ingest (lexical index)
    return today
