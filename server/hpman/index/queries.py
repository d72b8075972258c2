"""Queries over the workspace index, as the CLI and the language server need them."""
import bisect
import os
from typing import Any, Collection, Dict, List, Optional, Tuple

from ..primitives import EmptyValue, NotLiteralEvaluable
from .model import Occurrence, in_tree_order
from .overlay import ValueEntry
from .positions import Range, contains
from .problems import SEVERITY_ORDER, Problem, problems_of
from .space import Dimension, describe, dimension_of
from .workspace import Key, Workspace

NO_VALUE = EmptyValue()


def occurrence_at(ws: Workspace, path: str, line: int, col: int) -> Optional[Occurrence]:
    """The innermost call whose callee or arguments contain (line, character column)."""
    facts = ws.facts_of(path)
    if facts is None:
        return None
    occs = facts.occurrences
    starts, far = facts.reach()
    best = None
    i = bisect.bisect_right(starts, line) - 1
    while i >= 0 and far[i] >= line:   # no call before i reaches this line once far[i] < line
        occ = occs[i]
        if contains(occ.call, line, col):
            if best is None or _span(occ.call) < _span(best.call):
                best = occ
        i -= 1
    return best


def _span(rng: Range) -> Tuple[int, int]:
    return (rng[2] - rng[0], rng[3] - rng[1])


def runtime_order(ws: Workspace, manager: str) -> List[str]:
    """The manager's names in the order `parse_file` of the same paths lists them (hpman 0.13's):
    files in its parse order, each file's occurrences as FileFacts.in_order gives them (ast.walk
    order), first use first, then grouped as a tree (see model.in_tree_order)."""
    seen: Dict[str, None] = {}
    for path in ws.paths_in_order():
        facts = ws.facts_of(path)
        for occ in facts.in_order() if facts is not None else ():
            if occ.manager == manager and occ.name not in seen:
                seen[occ.name] = None
    return in_tree_order(seen)


def default_of(ws: Workspace, key: Key) -> Optional[Occurrence]:
    defaults = ws.defaults_of(key)
    return defaults[0] if defaults else None


def effective_value(ws: Workspace, key: Key) -> Tuple[Any, str]:
    """(value, where it comes from): the values file, the default, or nothing."""
    vf = ws.values_file
    if vf is not None and key[0] == ws.default_manager():
        entry = vf.by_name.get(key[1]) or vf.trees.get(key[1])
        if entry is not None:
            return entry.value, "values file"
    default = default_of(ws, key)
    if default is not None:
        return default.value, "default"
    return NO_VALUE, "none"


def value_origin(ws: Workspace, key: Key) -> Optional[str]:
    """Where a run record's value came from in that run (`command line --lr`), when the
    overlay is a run record that gives `key` its value; else None."""
    vf = ws.values_file
    if vf is None or vf.record is None or effective_value(ws, key)[1] != "values file":
        return None
    from ..records import describe
    origin = vf.record.get("origins", {}).get(key[1])
    return describe(origin) if isinstance(origin, dict) else None


def type_name(value: Any) -> str:
    if isinstance(value, EmptyValue):
        return "unknown"
    if isinstance(value, NotLiteralEvaluable):
        return "expression"
    return type(value).__name__


def value_text(ws: Workspace, key: Key) -> Optional[str]:
    """The value as Python would show it (the default's source text when it is not a literal)."""
    from ..values.texts import value_text as shown
    value, _source = effective_value(ws, key)
    if isinstance(value, EmptyValue):
        return None
    default = default_of(ws, key) if isinstance(value, NotLiteralEvaluable) else None
    return shown(value, default.default_text if default is not None else None)


class TreeNode:
    """One level of the dotted-name tree of a manager."""

    __slots__ = ("name", "label", "children", "value", "type", "default", "occurrences", "problems", "has_value",
                 "severity", "messages")

    def __init__(self, name: str, label: str) -> None:
        self.name = name
        self.label = label
        self.children: Dict[str, "TreeNode"] = {}
        self.value: Optional[str] = None
        self.type: Optional[str] = None
        self.default: Optional[Occurrence] = None
        self.occurrences: List[Occurrence] = []
        self.problems = 0
        self.has_value = False
        self.severity: Optional[str] = None   # the worst severity of its problems
        self.messages: List[Problem] = []     # its problems, worst first

    @property
    def kind(self) -> str:
        return "branch" if self.children else "leaf"


def name_tree(ws: Workspace, manager: str, hidden: Collection[Key] = ()) -> List[TreeNode]:
    """The names of a manager as a tree (a name that is a value and a prefix is a branch with
    a value); names in `hidden` (still being typed) are left out."""
    root = TreeNode("", "")
    found = _problems_by_name(ws, manager)
    for name in ws.names(manager):
        key = (manager, name)
        if key in hidden:
            continue
        level = root
        parts = name.split(".")
        for i, part in enumerate(parts):
            child = level.children.get(part)
            if child is None:
                child = level.children[part] = TreeNode(".".join(parts[:i + 1]), part)
            level = child
        level.occurrences = ws.occurrences_of(key)
        level.default = default_of(ws, key)
        value, _src = effective_value(ws, key)
        level.has_value = not isinstance(value, EmptyValue)
        level.value = value_text(ws, key)
        level.type = type_name(value)
        problems = found.get(name, [])
        level.problems = len(problems)
        level.messages = sorted(problems, key=lambda p: SEVERITY_ORDER.get(p.severity, 3))
        if problems:
            level.severity = level.messages[0].severity
    return _sorted_children(root)


