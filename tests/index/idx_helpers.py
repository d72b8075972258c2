"""Shared helpers for the static index tests (a plain module, not conftest.py,
so that no suite imports from a `conftest` module shared by name)."""
import os
import sys
import textwrap

from hpman.index import problems as P
from hpman.index.workspace import Workspace

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "tests", "fixtures")
PY = sys.executable


def write(base, rel, text, encoding="utf-8", dedent=True):
    """Write `text` (dedented) to base/rel, creating folders; return the absolute path."""
    path = os.path.join(str(base), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(text, str):
        data = (textwrap.dedent(text) if dedent else text).encode(encoding)
    else:
        data = text
    with open(path, "wb") as f:
        f.write(data)
    return os.path.abspath(path)


def scan(root, values=None, cache_dir=None, exclude=()):
    """A scanned workspace over `root` (no persistent cache unless `cache_dir` is given)."""
    ws = Workspace([str(root)], exclude=list(exclude), cache=cache_dir is not None,
                   cache_dir=str(cache_dir) if cache_dir is not None else None)
    ws.scan()
    if values is not None:
        ws.set_values_file(str(values))
    return ws


def memory_ws(files):
    """A workspace with no roots, built from {path: text} through set_text."""
    ws = Workspace([], cache=False)
    for path, text in files.items():
        ws.set_text(path, textwrap.dedent(text))
    return ws


def problems(ws, code=None, path=None):
    """All problems (or those of one code / one file)."""
    found = P.problems_of(ws, path) if path is not None else P.all_problems(ws)
    return [p for p in found if code is None or p.code == code]


def codes(ws, path=None):
    return sorted(p.code for p in problems(ws, path=path))


def at(p):
    """(basename, 1-based line, 1-based column) of a problem."""
    return os.path.basename(p.path), p.range[0] + 1, p.range[1] + 1


def line_col(text, needle, nth=0):
    """0-based (line, character column) of the nth occurrence of `needle` in `text`."""
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(needle, pos + 1)
    line = text.count("\n", 0, pos)
    col = pos - (text.rfind("\n", 0, pos) + 1)
    return line, col


def segment(text, rng):
    """The text a (line, col, end line, end col) character range covers."""
    lines = text.split("\n")
    sl, sc, el, ec = rng
    if sl == el:
        return lines[sl][sc:ec]
    return "\n".join([lines[sl][sc:]] + lines[sl + 1:el] + [lines[el][:ec]])


def snapshot(ws):
    """Everything observable about a workspace, comparable across workspaces."""
    out = {}
    for path in ws.paths():
        facts = ws.facts_of(path)
        occs = [(o.manager, o.name, o.call, o.name_range, o.default_range, repr(o.value), o.default_text,
                 repr(o.hints)) for o in facts.occurrences]
        probs = [(p.code, p.severity, p.range, p.message,
                  sorted((r.path, r.range, r.message) for r in p.related))
                 for p in P.problems_of(ws, path)]
        out[path] = (occs, probs, sorted(facts.managers.items()))
    return out
