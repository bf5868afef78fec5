"""Uploaded pictures (members' avatars, organizations' logos): the one check every upload passes.

Pillow is not a dependency, so an upload is accepted only as PNG, JPEG or WebP whose structure
parses (PNG chunks with their CRCs, JPEG segments, the WebP RIFF header), at most
MAX_IMAGE_BYTES, with no markup anywhere in it (a browser that sniffs would otherwise find a page
inside a "picture"). Metadata chunks and segments (EXIF with its GPS position, XMP, text, comments)
are dropped from PNG, JPEG (before, between and after its scans) and WebP before storing. SVG is never accepted: it is a document that runs scripts.
Stored files are served with the type they were validated as and ``nosniff``.

A shared module: it imports no room.
"""

from __future__ import annotations

import re
import struct
import zlib

MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_PIXELS = 4096  # per side

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The chunks a picture needs; every other one (tEXt, iTXt, zTXt, eXIf, tIME, ...) is left out.
PNG_KEPT_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD"}
JPEG_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# Segments a decoder needs before the scan: quantization and Huffman tables, frame, restart
# interval, arithmetic coding; APP0 (JFIF) and APP14 (Adobe colour transform) change how colours
# decode. APP1 (EXIF, XMP) and COM carry metadata and are dropped.
JPEG_KEPT_SEGMENTS = JPEG_SOF_MARKERS | {0xC4, 0xCC, 0xDB, 0xDD, 0xE0, 0xEE, 0xE2}
# Markup a content-sniffing browser could take for a document; none belongs in a picture's bytes.
# Only tags of four letters or more: shorter ones turn up by chance in compressed data (the chance
# of "<svg" in 1 MB of random bytes is about 1 in 500, of "<a " about 1 in 10).
_MARKUP = re.compile(rb"<(?:script|html|body|head|svg|iframe|object|embed|\?xml|!doctype)|javascript:", re.I)

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class ImageRejected(ValueError):
    """The upload is not an image this site keeps; the message says why, for the member."""


def validated_image(data: bytes) -> tuple[bytes, str]:
    """(the bytes to store, their content type) for an upload, or ImageRejected."""
    if not data:
        raise ImageRejected("The file is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(f"The picture is larger than {MAX_IMAGE_BYTES // 1024} KB.")
    if data.startswith(PNG_SIGNATURE):
        cleaned, content_type = _clean_png(data), "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        cleaned, content_type = _clean_jpeg(data), "image/jpeg"
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        cleaned, content_type = _check_webp(data), "image/webp"
    else:
        raise ImageRejected("Upload a PNG, JPEG or WebP picture (SVG and other formats are not accepted).")
    if _MARKUP.search(data):  # the upload as sent: a polyglot is refused, not cleaned
        raise ImageRejected("The picture contains markup; upload a plain image.")
    return cleaned, content_type


def _check_size(width: int, height: int) -> None:
    if not (0 < width <= MAX_IMAGE_PIXELS and 0 < height <= MAX_IMAGE_PIXELS):
        raise ImageRejected(f"The picture must be between 1 and {MAX_IMAGE_PIXELS} pixels on each side.")


def _clean_png(data: bytes) -> bytes:
    broken = ImageRejected("This is not a valid PNG file.")
    pos, kept, seen = len(PNG_SIGNATURE), [PNG_SIGNATURE], []
    while True:
        if pos + 12 > len(data):
            raise broken
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if not kind.isalpha() or end > len(data):
            raise broken
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : end])
        if zlib.crc32(kind + body) != crc:
            raise broken
        if not seen and (kind != b"IHDR" or length != 13):
            raise broken
        if kind == b"IHDR":
            _check_size(*struct.unpack(">II", body[:8]))
        seen.append(kind)
        if kind in PNG_KEPT_CHUNKS:
            kept.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            break
    if pos != len(data):  # bytes after the end: where a polyglot hides its other half
        raise broken
    if b"IDAT" not in seen:
        raise broken
    return b"".join(kept)


def _clean_jpeg(data: bytes) -> bytes:
    """Segment by segment through the whole file, scans included: between and after scans (a
    progressive JPEG has several) tables are kept and metadata (APPn, COM) dropped as before the
    first; the file ends at its end-of-image marker."""
    broken = ImageRejected("This is not a valid JPEG file.")
    pos, kept, has_frame, scans = 2, [b"\xff\xd8"], False, 0
    while True:
        if pos + 2 > len(data) or data[pos] != 0xFF:
            raise broken
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # end of image
            if not scans or pos + 2 != len(data):  # bytes after the end: where a polyglot hides
                raise broken
            kept.append(b"\xff\xd9")
            return b"".join(kept)
        if pos + 4 > len(data):
            raise broken
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise broken
        if marker in JPEG_SOF_MARKERS:
            if length < 8 or has_frame:
                raise broken
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            _check_size(width, height)
            has_frame = True
        if marker == 0xDA:  # start of scan: its header, then entropy-coded data up to the next marker
            if not has_frame:
                raise broken
            scan_end = _entropy_coded_end(data, end)
            kept.append(data[pos:scan_end])
            scans += 1
            pos = scan_end
            continue
        if marker in JPEG_KEPT_SEGMENTS or marker == 0xDC:  # 0xDC: the number of lines, after a scan
            kept.append(data[pos:end])
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            raise broken  # not a segment a JPEG holds
        pos = end


def _entropy_coded_end(data: bytes, pos: int) -> int:
    """Where the compressed data starting at ``pos`` ends: at the first marker that is neither a
    stuffed 0xFF00 nor a restart marker (0xFFD0-0xFFD7)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise ImageRejected("This is not a valid JPEG file.")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:  # fill bytes before a marker
            pos += 1
        else:
            return pos


# WebP chunks a picture needs (RIFF container): the bitstreams, alpha, animation, the colour profile.
# EXIF and XMP (a camera's GPS position, the author) and unknown chunks are dropped.
WEBP_KEPT_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
VP8X_EXIF_FLAG, VP8X_XMP_FLAG = 0x08, 0x04


def _check_webp(data: bytes) -> bytes:
    broken = ImageRejected("This is not a valid WebP file.")
    (riff_size,) = struct.unpack("<I", data[4:8])
    if riff_size + 8 != len(data) or len(data) < 30:
        raise broken
    first = data[12:16]
    if first == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
    elif first == b"VP8L":
        if data[20] != 0x2F:
            raise broken
        bits = int.from_bytes(data[21:25], "little")
        width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    elif first == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            raise broken
        width, height = (int.from_bytes(data[26:28], "little") & 0x3FFF), (int.from_bytes(data[28:30], "little") & 0x3FFF)
    else:
        raise broken
    _check_size(width, height)
    pos, kept = 12, []
    while pos < len(data):
        if pos + 8 > len(data):
            raise broken
        kind = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + size + (size & 1)  # chunks are padded to an even length
        if end > len(data):
            raise broken
        chunk = data[pos:end]
        if kind == b"VP8X":
            chunk = chunk[:8] + bytes([chunk[8] & ~(VP8X_EXIF_FLAG | VP8X_XMP_FLAG) & 0xFF]) + chunk[9:]
        if kind in WEBP_KEPT_CHUNKS:
            kept.append(chunk)
        pos = end
    body = b"WEBP" + b"".join(kept)
    return b"RIFF" + struct.pack("<I", len(body)) + body
