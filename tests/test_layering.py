"""The room order of issue 11, checked on the source: lower rooms never import higher ones, no import circle.

Every module under ``src/dailypapers`` is parsed with ``ast``; every import counts, at any depth
(inside functions too: a deferred import is still a dependency, only a later one).

The rule:

- **Rooms** (Django apps with one job each), lowest first: ``papers`` < ``ingest``, ``accounts`` <
  ``search``, ``community`` < ``enrichment``, ``discovery`` < ``api``, ``digests`` < ``ops``. A room
  imports itself and rooms below it, never one above it or beside it at its own level (``ingest``
  and ``accounts`` do not import each other, nor do ``api`` and ``digests``, nor ``enrichment``
  and ``discovery``).
- **Shared modules** sit below every room: the ``lib`` package (``progress``, ``ratelimit``, ``mail``,
  ``params``, ``pagecache``, ``markdown``, ``middleware``, ``images``, ``sqlite_cache``, ``env``, ``datadir``), the ``throttle`` and
  ``scheduling`` apps. Any room may import them; they import no room at all, not even ``papers``,
  and other shared modules only (the scheduler learns its jobs from the rooms' ``AppConfig.ready``,
  a registry it does not import). So anything can lean on them without closing a circle.
- **Wiring** is above everything: ``settings``, ``urls``, ``cli``, ``wsgi``, ``__main__`` and the package
  itself may import any room, and no room or shared module imports them (a room reads settings
  through ``django.conf.settings``, which is not an import of ``dailypapers.settings``).

And module-level imports (those run when a module is first imported) form no circle between modules:
Python could load a circle only in a lucky order.

**Templates** follow the same rule: a template belongs to the room whose ``templates/<room>/`` folder
holds it (``allauth/`` overrides are the accounts room's); ``base.html`` and the site-wide partials at
the root (the member menu, the settings menu, the error page) are wiring. ``{% extends %}`` and
``{% include %}`` name a template, ``{% load %}`` a tag library (a room's ``templatetags``, or
``pagecache`` in lib): each is a dependency of the template's room, checked by ``allowed``. The
deliberate page compositions — a lower room's page showing a higher room's part in a slot made for
it — are named in ``TEMPLATE_COMPOSITIONS``, each with its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "dailypapers"

ROOM_LEVEL = {
    "papers": 0, "ingest": 1, "accounts": 1, "search": 2, "community": 2, "enrichment": 2.5, "discovery": 2.5,
    "api": 3, "digests": 3, "ops": 4,
}  # fmt: skip
SHARED = {"lib", "scheduling", "throttle"}
WIRING = {"settings", "urls", "cli", "wsgi", "__main__", "__init__"}

# Violations that exist today and are being removed by other work on issue 11. The tests fail on
# any violation not listed here, and on a listed one that is gone, so the lists only ever shrink:
# delete an entry when its fix lands.
KNOWN_VIOLATIONS: set[str] = set()
KNOWN_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported module of ours, line, at module level) for each import in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []

    def add(target: str, node: ast.AST, top: bool) -> None:
        if target == PACKAGE or target.startswith(PACKAGE + "."):
            found.append((target, node.lineno, top))

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            child_top = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, child, child_top)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                for alias in child.names:
                    # `from pkg import submodule` depends on the submodule, `from mod import name` on mod.
                    sub = f"{base}.{alias.name}"
                    add(sub if sub in modules else base, child, child_top)
            else:
                visit(child, child_top)

    visit(tree, True)
    return found


def part_of(module: str) -> str:
    """The room, shared module or wiring piece a module belongs to (its first name under the package)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def allowed(importer: str, imported: str) -> bool:
    if importer == imported or importer in WIRING:
        return True
    if imported in WIRING:
        return False
    if imported in SHARED:
        return True  # shared modules are below everything; among themselves anything goes
    if importer in SHARED:
        return False  # shared modules import no room
    if importer not in ROOM_LEVEL or imported not in ROOM_LEVEL:
        return False  # a new top-level module: give it a place in the rule above first
    return ROOM_LEVEL[imported] < ROOM_LEVEL[importer]


def graph():
    modules = all_modules()
    return modules, {name: imports_of(name, path, modules) for name, path in modules.items()}


def layer_violations() -> set[str]:
    modules, edges = graph()
    found = set()
    for name, imports in edges.items():
        for target, _line, _top in imports:
            if not allowed(part_of(name), part_of(target)):
                found.add(f"{name} -> {target}")
    return found


