"""Icons are drawn by the site (inline SVG, CSS masks), never left to an emoji font the reader may not
have: without one, "🔔" and "💬" are blank boxes (issue 29). No template, stylesheet or script the site
serves uses a pictograph from the emoji blocks."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "dailypapers"
EMOJI = re.compile("[\U0001F000-\U0001FFFF\u2600-\u26FF\u2700-\u27BF\uFE0F]")
ALLOWED = set("✓★☆")  # in the fonts every desktop and phone has (DejaVu, Noto Sans Symbols)


def test_no_emoji_glyph_in_what_the_site_serves():
    found = {}
    for path in [*SRC.rglob("*.html"), *SRC.rglob("*.css"), *SRC.rglob("*.js")]:
        if "/vendor/" in str(path) or "email" in path.parts:
            continue
        glyphs = {c for c in EMOJI.findall(path.read_text(encoding="utf-8")) if c not in ALLOWED}
        if glyphs:
            found[str(path.relative_to(SRC))] = sorted(glyphs)
    assert found == {}
