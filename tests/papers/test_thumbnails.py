"""Thumbnails: real PDFs (tests/papers/fixtures/pdf, origin in its README) rendered by pypdfium2,
stored through Django's storage, served as PNG, shown on cards and the paper page; the worker's
fetch goes through a real HTTP server on loopback (never arXiv)."""

import http.server
import io
import struct
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dailypapers.ingest.thumbnails import make_thumbnails, papers_needing_thumbnails
from dailypapers.lib.images import validated_image
from dailypapers.papers.models import Paper
from dailypapers.papers.thumbnails import THUMBNAIL_WIDTH, ThumbnailError, render_first_page, store_thumbnail
from dailypapers.scheduling import scheduler
from tests.papers.factories import make_paper

PDFS = Path(__file__).parent / "fixtures" / "pdf"


def decode_png(data: bytes) -> np.ndarray:
    """The pixels of a PNG written by encode_png (8-bit RGB, filter 0 rows): read back independently."""
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert (depth, colour) == (8, 2)
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * 3)
    assert not rows[:, 0].any()  # filter byte 0 on every row
    return rows[:, 1:].reshape(height, width, 3)


def test_a_text_page_renders_as_a_small_png_with_its_text():
    png = render_first_page((PDFS / "text.pdf").read_bytes())
    cleaned, content_type = validated_image(png)  # the check every stored picture passes
    assert content_type == "image/png" and cleaned == png
    pixels = decode_png(png)
    height, width, _ = pixels.shape
    assert width == THUMBNAIL_WIDTH and 1.3 < height / width < 1.5  # A4's shape
    dark = (pixels.min(axis=2) < 128).mean()
    assert 0.001 < dark < 0.2  # text on a white page, neither blank nor black
    assert len(png) < 200_000


def test_colours_survive_the_rendering():
    pixels = decode_png(render_first_page((PDFS / "render.pdf").read_bytes())).astype(int)
    saturated = (pixels.max(axis=2) - pixels.min(axis=2)) > 100
    assert saturated.mean() > 0.01


@pytest.mark.parametrize("name, data, why", [
    ("encrypted", (PDFS / "encrypted.pdf").read_bytes(), "cannot be opened"),
    ("html", b"<!DOCTYPE html><html>arXiv is busy</html>", "not a PDF"),
    ("truncated", (PDFS / "text.pdf").read_bytes()[:2000], "cannot be opened"),
])
def test_what_is_not_a_renderable_pdf_is_refused_with_a_reason(name, data, why):
    with pytest.raises(ThumbnailError, match=why):
        render_first_page(data)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_a_stored_thumbnail_is_served_and_shown_on_cards_and_the_paper_page(media, client):
    today = timezone.localdate()
    drawn = make_paper(id="2406.01234", title="With a picture", day=today, upvotes=3)
    plain = make_paper(id="2406.05678", title="Without one", day=today, primary_category="cs.CL")
    store_thumbnail(drawn, render_first_page((PDFS / "text.pdf").read_bytes()))
    drawn.refresh_from_db()
    assert (media / drawn.thumbnail.name).is_file()
    response = client.get(drawn.thumbnail_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and response.content.startswith(b"\x89PNG")
    assert client.get(f"/papers/{plain.pk}/thumbnail.png").status_code == 404
    day = client.get("/").content.decode()
    assert f'src="{drawn.thumbnail_url}"' in day and 'data-testid="card-thumbnail"' in day
    assert day.count('data-testid="card-thumbnail-placeholder"') == 1 and ">cs.CL</span>" in day
    page = client.get(drawn.get_absolute_url()).content.decode()
    assert 'data-testid="paper-thumbnail"' in page and drawn.thumbnail_url in page
    assert 'data-testid="paper-thumbnail-placeholder"' in client.get(plain.get_absolute_url()).content.decode()
    # A new rendering replaces the file (new name: browsers never keep the old picture).
    old = drawn.thumbnail.name
    store_thumbnail(drawn, render_first_page((PDFS / "render.pdf").read_bytes()))
    assert Paper.objects.get(pk=drawn.pk).thumbnail.name != old


class PdfServer(http.server.BaseHTTPRequestHandler):
    """arXiv's /pdf/<id> as a real HTTP server on loopback: a PDF, a 404, an HTML error page."""

    def do_GET(self):  # noqa: N802 - the http.server interface
        paper_id = self.path.rsplit("/", 1)[-1]
        if paper_id == "2406.00001":
            body, kind, status = (PDFS / "text.pdf").read_bytes(), "application/pdf", 200
        elif paper_id == "2406.00002":
            body, kind, status = b"<html>Rate exceeded.</html>", "text/html", 200
        else:
            body, kind, status = b"not found", "text/plain", 404
        self.server.seen.append((paper_id, self.headers.get("User-Agent")))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def pdf_server(settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PdfServer)
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.DAILYPAPERS_ARXIV_PDF_URL = f"http://127.0.0.1:{server.server_port}/pdf/{{id}}"
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_the_worker_fetches_renders_and_remembers_failures(media, pdf_server):
    today = timezone.localdate()
    make_paper(id="2406.00001", day=today, upvotes=5)
    make_paper(id="2406.00002", day=today, upvotes=4)
    make_paper(id="2406.00003", day=today, upvotes=3)
    make_paper(id="sample-3f2a9c01bd", day=today, upvotes=9)  # no PDF anywhere: never fetched
    make_paper(id="2406.00004", day=today - timezone.timedelta(days=10))  # outside the days
    run = make_thumbnails(days=3, limit=10)
    assert run.rendered == ["2406.00001"]
    assert list(run.failed) == ["2406.00002"] and "not a PDF" in run.failed["2406.00002"]
    assert list(run.unavailable) == ["2406.00003"] and "404" in run.unavailable["2406.00003"]
    assert [s[0] for s in pdf_server.seen] == ["2406.00001", "2406.00002", "2406.00003"]
    assert all(agent and agent.startswith("dailypapers/") for _, agent in pdf_server.seen)
    assert Paper.objects.get(pk="2406.00001").thumbnail
    # The next run: the rendered and the unrenderable wait; the unavailable one is tried again.
    assert [p.pk for p in papers_needing_thumbnails(3, 10) if p.is_arxiv] == ["2406.00003"]


@pytest.mark.django_db
def test_the_daily_job_is_off_until_the_operator_turns_it_on(settings):
    job = next(j for j in scheduler.jobs() if j.name == "thumbnails")
    assert job.enabled() is False
    settings.DAILYPAPERS_THUMBNAILS = True
    assert job.enabled() is True


@pytest.mark.django_db
def test_the_command_renders_a_local_pdf_for_a_paper(media):
    paper = make_paper(id="2406.07777")
    out = io.StringIO()
    call_command("thumbnails", "--pdf", str(PDFS / "text.pdf"), "--paper", paper.pk, stdout=out)
    assert "2406.07777: thumbnail thumbnails/2406.07777/" in out.getvalue()
    with pytest.raises(CommandError, match="cannot be opened"):
        call_command("thumbnails", "--pdf", str(PDFS / "encrypted.pdf"), "--paper", paper.pk)
    with pytest.raises(CommandError, match="no paper"):
        call_command("thumbnails", "--pdf", str(PDFS / "text.pdf"), "--paper", "2406.99999")
