"""Queries an editor asks of the index: code-lens targets, inlay values, the fixes and
refactorings at a range, the check of a new name, and which name is still being typed.

They answer in index terms (paths, character-column ranges, edits); the language server
only maps them onto LSP types, so every editor integration gets the same answers.
"""
import os
from typing import Collection, Dict, List, NamedTuple, Optional, Set, Tuple

from ..primitives import EmptyValue
from . import edits, queries
from .model import Occurrence
from .positions import Range
from .problems import Problem, problems_of
from .workspace import Key, Workspace

QUICKFIX = "quickfix"
REWRITE = "refactor.rewrite"
Cursor = Tuple[int, int]   # (line, character column)


class Lens(NamedTuple):
    """A lens above `target`: the name is used `len(uses)` times in `files` files."""
    target: Occurrence
    uses: List[Occurrence]
    files: int

    @property
    def title(self) -> str:
        n = len(self.uses)
        where = " in {} files".format(self.files) if self.files > 1 else ""
        return "{}: {} use{}{}".format(self.target.name, n, "" if n == 1 else "s", where)


def lens_targets(ws: Workspace, path: str) -> List[Lens]:
    """One lens per name of `path` that is used more than once in the workspace (a count of
    one tells nothing), at its default in this file, else at its first use here."""
    facts = ws.facts_of(path)
    if facts is None:
        return []
    first: Dict[Key, Occurrence] = {}
    for occ in facts.occurrences:
        known = first.get(occ.key())
        if known is None or (occ.has_default and not known.has_default):
            first[occ.key()] = occ
    out = []
    for key, occ in first.items():
        uses = ws.occurrences_of(key)
        if len(uses) > 1:
            out.append(Lens(occ, uses, len({u.path for u in uses})))
    out.sort(key=lambda lens: lens.target.name_range)
    return out


class InlayValue(NamedTuple):
    """The effective value shown after a call without a default."""
    occurrence: Occurrence
    text: str
    source: str     # "values file" or "default"

    @property
    def label(self) -> str:
        # an arrow and no `=`: `_("lr") = 0.1` would read as an assignment
        return "\u21d2 {}".format(self.text)

    @property
    def tooltip(self) -> str:
        return "{} is {} (from the {})".format(self.occurrence.name, self.text, self.source)


def inlay_values(ws: Workspace, path: str, first_line: int, last_line: int) -> List[InlayValue]:
    """The values of the calls without a default that end on lines first_line..last_line."""
    facts = ws.facts_of(path)
    if facts is None:
        return []
    out = []
    for occ in facts.occurrences:
        if occ.has_default or not first_line <= occ.call[2] <= last_line:
            continue
        value, source = queries.effective_value(ws, occ.key())
        text = queries.value_text(ws, occ.key())
        if isinstance(value, EmptyValue) or text is None:
            continue
        out.append(InlayValue(occ, text, source))
    return out


def _overlaps(a: Range, b: Range) -> bool:
    """Whether two ranges share a position (an empty range is a cursor)."""
    return not ((a[2], a[3]) < (b[0], b[1]) or (b[2], b[3]) < (a[0], a[1]))


def calls_in(ws: Workspace, path: str, rng: Range) -> List[Occurrence]:
    """The calls a code-action range is about: at a cursor, the innermost call there; for a
    selection (Emacs asks for whole lines), every call that overlaps it."""
    if rng[:2] == rng[2:]:
        occ = queries.occurrence_at(ws, path, rng[0], rng[1])
        return [occ] if occ is not None else []
    facts = ws.facts_of(path)
    if facts is None:
        return []
    return [occ for occ in facts.occurrences if _overlaps(occ.call, rng)]


class Fix(NamedTuple):
    """A quick fix (it repairs the problems with `codes`) or a refactoring (kind REWRITE)."""
    title: str
    kind: str
    edits: List[edits.TextEdit]
    codes: Tuple[str, ...]
    preferred: bool


