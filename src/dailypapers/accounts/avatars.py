"""Members' avatars: uploaded images checked byte by byte (``dailypapers.lib.images``, the check every
uploaded picture passes), or one generated from the username. Stored files are served with the type
they were validated as and ``nosniff`` (``views.avatar``).

Without an upload the avatar is an identicon: a symmetric 5×5 grid in a colour, both from a hash
of the username, drawn as SVG by this module (no outside service, so it works offline).
"""

from __future__ import annotations

import hashlib
import secrets

from django.utils.html import escape

from dailypapers.lib.images import EXTENSIONS, MAX_IMAGE_BYTES, ImageRejected, validated_image

MAX_AVATAR_BYTES = MAX_IMAGE_BYTES
# The avatar names of the one check (dailypapers.lib.images) every uploaded picture passes.
AvatarRejected = ImageRejected
validated_avatar = validated_image


def storage_name(user_pk: int, content_type: str) -> str:
    """A new name per upload, so a cached old picture is never served for a new one."""
    return f"avatars/{user_pk}/{secrets.token_hex(8)}.{EXTENSIONS[content_type]}"


# --------------------------------------------------------------------------------------------
# Generated avatars


def identicon_svg(username: str, size: int = 80) -> str:
    """An identicon for ``username`` as an SVG element (text; the name inside is escaped)."""
    digest = hashlib.sha256(username.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    colour = f"hsl({hue}, 55%, 45%)"
    cells = []
    for row in range(5):
        for col in range(3):  # the left three columns, mirrored to the right
            if digest[2 + row * 3 + col] & 1:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x + 1}" y="{row + 1}" width="1" height="1"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="avatar generated" width="{int(size)}" height="{int(size)}" '
        f'viewBox="0 0 7 7" role="img" aria-label="{escape(username)}"><title>{escape(username)}</title>'
        f'<rect width="7" height="7" fill="hsl({hue}, 40%, 92%)"/><g fill="{colour}">{"".join(cells)}</g></svg>'
    )
