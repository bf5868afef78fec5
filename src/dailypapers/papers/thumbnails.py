"""Thumbnails of papers: the first page of the PDF as a small PNG (pypdfium2, PDFium's renderer).

Rendered here from PDF bytes; fetched from arXiv by the worker (``ingest.thumbnails``, only when
the operator turns ``DAILYPAPERS_THUMBNAILS`` on). The PNG passes the one check every stored
picture passes (``lib.images``), goes through Django's ``default_storage`` like avatars and logos
(a bucket on a multi-host site, never a shared disk) and is served by ``views.thumbnail`` with the
type its bytes prove. Pillow is not a dependency: the PNG is written here (zlib, one IDAT).
"""

from __future__ import annotations

import secrets
import struct
import zlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from dailypapers.lib.images import ImageRejected, validated_image
from dailypapers.lib.pagecache import bump_content_version

THUMBNAIL_WIDTH = 320  # pixels: a card shows it at 160 CSS px, twice that for sharp screens
MAX_PDF_BYTES = 60 * 1024 * 1024  # arXiv's largest PDFs are ~50 MB


class ThumbnailError(ValueError):
    """The bytes are not a PDF this site can render (the message says why)."""


def render_first_page(pdf: bytes, width: int = THUMBNAIL_WIDTH) -> bytes:
    """The first page of ``pdf`` as a PNG ``width`` pixels wide (height as the page's shape)."""
    import pypdfium2 as pdfium  # imported here: only the worker and the command render

    if not pdf.startswith(b"%PDF-"):
        raise ThumbnailError("not a PDF (no %PDF- header)")
    if len(pdf) > MAX_PDF_BYTES:
        raise ThumbnailError(f"PDF larger than {MAX_PDF_BYTES // (1024 * 1024)} MB")
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:  # broken, encrypted
        raise ThumbnailError(f"the PDF cannot be opened: {exc}") from exc
    try:
        if len(document) == 0:
            raise ThumbnailError("the PDF has no pages")
        page = document[0]
        page_width, page_height = page.get_size()
        if page_width <= 0 or page_height <= 0:
            raise ThumbnailError("the first page has no size")
        # Keep the picture within the check every stored picture passes (at most 4096 px a side).
        scale = min(width / page_width, 4096 / page_height)
        bitmap = page.render(scale=scale, rev_byteorder=True)  # RGB, as PNG wants it
        pixels = bitmap.to_numpy()
    finally:
        document.close()
    return encode_png(pixels)


def encode_png(pixels) -> bytes:
    """An RGB ``numpy`` array (height × width × 3, uint8) as a PNG file."""
    height, width, channels = pixels.shape
    if channels != 3:
        raise ValueError("RGB pixels expected")
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))  # filter 0 per row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def storage_name(paper_id: str) -> str:
    """A new name per rendering (a cached old picture is never served for a new one); old-style
    ids' slash becomes a folder-safe dash."""
    return f"thumbnails/{paper_id.replace('/', '-')}/{secrets.token_hex(6)}.png"


def store_thumbnail(paper, png: bytes) -> str:
    """Store ``png`` as the paper's thumbnail (replacing an older one); returns the storage name."""
    try:
        data, content_type = validated_image(png)
    except ImageRejected as exc:
        raise ThumbnailError(str(exc)) from exc
    if content_type != "image/png":
        raise ThumbnailError("thumbnails are PNG")
    name = default_storage.save(storage_name(paper.pk), ContentFile(data))
    old = type(paper).objects.filter(pk=paper.pk).values_list("thumbnail", flat=True).first()
    type(paper).objects.filter(pk=paper.pk).update(thumbnail=name, thumbnail_failed_at=None)
    paper.thumbnail.name, paper.thumbnail_failed_at = name, None
    if old and old != name:
        transaction.on_commit(lambda: default_storage.delete(old))
    bump_content_version()  # cached pages show the picture on the next request
    return name


def mark_failed(paper) -> None:
    """Remember that this paper's PDF could not be rendered, so the worker waits before trying again."""
    type(paper).objects.filter(pk=paper.pk).update(thumbnail_failed_at=timezone.now())
