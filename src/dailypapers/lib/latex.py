"""LaTeX math in text: the one rule of what is a formula (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``)
and how it is shown: MathML on pages (rendered by the browser, no script; sanitized, since
latex2mathml copies ``\\text{…}`` and ``\\href`` into its output as markup), readable characters
elsewhere. Abstracts (``papers.text``) and members' markdown (comments, bios: ``lib.markdown``)
both use it, so ``$x^2$`` reads the same in an abstract and under it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3

# Math spans: $$…$$, $…$, \[…\], \(…\); a backslash-escaped dollar (\$) is a dollar sign.
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(.+?)(?<!\\)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.S)
MAX_MATH_CHARS = 2000  # longer "math" is far more likely an unbalanced dollar than a formula
# latex2mathml writes \log as a bare <mi>, which browsers set flush against its argument ("logn"):
# thin spaces around named functions, as TeX puts them.
_NAMED_FUNCTION = re.compile(r"(<mi>(?:log|ln|lg|exp|sin|cos|tan|sec|csc|cot|sinh|cosh|tanh|arcsin|arccos|arctan|"
                             r"max|min|sup|inf|lim|liminf|limsup|det|dim|ker|arg|deg|gcd|hom|Pr|mod)</mi>)")

MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
    "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
    "mphantom", "menclose", "semantics", "annotation", "merror",
}
MATHML_ATTRIBUTES = {
    "*": {"mathvariant", "displaystyle", "scriptlevel"},
    "math": {"display", "xmlns"},
    "mo": {"stretchy", "fence", "separator", "lspace", "rspace", "largeop", "movablelimits", "form", "minsize", "maxsize", "symmetric"},
    "mspace": {"width", "height", "depth"},
    "mfrac": {"linethickness"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "mtd": {"columnalign"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "menclose": {"notation"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
}



def _math_source(match: re.Match) -> tuple[str, bool]:
    display_dollars, inline_dollars, display_bracket, inline_paren = match.groups()
    source = display_dollars or display_bracket or inline_dollars or inline_paren or ""
    return source.strip(), bool(display_dollars or display_bracket)


@lru_cache(maxsize=4096)
def _latex_to_text(source: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        return " ".join(LatexNodes2Text(math_mode="text").latex_to_text(source).split())
    except Exception:  # noqa: BLE001 - any parser failure: show the formula as written
        return source


@lru_cache(maxsize=4096)
def _mathml(source: str, display: bool) -> str | None:
    import latex2mathml.converter

    try:
        markup = latex2mathml.converter.convert(source, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds on bad input
        return None
    markup = _NAMED_FUNCTION.sub(r'<mspace width="0.1667em"></mspace>\1<mspace width="0.1667em"></mspace>', markup)
    return nh3.clean(markup, tags=MATHML_TAGS, attributes=MATHML_ATTRIBUTES, url_schemes=set(), link_rel=None)




def formula_html(match: re.Match) -> str:
    """One formula (a ``_MATH`` match) as a page shows it: MathML, or as written when it cannot be read."""
    from django.utils.html import escape

    source, display = _math_source(match)
    markup = _mathml(source, display) if source and len(source) <= MAX_MATH_CHARS else None
    return f'<span class="math">{markup}</span>' if markup else escape(match.group(0))


# Members' markdown: formulas are taken out before markdown sees them (so "$a*b*c$" makes no
# emphasis) and put back as MathML after the markdown's HTML was sanitized; in code they stay as
# written. The placeholders are private-use characters, removed from the member's text first.
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_CODE = re.compile(r"(<code[^>]*>)(.*?)(</code>)", re.S)


def protect_math(text: str) -> tuple[str, list[re.Match]]:
    """``text`` with each formula replaced by a placeholder, and the formulas in order."""
    formulas: list[re.Match] = []

    def hold(match: re.Match) -> str:
        formulas.append(match)
        return f"{_OPEN}{len(formulas) - 1}{_CLOSE}"

    text = text.replace(_OPEN, "").replace(_CLOSE, "")
    return _MATH.sub(hold, text), formulas


def restore_math(html: str, formulas: list[re.Match]) -> str:
    """Put the formulas back into sanitized ``html``: MathML, but the source as written inside code."""
    from django.utils.html import escape

    if not formulas:
        return html

    def as_written(match: re.Match) -> str:
        return escape(formulas[int(match.group(1))].group(0))

    html = _CODE.sub(lambda m: m.group(1) + _PLACEHOLDER.sub(as_written, m.group(2)) + m.group(3), html)
    return _PLACEHOLDER.sub(lambda m: formula_html(formulas[int(m.group(1))]), html)