def import_cycles(module_level_only: bool) -> set[frozenset[str]]:
    """Strongly connected components (more than one module) of the import graph (Tarjan)."""
    modules, edges = graph()
    succ = {
        n: sorted({t for t, _l, top in imports if (top or not module_level_only) and t in modules and t != n})
        for n, imports in edges.items()
    }
    index, low, stack, on_stack, cycles = {}, {}, [], set(), set()

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in succ[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.add(frozenset(component))

    for v in sorted(succ):
        if v not in index:
            strongconnect(v)
    return cycles


# Templates: the room of a template's top folder under any templates/ directory.
TEMPLATE_ROOM_ALIASES = {"allauth": "accounts", "account": "accounts"}  # allauth overrides
# member_part (lib.pagecache.tags) is an include rendered per request inside a cached page.
TEMPLATE_TAG = re.compile(r"{%-?\s*(extends|include|member_part|load)\s+(.+?)\s*-?%}")
TEMPLATE_NAME = re.compile(r"""^(["'])([^"']+)\1""")
TEMPLATE_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
BUILTIN_TAG_LIBRARIES = {"static", "i18n", "l10n", "tz", "cache", "humanize", "django_htmx", "account", "socialaccount", "allauth"}

# (template, what it includes/loads): the page compositions the issue names, each a slot one room's
# page leaves for a higher room's part. Anything else against the room order fails the test.
TEMPLATE_COMPOSITIONS: dict[tuple[str, str], str] = {
    # paper page → comment thread, by the community room's tag
    ("papers/paper_detail.html", "community"): "the comment thread under the abstract",
    # card and paper page → profile badges (claimed authors link to their profiles)
    ("papers/paper_detail.html", "profiles"): "the byline links claimed authors to their profiles",
    ("papers/_paper_card.html", "accounts/_author_participating.html"): "the 'author participating' badge",
    # day page → submit form
    ("papers/period.html", "ingest/_submit_form.html"): "today's page carries the submit box",
    # what enrichment and discovery add to every card and paper page
    ("papers/_paper_card.html", "enrichment/_keywords.html"): "keyword chips on the card",
    ("papers/paper_detail.html", "enrichment/_keywords.html"): "keyword chips on the paper page",
    ("papers/paper_detail.html", "enrichment/_hub_links.html"): "models, datasets and Spaces citing the paper",
    ("papers/_paper_card.html", "discovery/_feedback.html"): "'more like this' / 'not interested' on every card",
    ("papers/paper_detail.html", "discovery/_author_links.html"): "authors link to their author pages (follow)",
    ("search/search.html", "discovery/_follow_button.html"): "follow this search",
    ("papers/organization.html", "discovery/_follow_button.html"): "follow this organization",
    ("papers/period.html", "discovery/_follow_button.html"): "follow this category (the category's pages)",
}


def template_files() -> dict[str, Path]:
    """Template name (as the loader sees it) → file, for every templates/ directory of the package."""
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("templates/**/*")):
        if path.is_file() and path.suffix in (".html", ".txt", ".xml"):
            root = next(p for p in path.parents if p.name == "templates")
            found[str(path.relative_to(root))] = path
    return found


LAYOUT = "layout"  # base.html and the site-wide partials at the templates root


def template_part(name: str) -> str:
    """The room a template belongs to (its top folder), or the layout at the root."""
    top, _, rest = name.partition("/")
    if not rest:
        return LAYOUT
    return TEMPLATE_ROOM_ALIASES.get(top, top)


def template_allowed(importer: str, imported: str) -> bool:
    """``allowed`` for templates: the layout is the frame every room's page extends, and it may
    show any room's part (the member menu's bell, the header's search box), as wiring may import."""
    return LAYOUT in (importer, imported) or allowed(importer, imported)


def tag_library_part(library: str) -> str | None:
    """The part a ``{% load %}`` library lives in; None for Django's and third parties' own."""
    if library in BUILTIN_TAG_LIBRARIES:
        return None
    if library == "pagecache":
        return "lib"
    hits = [p for p in (SRC / PACKAGE).glob(f"*/templatetags/{library}.py")]
    assert hits, f"{{% load {library} %}}: no tag library of that name (add it to BUILTIN_TAG_LIBRARIES if it is Django's)"
    return hits[0].parent.parent.name