def fixes_at(ws: Workspace, path: str, rng: Range) -> List[Fix]:
    """Every fix and refactoring for the calls and problems in `rng` of `path`."""
    vf = ws.values_file
    if vf is not None and vf.path == os.path.abspath(path):
        return _values_fixes(ws, path, rng)
    out: List[Fix] = []
    for occ in calls_in(ws, path, rng):
        out.extend(_call_fixes(ws, occ))
    return [f for f in out if f.edits]


def _problems_at(ws: Workspace, path: str, rng: Range) -> List[Problem]:
    return [p for p in problems_of(ws, path) if _overlaps(p.range, rng)]


def _call_fixes(ws: Workspace, occ: Occurrence) -> List[Fix]:
    name = occ.name
    defaults = ws.defaults_of(occ.key())
    out = []
    if not occ.has_default:
        # with one default, nothing is wrong: moving it is a refactoring; with several
        # (a duplicate-default problem), moving one here and the others away fixes it
        kind, codes = (QUICKFIX, ("duplicate-default",)) if len(defaults) > 1 else (REWRITE, ())
        for default in defaults:
            title = "Move the default of `{}` here".format(name)
            if len(defaults) > 1:
                title += " (from {}:{})".format(os.path.basename(default.path), default.line + 1)
            out.append(Fix(title, kind, edits.move_default_here(ws, occ, default), codes, False))
        if not defaults:
            suggestion = next((p.data.get("suggestion") for p in _problems_at(ws, occ.path, occ.name_range)
                               if p.code == "no-default" and p.data.get("suggestion")), None)
            if suggestion:
                new = edits.quote_name(edits.name_literal(ws, occ), suggestion)
                out.append(Fix("Did you mean `{}`?".format(suggestion), QUICKFIX,
                               [(occ.path, occ.name_range, new)], ("no-default",), True))
    elif len(defaults) > 1:
        codes = ("duplicate-default",)
        out.append(Fix("Remove this duplicate default", QUICKFIX, edits.remove_default(ws, occ), codes, False))
        out.append(Fix("Keep this default", QUICKFIX, edits.keep_only(ws, occ), codes, False))
    return out


def _values_fixes(ws: Workspace, path: str, rng: Range) -> List[Fix]:
    out = []
    for problem in _problems_at(ws, path, rng):
        suggestion = problem.data.get("suggestion")
        if problem.code == "unknown-key" and suggestion:
            out.append(Fix("Did you mean `{}`?".format(suggestion), QUICKFIX,
                           edits.replace_key(ws, problem.data["name"], suggestion), ("unknown-key",), True))
    return out


def new_name_problem(ws: Workspace, key: Key, new_name: str) -> Optional[str]:
    """Why `new_name` cannot replace the name of `key` (None when it can)."""
    name = new_name.strip()
    if not name or any(c in name for c in "\n\r'\"\\") or name.startswith(".") \
            or name.endswith(".") or ".." in name:
        return "`{}` is not a valid hyperparameter name".format(new_name)
    if name != key[1] and ws.has_name((key[0], name)):
        return "`{}` already exists".format(name)
    return None


def being_typed(ws: Workspace, path: str, cursor: Optional[Cursor]) -> Set[Key]:
    """The names that exist only in the call whose name string holds `cursor` (where the
    last edit of `path` ended): `_('bat` on its way to `_('batch_size'`. Until the cursor
    leaves it, such a name is not a new hyperparameter yet (no tree row, no warning that it
    has no default). A name used anywhere else is a real one, typed or not."""
    if cursor is None:
        return set()
    facts = ws.facts_of(path)
    if facts is None:
        return set()
    line, col = cursor
    out = set()
    for occ in facts.occurrences:
        sl, sc, el, ec = occ.name_range
        if (sl, sc) <= (line, col) <= (el, ec) and not occ.has_default and ws.occurs_once(occ.key()):
            out.add(occ.key())
    return out


def visible_problems(problems: Collection[Problem], typed: Collection[Key]) -> List[Problem]:
    """The problems to show while the names in `typed` are being typed."""
    if not typed:
        return list(problems)
    return [p for p in problems
            if not (p.code == "no-default" and (p.data.get("manager"), p.data.get("name")) in typed)]
