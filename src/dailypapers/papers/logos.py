"""Organization logos: what an upload may be, and how it is stored and served.

An upload passes the one check of every uploaded picture (``dailypapers.lib.images``: PNG, JPEG or
WebP by its bytes and structure, never by its name or the browser's content type, at most
MAX_LOGO_BYTES, no markup, metadata dropped; SVG refused). With Pillow installed the image is also
decoded and re-encoded as PNG.
Files go through Django's ``default_storage`` (a shared disk is not assumed) and are served by
``papers.views.organization_logo`` with the content type their bytes prove, never as the storage
names them.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError

from dailypapers.lib.images import EXTENSIONS, MAX_IMAGE_BYTES, ImageRejected, validated_image

MAX_LOGO_BYTES = MAX_IMAGE_BYTES
# Magic bytes -> content type. WebP is "RIFF" <size> "WEBP".
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def image_type(head: bytes) -> str | None:
    """The content type of an accepted image format from its first 12 bytes, else None."""
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read(MAX_LOGO_BYTES + 1)
    upload.seek(0)
    return data


def checked_logo(data: bytes) -> tuple[bytes, str]:
    """(the bytes to store, their content type) for an upload, or ValidationError: the one check
    every uploaded picture passes (``dailypapers.lib.images``: structure, no markup, metadata dropped),
    for the admin form's validator and ``store_logo``."""
    try:
        data, _ = validated_image(data)
    except ImageRejected as exc:
        raise ValidationError(str(exc).replace("picture", "logo"), code="not_an_image") from exc
    data = reencoded(data)
    return data, image_type(data[:12])


def validate_logo_upload(upload) -> None:
    """Field validator: ``checked_logo`` on a new upload (a stored file was checked when it came)."""
    if not upload or getattr(upload, "_committed", False):
        return
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_LOGO_BYTES:
        raise ValidationError(f"A logo may be at most {MAX_LOGO_BYTES // 1024} KB.", code="too_large")
    checked_logo(_read_all(upload))


def reencoded(data: bytes) -> bytes:
    """``data`` decoded and written again as PNG when Pillow is installed; as given otherwise.
    Raises ValidationError when Pillow cannot decode it."""
    try:
        from PIL import Image
    except ImportError:
        return data
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            image.convert("RGBA").save(out, format="PNG")
    except Exception as exc:  # noqa: BLE001 - any decoding failure means "not an image we take"
        raise ValidationError("The logo could not be read as an image.", code="not_an_image") from exc
    return out.getvalue()


def store_logo(organization, upload) -> None:
    """Make ``upload`` ``organization``'s logo (as ``checked_logo`` leaves it); the previous file is
    deleted from the storage."""
    from django.core.files.base import ContentFile

    data, kind = checked_logo(_read_all(upload))
    old = organization.logo.name if organization.logo else ""
    organization.logo.save(f"{organization.pk}.{EXTENSIONS[kind]}", ContentFile(data), save=True)
    if old and old != organization.logo.name:
        organization.logo.storage.delete(old)
