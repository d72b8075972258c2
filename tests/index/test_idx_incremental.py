"""Property: after any sequence of edits, the incremental index equals a fresh one built from the same texts."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from idx_helpers import snapshot

from hpman.index import problems as P
from hpman.index.workspace import Workspace

NAMES = ["a", "a.b", "a.b.c", "b", "lr", "lrr", "model.depth", "model"]
VALUES = ["1", "2", "1.0", "'x'", "[1, 2]", "f()", "None"]
PATHS = ["/w/p{}.py".format(i) for i in range(4)]
HEADERS = ["from hpman.m import _\n", "from hpman.m import _, cfg\n", "from hpman.m import cfg as _\n",
           "import os\n"]


def line_strategy():
    name = st.sampled_from(NAMES)
    value = st.sampled_from(VALUES)
    return st.one_of(
        st.builds("_('{}', {})".format, name, value),
        st.builds("_('{}')".format, name),
        st.builds("cfg('{}', {})".format, name, value),
        st.builds("_('{}', {}, choices=[1, 2])".format, name, value),
        st.builds("def f(_):\n    return _('{}', 1)".format, name),
        st.builds("x = [\n    _('{}', {}),\n]".format, name, value),
        st.builds("def g():\n    from hpman.m import cfg as _\n    return _('{}', {})".format, name, value),
        st.sampled_from(["_(v)", "_('a', 1, 2)", "_('h', 1, help=g())", "import gettext\n_ = gettext.gettext",
                         "def broken(:\n    _('a')", "y = 1", "# _('commented', 1)"]),
    )


def module_strategy():
    return st.builds(lambda header, lines: header + "".join(line + "\n" for line in lines),
                     st.sampled_from(HEADERS), st.lists(line_strategy(), max_size=6))


def values_strategy():
    key = st.sampled_from(NAMES + ["zz", "model.width", "lr.x"])
    return st.lists(st.tuples(key, st.integers(0, 3)), max_size=4).map(
        lambda items: "".join("{}: {}\n".format(k, v) for k, v in dict(items).items()))


@st.composite
def edit_strategy(draw, texts):
    """One edit: (kind, path, payload)."""
    kind = draw(st.sampled_from(["replace", "replace", "line", "line", "remove", "values"]))
    path = draw(st.sampled_from(PATHS))
    if kind == "replace":
        return kind, path, draw(module_strategy())
    if kind == "line":
        text = texts.get(path, "from hpman.m import _\n")
        lines = text.split("\n")
        pos = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(st.sampled_from(["insert", "delete", "change"]))
        if op == "insert":
            lines.insert(pos, draw(line_strategy()))
        elif op == "delete" and lines:
            del lines[pos]
        else:
            lines[pos] = draw(line_strategy())
        return kind, path, "\n".join(lines)
    if kind == "values":
        return kind, "/w/values.yaml", draw(st.one_of(st.none(), values_strategy()))
    return kind, path, None


def fresh(texts, values):
    ws = Workspace([], cache=False)
    for path in sorted(texts):
        ws.set_text(path, texts[path])
    if values is not None:
        ws.set_values_file("/w/values.yaml", values)
    return ws


def full_snapshot(ws):
    snap = snapshot(ws)
    vf = ws.values_file
    values = None
    if vf is not None:
        values = [(p.code, p.range, p.message) for p in P.problems_of(ws, vf.path)]
    # white-box: the index's own tables, which its read methods answer from
    keys = sorted((k, sorted(files)) for k, files in ws._by_key.items())
    defaults = sorted((k, sorted(files)) for k, files in ws._defaults.items())
    prefixes = {m: dict(c) for m, c in ws._prefixes.items() if c}
    return snap, values, keys, defaults, prefixes


@settings(max_examples=120, deadline=None, stateful_step_count=30,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.dictionaries(st.sampled_from(PATHS), module_strategy(), min_size=1), st.data())
def test_incremental_updates_equal_a_full_reindex(initial, data):
    texts = dict(initial)
    values = None
    ws = fresh(texts, values)
    # look at the problems first, so that stale cached problems would show
    P.all_problems(ws)
    for _step in range(data.draw(st.integers(1, 12))):
        kind, path, payload = data.draw(edit_strategy(texts))
        before = {p: list(P.problems_of(ws, p)) for p in ws.paths()}
        if kind == "remove":
            affected = ws.remove(path)
            texts.pop(path, None)
        elif kind == "values":
            values = payload
            affected = ws.set_values_file(path if payload is not None else None, payload)
        else:
            texts[path] = payload
            affected = ws.set_text(path, payload)
        expected = fresh(texts, values)
        got = full_snapshot(ws)
        assert got == full_snapshot(expected)
        # files outside the reported set kept exactly the problems they had
        for p, old in before.items():
            if p not in affected and ws.is_indexed(p):
                assert [(q.code, q.range, q.message) for q in P.problems_of(ws, p)] == \
                    [(q.code, q.range, q.message) for q in old]
