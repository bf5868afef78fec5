"""Small images built byte by byte (Pillow is not a dependency), well-formed unless told otherwise."""

import struct
import zlib


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 2, height: int = 2, *, extra_chunks: tuple[tuple[bytes, bytes], ...] = (), trailer: bytes = b"") -> bytes:
    rows = b"".join(b"\x00" + b"\x10\x80\xf0\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + b"".join(png_chunk(kind, body) for kind, body in extra_chunks)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
        + trailer
    )


def jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg(width: int = 1, height: int = 1, *, exif: bytes = b"Exif\x00\x00GPS 52.5N 13.4E", later_scans: int = 0,
         between_scans: bytes = b"") -> bytes:
    """A baseline JPEG; ``later_scans`` more scans (as a progressive one has), each preceded by
    ``between_scans`` (segments), the data holding stuffed 0xFF00 bytes and a restart marker."""
    scan = jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x12\xff\x00\x34\xff\xd0\x56"
    return (
        b"\xff\xd8"
        + jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + (jpeg_segment(0xE1, exif) if exif else b"")
        + jpeg_segment(0xFE, b"a comment")
        + jpeg_segment(0xDB, b"\x00" + bytes(range(1, 65)))
        + jpeg_segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00")
        + jpeg_segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
        + scan
        + b"".join(between_scans + jpeg_segment(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00") + scan for _ in range(later_scans))
        + b"\xff\xd9"
    )


def riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def webp(width: int = 1, height: int = 1, *, exif: bytes = b"", xmp: bytes = b"") -> bytes:
    """A lossless WebP; with ``exif`` or ``xmp``, the extended form (VP8X, its flags saying so)."""
    bits = (width - 1) | ((height - 1) << 14)
    chunks = riff_chunk(b"VP8L", b"\x2f" + bits.to_bytes(4, "little") + b"\x00" * 5)
    if exif or xmp:
        flags = (0x08 if exif else 0) | (0x04 if xmp else 0)
        vp8x = riff_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"))
        chunks = vp8x + chunks + (riff_chunk(b"EXIF", exif) if exif else b"") + (riff_chunk(b"XMP ", xmp) if xmp else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks
