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


def jpeg(width: int = 1, height: int = 1, *, exif: bytes = b"Exif\x00\x00GPS 52.5N 13.4E") -> bytes:
    return (
        b"\xff\xd8"
        + jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + (jpeg_segment(0xE1, exif) if exif else b"")
        + jpeg_segment(0xFE, b"a comment")
        + jpeg_segment(0xDB, b"\x00" + bytes(range(1, 65)))
        + jpeg_segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00")
        + jpeg_segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
        + jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x12\x34\x56"
        + b"\xff\xd9"
    )


def webp(width: int = 1, height: int = 1) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    body = b"\x2f" + bits.to_bytes(4, "little") + b"\x00" * 5
    chunk = b"VP8L" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk
