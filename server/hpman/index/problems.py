"""Facts → problems. Stable codes shared by `hpman check` and the language server.

Problems of a file are computed on demand from the index's read methods and cached
here until the index says a change may affect that file (see Workspace.derived).
"""
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from ..primitives import EmptyValue, NotLiteralEvaluable
from ..values.texts import closest as _closest
from .ipynb import is_notebook
from .ipynb import where as notebook_where
from .model import ERROR, INFO, WARNING, Occurrence
from .positions import Range
from .space import hint_problems
from .workspace import Key, Workspace

MAX_RELATED = 5

SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


class Related:
    __slots__ = ("path", "range", "message")

    def __init__(self, path: str, rng: Range, message: str) -> None:
        self.path, self.range, self.message = path, rng, message


class Problem:
    """One problem at one place; `data` carries what a quick fix needs."""

    __slots__ = ("path", "range", "severity", "code", "message", "related", "data")

    def __init__(self, path: str, rng: Range, severity: str, code: str, message: str,
                 related: Optional[List[Related]] = None, data: Optional[Dict[str, Any]] = None) -> None:
        self.path = path
        self.range = rng
        self.severity = severity
        self.code = code
        self.message = message
        self.related = related or []
        self.data = data or {}

    def sort_key(self) -> Tuple[str, Range, int, str]:
        return (self.path, self.range, SEVERITY_ORDER.get(self.severity, 3), self.code)

    def __repr__(self) -> str:
        return "Problem({} {}:{}:{} {!r})".format(self.code, self.path, self.range[0] + 1, self.range[1] + 1,
                                                  self.message)


def _where(occ: Occurrence, ws: Optional[Workspace] = None) -> str:
    """`path:line` of an occurrence, the path in the workspace's form for messages."""
    name = ws.path_for_messages(occ.path) if ws is not None else occ.path
    if ws is not None and is_notebook(occ.path):   # `exp.ipynb:cell 3:2`
        return notebook_where(name, ws.text_of(occ.path), occ.line + 1)
    return "{}:{}".format(name, occ.line + 1)


def _default_range(occ: Occurrence) -> Range:
    """Where an occurrence's default is (asked only of occurrences that have one)."""
    rng = occ.default_range
    return rng if rng is not None else occ.call


def _others(occs: List[Occurrence], exclude: Occurrence, limit: int = MAX_RELATED) -> List[Occurrence]:
    """Up to `limit` occurrences other than `exclude` (bounded, so that 20,000 uses stay linear)."""
    out = []
    for other in occs:
        if other is not exclude:
            out.append(other)
            if len(out) >= limit:
                break
    return out


class _Cache:
    """What this module keeps of an index (a Derived, see Workspace.derived): each file's
    problems until the index says the file may have changed, and the closest names for "did you
    mean" until the names change."""

    def __init__(self) -> None:
        self.by_path: Dict[str, List[Problem]] = {}
        self.closest: Dict[Key, Optional[str]] = {}   # (manager, name without a default) -> hint
        self.defined: Dict[str, List[str]] = {}       # manager -> its names with a default

    def forget(self, paths: Optional[Set[str]], names_changed: bool) -> None:
        if paths is None:
            self.by_path.clear()
        else:
            for p in paths:
                self.by_path.pop(p, None)
        if names_changed:
            self.closest.clear()
            self.defined.clear()


def _cache(ws: Workspace) -> _Cache:
    cache: _Cache = ws.derived(__name__, _Cache)
    return cache


def problems_of(ws: Workspace, path: str) -> List[Problem]:
    """Every problem reported in `path` (a module or the values file), sorted by position."""
    path = os.path.abspath(path)
    cached = _cache(ws).by_path.get(path)
    if cached is not None:
        return cached
    out: List[Problem] = []
    facts = ws.facts_of(path)
    if facts is not None:
        out.extend(Problem(path, i.range, i.severity, i.code, i.message, data={"detail": i.data})
                   for i in facts.issues)
        suggestions = _Suggestions(ws)
        defaults: Dict[Key, _DefaultsInfo] = {}
        for occ in facts.occurrences:
            out.extend(_occurrence_problems(ws, occ, suggestions, defaults))
    if ws.values_file is not None and ws.values_file.path == path:
        out.extend(values_file_problems(ws))
    out.sort(key=Problem.sort_key)
    _cache(ws).by_path[path] = out
    return out


def all_problems(ws: Workspace) -> List[Problem]:
    paths = sorted(set(ws.paths()) | ({ws.values_file.path} if ws.values_file is not None else set()))
    return [p for path in paths for p in problems_of(ws, path)]


def _occurrence_problems(ws: Workspace, occ: Occurrence, suggestions: "_Suggestions",
                         memo: Dict[Key, "_DefaultsInfo"]) -> List[Problem]:
    out = []
    key = occ.key()
    name = occ.name
    data = {"manager": occ.manager, "name": name}
    if "range" in occ.hints:
        out.extend(_sweep_hint_problems(ws, occ, data))
    if occ.has_default:
        if isinstance(occ.value, NotLiteralEvaluable):
            out.append(Problem(occ.path, _default_range(occ), INFO, "non-literal-default",
                               "the default of `{}` is not a literal: it cannot be saved or set from the command line"
                               .format(name), data=data))
        else:
            out.extend(_choices_problem(occ, data))
        info = memo.get(key)
        if info is None:
            info = memo[key] = _DefaultsInfo(ws.defaults_of(key))
        if len(info.defaults) > 1:
            out.append(_duplicate_problem(occ, info, data, ws))
        out.extend(_tree_problems(ws, occ, data))
    elif not ws.has_default(key) and not ws.is_prefix(key):
        hint = suggestions.closest(occ.manager, name)
        message = "`{}` has no default value anywhere".format(name)
        if hint:
            message += "; did you mean `{}`?".format(hint)
        out.append(Problem(occ.path, occ.name_range, WARNING, "no-default", message,
                           data=dict(data, suggestion=hint)))
    return out


def _choices_problem(occ: Occurrence, data: Dict[str, Any]) -> List[Problem]:
    choices = occ.hints.get("choices")
    if choices is None:
        return []
    try:
        ok = occ.value in choices
    except TypeError:
        ok = False
    if ok:
        return []
    # a warning: the program runs with it (parse_file accepts it, as hpman 0.13 did), and an
    # error in `check` is exactly what makes parse_file raise
    return [Problem(occ.path, _default_range(occ), WARNING, "not-in-choices",
                    "the default {} of `{}` is not one of its choices {!r}".format(occ.default_text, occ.name, choices),
                    data=data)]


def _sweep_hint_problems(ws: Workspace, occ: Occurrence, data: Dict[str, Any]) -> List[Problem]:
    """`range=`, `log=`, `step=` hints that do not describe a search space (see index/space.py)."""
    out = []
    default = occ.value if occ.has_default else EmptyValue()
    for code, hint, message in hint_problems(occ.hints, default):
        rng = _default_range(occ) if code == "out-of-range" else _hint_range(ws, occ, hint)
        out.append(Problem(occ.path, rng, WARNING if code == "out-of-range" else ERROR, code,
                           "`{}`: {}".format(occ.name, message), data=dict(data, hint=hint)))
    return out


def _hint_range(ws: Workspace, occ: Occurrence, hint: str) -> Range:
    """The range of `hint=` inside the call (the whole call if it cannot be found)."""
    text = ws.text_of(occ.path)
    sl, sc, el, ec = occ.call
    if text is None:
        return occ.call
    lines = text.split("\n")[sl:el + 1]
    pattern = re.compile(r"(?<![\w.]){}\s*=(?!=)".format(re.escape(hint)))
    for i, line in enumerate(lines):
        begin = sc if i == 0 else 0
        end = ec if i == len(lines) - 1 else len(line)
        m = pattern.search(line, begin, end)
        if m is not None:
            return (sl + i, m.start(), sl + i, m.start() + len(hint))
    return occ.call


