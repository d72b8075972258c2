"""The short texts every front end shows the same way: values, paths, name hints, trees.

`--hp-list`, `%hpman list/tree/show`, `hpman list/tree/show` and the editor
all render values through here, so a value (a tuple, NaN, a default that is not
a literal) reads the same everywhere. A default that is not a literal
(`_('date', get_date())`) shows as its source text where that is known, else
as `<not a literal>`.
"""
import difflib
import json
import math
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, TypeVar

from .literals import is_literal, kind_of, plain

NOT_LITERAL = "<not a literal>"
MAX_VALUE_CHARS = 200
T = TypeVar("T")


def _is_not_literal(value: Any) -> bool:
    from ..primitives import NotLiteralEvaluable
    return isinstance(value, NotLiteralEvaluable)


# -- values ---------------------------------------------------------------------------------
def value_text(value: Any, source: Optional[str] = None, limit: Optional[int] = None) -> str:
    """A value as Python shows it (`(3, 224)`, `nan`, `b'xy'`); a default that is not a
    literal as its source text (`source`) or `<not a literal>`; cut to `limit` characters."""
    if _is_not_literal(value):
        text = source if source else NOT_LITERAL
    else:
        text = repr(plain(value)) if is_literal(value) else repr(value)
    if limit is not None and len(text) > limit:
        text = text[:limit - 3] + "..."
    return text


def yaml_value(value: Any, source: Optional[str] = None) -> Any:
    """The value a YAML listing holds: the literal itself, else its text."""
    if is_literal(value):
        return plain(value)
    return value_text(value, source)


def json_value(value: Any, source: Optional[str] = None, _depth: int = 0) -> Any:
    """A JSON-compatible form for listing: tuples and sets as lists, dict keys as text,
    and anything JSON has no type for (complex, bytes, NaN, objects) as its Python text."""
    if _depth > 500:
        return repr(value)
    kind = kind_of(value)
    if kind in (bool, int, str) or value is None:
        return plain(value)
    if kind is float:
        return float(value) if math.isfinite(value) else repr(value)
    if kind in (list, tuple):
        return [json_value(v, None, _depth + 1) for v in value]
    if kind is set:
        items = [json_value(v, None, _depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if kind is dict:
        return {(str(k) if isinstance(k, str) else repr(k)): json_value(v, None, _depth + 1) for k, v in value.items()}
    return value_text(value, source)


def list_yaml(values: Dict[str, Any], sources: Optional[Dict[str, str]] = None) -> str:
    """`name: value` lines, names sorted, as `--hp-list yaml` prints them (`{}` when empty)."""
    sources = sources or {}
    data = {k: yaml_value(v, sources.get(k)) for k, v in sorted(values.items())}
    from .yamlfmt import yaml_text  # yaml loads only for the YAML listing
    return yaml_text(data) if data else "{}\n"


def list_json(values: Dict[str, Any], sources: Optional[Dict[str, str]] = None) -> str:
    """A JSON object of the values, names in the given (get_values()) order, as hpargparse 0.14's
    `--hp-list json` printed them; the YAML listing sorts them, as 0.14's did."""
    sources = sources or {}
    data = {k: json_value(v, sources.get(k)) for k, v in values.items()}
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def nest(flat: Dict[str, Any], sep: str = ".") -> Dict[str, Any]:
    """`{'a.b': 1}` as `{'a': {'b': 1}}` (for listings that show trees)."""
    tree: Dict[str, Any] = {}
    for name, value in flat.items():
        parts = name.split(sep)
        level = tree
        for part in parts[:-1]:
            nxt = level.get(part)
            if not isinstance(nxt, dict):
                nxt = level[part] = {}
            level = nxt
        level[parts[-1]] = value
    return tree


# -- paths ------------------------------------------------------------------------------------
def display_path(path: Optional[str], cwd: Optional[str] = None, dot: bool = False, parents: int = 0) -> str:
    """A file path as the user knows it: relative to the working directory when below it
    (`./main.py` with `dot`) or at most `parents` levels above it (`../lib/a.py`), else
    absolute; `<stdin>`-like names as they are."""
    if not path or path.startswith("<"):
        return path or "<unknown>"
    cwd = os.path.abspath(cwd or os.getcwd())
    full = os.path.abspath(path)
    too_far = (os.pardir + os.sep) * (parents + 1)
    for base, target in ((cwd, full), (os.path.realpath(cwd), os.path.realpath(full))):
        try:
            rel = os.path.relpath(target, base)
        except ValueError:  # another drive on Windows
            continue
        if rel == os.curdir or rel == os.pardir or rel.startswith(too_far):
            continue
        if rel.startswith(os.pardir + os.sep):
            return rel
        return os.curdir + os.sep + rel if dot else rel
    return full


# -- names ------------------------------------------------------------------------------------
def closest(name: str, candidates: Iterable[str]) -> Optional[str]:
    """The candidate most like `name`, if any is close enough to be a likely typo.

    Siblings (same dotted parent) are tried first: a typo is most often in the
    last part, and comparing against thousands of names costs milliseconds per
    keystroke in the editor.
    """
    parent = name.rpartition(".")[0]
    if parent:
        start = parent + "."
        siblings = sorted(c for c in candidates if c.startswith(start))
        match = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
        if match:
            return match[0]
    match = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(name: str, candidates: Iterable[str], fallback: bool = False) -> str:
    """`; did you mean `x`?` for a likely typo, else "" (with `fallback`: the closest
    name anyway, or that there are none)."""
    candidates = sorted(set(candidates))
    hint = closest(name, candidates)
    if hint is not None:
        return "; did you mean `{}`?".format(hint)
    if not fallback:
        return ""
    if not candidates:
        return " (no hyperparameters are defined)"
    best = difflib.get_close_matches(name, candidates, n=1, cutoff=0.0)
    return " (the closest known name is `{}`)".format(best[0] if best else candidates[0])


# -- trees ------------------------------------------------------------------------------------
def tree_lines(roots: Sequence[T], text: Callable[[T], str], children: Callable[[T], Sequence[T]],
               indent: str = "") -> List[str]:
    """Lines drawing a tree with `├── ` / `└── ` branches, as `hpman tree` and `%hpman tree` print it."""
    lines: List[str] = []
    stack = [(list(roots), 0, indent)]
    while stack:
        nodes, i, prefix = stack.pop()
        if i >= len(nodes):
            continue
        last = i == len(nodes) - 1
        lines.append(prefix + ("└── " if last else "├── ") + text(nodes[i]))
        stack.append((nodes, i + 1, prefix))
        kids = list(children(nodes[i]))
        if kids:
            stack.append((kids, 0, prefix + ("    " if last else "│   ")))
    return lines