def template_dependencies() -> list[tuple[str, str, str]]:
    """(template, dependency as written, the dependency's part) for every extends/include/load."""
    found = []
    for name, path in template_files().items():
        for kind, argument in TEMPLATE_TAG.findall(TEMPLATE_COMMENT.sub("", path.read_text())):
            if kind == "load":
                libraries = argument.split(" from ")[-1].split() if " from " in argument else argument.split()
                for library in libraries:
                    part = tag_library_part(library)
                    if part:
                        found.append((name, library, part))
            else:
                literal = TEMPLATE_NAME.match(argument)
                assert literal, f"{name}: {{% {kind} {argument} %}} names no template literally (the check reads names)"
                found.append((name, literal.group(2), template_part(literal.group(2))))
    return found


def template_violations() -> set[tuple[str, str]]:
    return {(name, target) for name, target, part in template_dependencies() if not template_allowed(template_part(name), part)}


def test_templates_follow_the_room_order():
    found = template_violations()
    assert found - set(TEMPLATE_COMPOSITIONS) == set(), "templates against the room order (see this module's docstring)"
    assert set(TEMPLATE_COMPOSITIONS) - found == set(), "no longer a violation: delete these from TEMPLATE_COMPOSITIONS"


def test_the_template_check_reads_every_kind_of_dependency():
    deps = {(name, target) for name, target, _part in template_dependencies()}
    assert len(template_files()) > 50
    assert any(target == "base.html" for _n, target in deps)  # extends
    assert any(target == "paper_tags" for _n, target in deps)  # load
    assert any(target.startswith("papers/_") for _n, target in deps)  # include
    assert template_part("papers/paper_detail.html") == "papers" and template_part("allauth/layouts/base.html") == "accounts"
    assert template_part("base.html") == LAYOUT and tag_library_part("community") == "community"
    assert ("papers/period.html", "ingest/_submit_form.html") in deps  # member_part
    assert not template_allowed("papers", "community") and template_allowed("community", "papers")
    assert template_allowed("papers", LAYOUT) and template_allowed(LAYOUT, "discovery")


def test_the_parser_sees_imports_inside_functions():
    """The checks below are only as good as the import list: a deferred import must be in it."""
    modules, edges = graph()
    assert ("dailypapers.scheduling.scheduler", False) in {(t, top) for t, _l, top in edges["dailypapers.cli"]}
    assert ("dailypapers.ingest.sources.arxiv_api", False) in {(t, top) for t, _l, top in edges["dailypapers.ingest.services"]}
    assert len(modules) > 50


def test_the_rule_itself():
    assert allowed("search", "papers") and allowed("api", "search") and allowed("digests", "ingest")
    assert not allowed("papers", "ingest") and not allowed("ingest", "search") and not allowed("search", "api")
    assert not allowed("api", "digests") and not allowed("ingest", "accounts")
    assert allowed("enrichment", "community") and allowed("enrichment", "search") and allowed("api", "enrichment")
    assert not allowed("community", "enrichment") and not allowed("search", "enrichment") and not allowed("enrichment", "api")
    assert not allowed("enrichment", "discovery") and not allowed("discovery", "enrichment")
    assert allowed("papers", "lib") and allowed("digests", "scheduling")
    assert not allowed("scheduling", "ingest") and not allowed("lib", "papers")
    assert allowed("cli", "ingest") and not allowed("papers", "settings")
    assert not allowed("newroom", "papers") and not allowed("papers", "newroom")
    assert allowed("discovery", "search") and allowed("discovery", "community") and allowed("api", "discovery")
    assert allowed("digests", "discovery") and not allowed("discovery", "api") and not allowed("search", "discovery")
    assert allowed("ops", "digests") and allowed("ops", "search") and not allowed("digests", "ops") and not allowed("api", "ops")


def test_no_room_imports_a_higher_one():
    found = layer_violations()
    assert found - KNOWN_VIOLATIONS == set(), "imports against the room order (see this module's docstring)"
    assert KNOWN_VIOLATIONS - found == set(), "fixed: delete these from KNOWN_VIOLATIONS"


def test_no_import_circle_at_module_level():
    assert import_cycles(module_level_only=True) == set()


def test_no_import_circle_even_through_deferred_imports():
    """A circle closed by an import inside a function loads, but the two modules are one tangle."""
    found = import_cycles(module_level_only=False)
    assert found - KNOWN_CYCLES == set(), "modules that import each other"
    assert KNOWN_CYCLES - found == set(), "fixed: delete these from KNOWN_CYCLES"


if __name__ == "__main__":  # python tests/test_layering.py: list what the tests check against
    for v in sorted(layer_violations()):
        print("layer:", v)
    for c in import_cycles(module_level_only=True):
        print("module-level cycle:", sorted(c))
    for c in import_cycles(module_level_only=False):
        print("cycle:", sorted(c))
    for v in sorted(template_violations()):
        print("template:", v)