class _DefaultsInfo:
    """The defaults of one name, summarised once per problems_of call."""

    def __init__(self, defaults: List[Occurrence]) -> None:
        self.defaults = defaults
        values = {repr(d.value) if d.literal else "<{}>".format(d.default_text) for d in defaults}
        self.all_equal = len(values) == 1 and all(d.literal for d in defaults)


def _duplicate_problem(occ: Occurrence, info: _DefaultsInfo, data: Dict[str, Any],
                       ws: Optional[Workspace] = None) -> Problem:
    defaults = info.defaults
    others = _others(defaults, occ)
    where = ", ".join(_where(d, ws) for d in others[:3]) + (", …" if len(defaults) > 4 else "")
    message = "`{}` has a default in {} places (also at {})".format(occ.name, len(defaults), where)
    if info.all_equal:
        message += "; all equal"   # still an error: parse_file raises DoubleAssignmentException
    related = [Related(d.path, _default_range(d), "another default of `{}`".format(occ.name)) for d in others]
    return Problem(occ.path, _default_range(occ), ERROR, "duplicate-default", message,
                   related, dict(data, count=len(defaults)))


def _tree_problems(ws: Workspace, occ: Occurrence, data: Dict[str, Any]) -> List[Problem]:
    """A name with a default that is also a prefix of another name, seen from either side."""
    out = []
    mgr, name = occ.key()
    if ws.is_prefix((mgr, name)):
        below = ws.names_below(mgr, name)
        related = [Related(o.path, o.name_range, "`{}` makes `{}` a tree".format(o.name, name))
                   for n in below[:MAX_RELATED] for o in ws.occurrences_of((mgr, n))[:1]]
        out.append(Problem(occ.path, _default_range(occ), ERROR, "tree-conflict",
                           "`{}` has a value but is also a tree: `{}` is under it".format(name, below[0]),
                           related, data))
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:i])
        above = ws.defaults_of((mgr, prefix))
        if above:
            related = [Related(o.path, _default_range(o), "`{}` has a value here".format(prefix)) for o in above]
            out.append(Problem(occ.path, occ.name_range, ERROR, "tree-conflict",
                               "`{}` is under `{}`, which has a value".format(name, prefix), related,
                               dict(data, conflict=prefix)))
    return out


class _Suggestions:
    """Closest defined name per manager, for "did you mean" (cached until the set of names changes)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def closest(self, manager: str, name: str) -> Optional[str]:
        cache = _cache(self.ws)
        key = (manager, name)
        if key not in cache.closest:
            defined = cache.defined.get(manager)
            if defined is None:
                defined = cache.defined[manager] = self.ws.names_with_defaults(manager)
            cache.closest[key] = closest(name, defined)
        return cache.closest[key]


def values_file_problems(ws: Workspace) -> List[Problem]:
    vf = ws.values_file
    if vf is None:
        return []
    out = [Problem(vf.path, rng, ERROR, "syntax-error", message) for message, rng in vf.errors]
    manager = ws.default_manager()
    known = set(ws.names(manager))
    for entry in vf.entries:
        if entry.name in known or _inside_known_tree(entry.name, vf.trees, known):
            continue
        hint = closest(entry.name, known)
        message = "`{}` is not a hyperparameter of this workspace".format(entry.name)
        if hint:
            message += "; did you mean `{}`?".format(hint)
        out.append(Problem(vf.path, entry.key_range, WARNING, "unknown-key", message,
                           data={"manager": manager, "name": entry.name, "suggestion": hint}))
    return out


def _inside_known_tree(name: str, trees: Dict[str, Any], known: Set[str]) -> bool:
    """`opt.beta` under `opt:` when `opt` is a hyperparameter: part of opt's dict value."""
    parts = name.split(".")
    return any(".".join(parts[:i]) in known and ".".join(parts[:i]) in trees for i in range(1, len(parts)))


def closest(name: str, candidates: Iterable[str]) -> Optional[str]:
    """The candidate most like `name`, if any is close enough to be a likely typo (one rule
    for the CLI, the editor, the magics and hpargparse: `hpman.values.texts.closest`)."""
    return _closest(name, candidates)