def _sorted_children(node: TreeNode) -> List[TreeNode]:
    return [node.children[k] for k in sorted(node.children)]


def children_of(node: TreeNode) -> List[TreeNode]:
    return _sorted_children(node)


def _problems_by_name(ws: Workspace, manager: str) -> Dict[str, List[Problem]]:
    """Problems per name of one manager, over the files that hold the manager's names."""
    found: Dict[str, List[Problem]] = {}
    for path in ws.paths_using(manager):
        for problem in problems_of(ws, path):
            if problem.data.get("manager") == manager and problem.data.get("name"):
                found.setdefault(problem.data["name"], []).append(problem)
    return found


def completions(ws: Workspace, manager: str, prefix: str = "") -> List[Tuple[str, Optional[str], str]]:
    """(name, value text, type) of the names of a manager that start with `prefix`."""
    out = []
    for name in ws.names(manager):
        if name.startswith(prefix):
            key = (manager, name)
            value, _src = effective_value(ws, key)
            out.append((name, value_text(ws, key), type_name(value)))
    return out


def symbols(ws: Workspace, query: str = "") -> List[Occurrence]:
    """The defaults (else first occurrences) of the names matching `query` (case-insensitive substring)."""
    q = query.lower()
    out = []
    for key in ws.keys():
        if q and q not in key[1].lower():
            continue
        target = default_of(ws, key) or ws.occurrences_of(key)[0]
        out.append(target)
    return out


# -- for the language server ------------------------------------------------------------

def values_entry_at(ws: Workspace, path: str, line: int, col: int) -> Optional[ValueEntry]:
    """The values-file entry whose key contains (line, character column), if `path` is the values file."""
    vf = ws.values_file
    if vf is None or vf.path != os.path.abspath(path):
        return None
    for entry in vf.entries:
        if contains(entry.key_range, line, col):
            return entry
    return None


def key_at(ws: Workspace, path: str, line: int, col: int) -> Optional[Key]:
    """The (manager, name) at a position: a call in a module or a key in the values file."""
    occ = occurrence_at(ws, path, line, col)
    if occ is not None:
        return occ.key()
    entry = values_entry_at(ws, path, line, col)
    if entry is not None:
        return ws.default_manager(), entry.name
    return None


def occurrences_in_file(ws: Workspace, key: Key, path: str) -> List[Occurrence]:
    return ws.occurrences_of(key, path)


import re as _re  # noqa: E402  (kept with the one query that needs it)

_OPEN_NAME = _re.compile(r"(?:^|[^\w.])([^\W\d]\w*)\s*\(\s*[rRuU]?(['\"])([^'\"\\]*)$")


def completion_context(ws: Workspace, path: str, line_before: str) -> Optional[Tuple[str, str]]:
    """(manager, typed prefix) when `line_before` (a line up to the cursor) ends inside the
    name string of a call of one of the module's managers: `_('mod` → ('_', 'mod')."""
    facts = ws.facts_of(path)
    if facts is None or not facts.managers:
        return None
    match = _OPEN_NAME.search(line_before)
    if match is None:
        return None
    manager = facts.managers.get(match.group(1))
    if manager is None:
        return None
    return manager, match.group(3)


# -- sweeps ---------------------------------------------------------------------------

def hints_of(ws: Workspace, key: Key) -> Dict[str, Any]:
    """The hints of a name: those of its default, then those of its other occurrences."""
    default = default_of(ws, key)
    hints = dict(default.hints) if default is not None else {}
    for occ in ws.occurrences_of(key):
        for k, v in occ.hints.items():
            hints.setdefault(k, v)
    return hints


def dimension(ws: Workspace, key: Key) -> Optional[Dimension]:
    """The sweep dimension of a name, from its hints and default (None when it is not swept)."""
    default = default_of(ws, key)
    return dimension_of(key[1], hints_of(ws, key), default.value if default is not None else NO_VALUE)


def search_space(ws: Workspace, manager: str) -> List[Dimension]:
    """Every name of `manager` whose hints describe a dimension, in name order."""
    out = []
    for name in ws.names(manager):
        dim = dimension(ws, (manager, name))
        if dim is not None:
            out.append(dim)
    return out


def space_text(ws: Workspace, key: Key) -> Optional[str]:
    """"Sweep: float in [1e-05, 0.1], log scale" for the hover of a swept name, else None."""
    dim = dimension(ws, key)
    return None if dim is None else "Sweep: " + describe(dim)
