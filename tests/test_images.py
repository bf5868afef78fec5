"""Uploaded pictures keep no metadata, wherever a format can carry it: PNG chunks, JPEG segments
before, between and after scans, WebP's EXIF and XMP chunks (a camera's GPS position). Before, WebP
kept them whole and a JPEG segment after the first scan survived."""

import struct

import pytest

from dailypapers.lib.images import ImageRejected, validated_image
from tests.accounts.images import jpeg, jpeg_segment, png, png_chunk, webp

GPS = b"GPS 52.5200N 13.4050E"
EXIF = b"Exif\x00\x00MM\x00*" + GPS
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="52,31.2N"/></x:xmpmeta>'

CARRIERS = {
    "png text chunk": png(extra_chunks=((b"tEXt", b"Comment\x00" + GPS), (b"eXIf", EXIF))),
    "jpeg before the scan": jpeg(exif=EXIF),
    "jpeg between scans": jpeg(exif=b"", later_scans=2, between_scans=jpeg_segment(0xE1, EXIF) + jpeg_segment(0xFE, GPS)),
    "jpeg after the last scan": jpeg(exif=b"")[:-2] + jpeg_segment(0xE1, EXIF) + b"\xff\xd9",
    "webp exif chunk": webp(exif=EXIF),
    "webp xmp chunk": webp(exif=EXIF, xmp=XMP.replace(b"<", b"(")),  # markup is refused outright; the chunk is what counts
}


@pytest.mark.parametrize("name", CARRIERS)
def test_metadata_is_dropped_wherever_the_format_carries_it(name):
    cleaned, content_type = validated_image(CARRIERS[name])
    assert b"GPS" not in cleaned and b"Exif" not in cleaned, name
    assert validated_image(cleaned) == (cleaned, content_type)  # still a valid picture of its kind, already clean


def test_a_cleaned_webp_says_it_has_no_metadata_and_keeps_its_picture():
    cleaned, _ = validated_image(webp(3, 2, exif=EXIF))
    assert cleaned[:4] == b"RIFF" and struct.unpack("<I", cleaned[4:8])[0] + 8 == len(cleaned)
    assert cleaned[12:16] == b"VP8X" and cleaned[20] & 0x0C == 0  # the EXIF and XMP flags cleared
    assert webp(3, 2)[12:] in cleaned  # the VP8L bitstream chunk, unchanged


def test_a_jpeg_keeps_its_scans_tables_and_restart_markers():
    original = jpeg(exif=b"", later_scans=2, between_scans=jpeg_segment(0xFE, b"note"))
    cleaned, _ = validated_image(original)
    assert cleaned.count(b"\xff\xda") == 3 and cleaned.count(b"\xff\xc4") == 3 and cleaned.count(b"\xff\xd0") == 3
    assert cleaned == original.replace(jpeg_segment(0xFE, b"a comment"), b"").replace(jpeg_segment(0xFE, b"note"), b"")


@pytest.mark.parametrize("data", [
    jpeg() + b"trailing",  # bytes after the end of image
    jpeg()[:-2] + b"\xff\xd9" + jpeg()[2:],  # a second picture glued on
    jpeg()[:-2],  # no end of image
    webp(exif=EXIF)[:-3],  # a chunk cut short
    png() + png_chunk(b"tEXt", b"x"),  # after IEND
])
def test_broken_or_padded_files_are_refused(data):
    with pytest.raises(ImageRejected):
        validated_image(data)
