"""Reliability properties of the static index under random modules and random edits.

Hypothesis generates modules with random hyperparameter calls in awkward shapes
(multi-line calls, comments and CJK text, defaults and hints containing commas,
brackets and quotes, calls inside functions, classes and other calls, two
managers), then applies random edits one at a time. After every edit:

- the index never raises (set_text, problems, queries);
- the incremental state equals a full re-index of the same texts;
- a random quick fix (keep_only, move_default_here, remove_default) or a rename,
  applied with `edits.apply`, leaves files that `ast.parse`, with exactly one
  default for the fixed name, the same hints and other names, and no change
  outside the edited calls (for rename: outside the name literals).
"""
import ast

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from idx_helpers import snapshot as facts_snapshot

from hpman.index import edits as E
from hpman.index import problems as P
from hpman.index import queries as Q
from hpman.index.workspace import Workspace

PATHS = ["/hprop/a.py", "/hprop/b.py", "/hprop/pkg/c.py"]
NAMES = ["lr", "a", "a.b", "model.depth", "学习率", "it's", "x.y.z"]
NEW_NAMES = ["lr", "renamed", "a.c", "名字.新", "q'uote", 'd"q', "back\\slash", "", "trail."]
DEFAULTS = ["1", "0.1", "-3", "'s, (t)'", "\"d'q\"", "[1, (2, 3)]", "{'k': (1,)}", "None", "True",
            "f(x, y)", "lambda a, b: a", "[\n    1,\n    2,\n]", "(1 +\n 2)", "'中文'", "b'\\x00'", "1e-3",
            "(  # note\n 5)"]
HINTS = ["", ", help='h, (x)'", ", choices=[1, 2]", ", help='''a\nb'''", ", required=True"]
SEPS = [", ", ",", " ,  ", ",\n        ", ",  # c, d\n    "]


@st.composite
def call(draw, manager=None):
    mgr = manager or draw(st.sampled_from(["_", "_", "_", "hp"]))
    name = repr(draw(st.sampled_from(NAMES)))
    text = mgr + draw(st.sampled_from(["(", "  (", "(\n    "])) + name
    if draw(st.booleans()):
        text += draw(st.sampled_from(SEPS)) + draw(st.sampled_from(DEFAULTS))
    text += draw(st.sampled_from(HINTS))
    if draw(st.booleans()):
        text += ","
    return text + ")"


@st.composite
def statement(draw, i):
    c = draw(call())
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return "def f{}(x):\n    return {}\n".format(i, c.replace("\n", "\n    "))
    if kind == 1:
        return "class C{}:\n    attr = {}\n".format(i, c.replace("\n", "\n    "))
    if kind == 2:
        return "y{} = foo({}, {})\n".format(i, c, draw(call()))
    if kind == 3:
        return "s{} = \"_('fake', 1)\"  # 注释 _('c', 2)\n".format(i)
    if kind == 4:
        return "# 学习率 comment {}\nv{} = {}\n".format(i, i, c)
    if kind == 5:
        return "def g{}(_):\n    return _('shadowed', 1)\n".format(i)
    return "v{} = {}\n".format(i, c)


@st.composite
def module(draw):
    header = draw(st.sampled_from(["from hpman.m import _, hp\n", "from hpman.m import hp, _\nimport os\n",
                                   "# -*- coding: utf-8 -*-\nfrom hpman.m import _, hp\n"]))
    n = draw(st.integers(0, 6))
    return header + "".join(draw(statement(i)) for i in range(n))


@st.composite
def edit(draw):
    """A function text -> text."""
    kind = draw(st.sampled_from(["insert", "delete", "junk", "replace", "toggle"]))
    if kind == "insert":
        stmt = draw(statement(draw(st.integers(50, 99))))
        pos = draw(st.floats(0, 1))

        def apply(text):
            lines = text.split("\n")
            at = int(pos * len(lines))
            return "\n".join(lines[:at] + stmt.rstrip("\n").split("\n") + lines[at:])
        return kind, apply
    if kind == "delete":
        pos = draw(st.floats(0, 1))

        def apply(text):
            lines = text.split("\n")
            del lines[min(int(pos * len(lines)), len(lines) - 1)]
            return "\n".join(lines)
        return kind, apply
    if kind == "junk":
        pos, length = draw(st.floats(0, 1)), draw(st.integers(0, 6))
        junk = draw(st.text(alphabet="_('a, 1)\n #\"\\中", max_size=6))

        def apply(text):
            at = int(pos * len(text))
            return text[:at] + junk + text[at + length:]
        return kind, apply
    if kind == "replace":
        new = draw(module())
        return kind, lambda text: new
    # toggle: add or drop the default of the first call of a name
    name = repr(draw(st.sampled_from(NAMES)))
    value = draw(st.sampled_from(DEFAULTS))

    def apply(text):
        at = text.find(name)
        if at < 0:
            return text
        end = at + len(name)
        if text[end:end + 1] == ")":
            return text[:end] + ", " + value + text[end:]
        return text[:end] + text[end:].replace(", ", ",", 1)
    return kind, apply


def snapshot(ws):
    """The index helpers' snapshot (facts, problems, which include every issue, with their
    related locations, managers), and each manager's tree."""
    trees = {m: [(n.name, n.value, n.problems) for n in Q.name_tree(ws, m)] for m in ws.managers()}
    return facts_snapshot(ws), trees


def fresh(texts):
    ws = Workspace([], cache=False)
    for path, text in texts.items():
        ws.set_text(path, text)
    return ws


def parses(text):
    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def offsets(text, rng):
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    return starts[rng[0]] + rng[1], starts[rng[2]] + rng[3]


def masked(text, spans):
    """The text with each span replaced by one NUL: what must stay the same."""
    out, last = [], 0
    for a, b in sorted(spans):
        assert a >= last, "overlapping spans"
        out.append(text[last:a])
        out.append("\0")
        last = b
    out.append(text[last:])
    return "".join(out)


def others(ws, key):
    """The occurrences of every other name, as a multiset of what they say."""
    return sorted((o.manager, o.name, repr(o.default_text), repr(o.hints))
                  for path in ws.paths() for o in ws.facts_of(path).occurrences if o.key() != key)


def apply_edits(ws, texts, edits):
    new_texts = dict(texts)
    for path, items in E.group_by_path(edits).items():
        new_texts[path] = E.apply(texts[path], items)
    return new_texts


def check_fix(ws, texts, data):
    """Apply one random quick fix or rename; check the promises; return the new texts."""
    keys = sorted({o.key() for path in ws.paths() for o in ws.facts_of(path).occurrences})
    if not keys:
        return texts
    key = data.draw(st.sampled_from(keys), label="key")
    occs = ws.occurrences_of(key)
    defaults = ws.defaults_of(key)
    uses = [o for o in occs if not o.has_default]
    involved = {o.path for o in occs}
    if not all(parses(texts[p]) for p in involved):
        return texts
    kinds = ["rename"] + (["keep", "remove"] if defaults else []) + (["move"] if defaults and uses else [])
    kind = data.draw(st.sampled_from(kinds), label="fix")
    event("fix: " + kind)
    hints_before = sorted(repr(o.hints) for o in occs)
    other_before = others(ws, key)
    if kind == "rename":
        new_name = data.draw(st.sampled_from(NEW_NAMES), label="new name")
        edits = E.rename(ws, key, new_name)
        assert len(edits) == len(occs)
        new_texts = apply_edits(ws, texts, edits)
        for path in involved:
            assert parses(new_texts[path]), (path, new_texts[path])
            old_spans = [offsets(texts[path], o.name_range) for o in occs if o.path == path]
            assert masked(texts[path], old_spans) == masked(
                new_texts[path], [offsets(new_texts[path], r) for p, r, _ in
                                  _shifted(texts[path], edits, path)]), "rename changed text outside the names"
        after = fresh(new_texts)
        renamed = after.occurrences_of((key[0], new_name))
        assert len(renamed) >= len(occs)
        if new_name != key[1]:
            assert not after.occurrences_of(key)
        return new_texts
    if kind == "keep":
        keep = data.draw(st.sampled_from(defaults), label="keep")
        expected = keep.default_text
        edits = E.keep_only(ws, keep)
    elif kind == "remove":
        victim = data.draw(st.sampled_from(defaults), label="remove")
        expected = None
        edits = E.remove_default(ws, victim)
    else:
        target = data.draw(st.sampled_from(uses), label="target")
        source = data.draw(st.sampled_from(defaults), label="source")
        expected = source.default_text
        edits = E.move_default_here(ws, target, source)
    new_texts = apply_edits(ws, texts, edits)
    after = fresh(new_texts)
    for path in involved:
        assert parses(new_texts[path]), (kind, path, new_texts[path])
    # nothing outside the calls of this name changed
    for path in involved:
        old_calls = [offsets(texts[path], o.call) for o in occs if o.path == path]
        new_calls = [offsets(new_texts[path], o.call) for o in after.occurrences_of(key) if o.path == path]
        assert masked(texts[path], old_calls) == masked(new_texts[path], new_calls), (kind, path)
    after_occs = after.occurrences_of(key)
    assert len(after_occs) == len(occs)
    assert sorted(repr(o.hints) for o in after_occs) == hints_before
    assert others(after, key) == other_before
    after_defaults = after.defaults_of(key)
    if kind == "remove":
        assert len(after_defaults) == len(defaults) - 1
    else:
        assert [d.default_text for d in after_defaults] == [expected]
        assert not [p for p in P.all_problems(after) if p.code == "duplicate-default" and
                    key[1] in p.message and p.path in involved and
                    any(o.key() == key for o in after.facts_of(p.path).occurrences
                        if o.name_range[:2] <= p.range[:2] <= o.call[2:])]
    return new_texts


def _shifted(text, edits, path):
    """Where each rename edit's new text lands in the edited file (ranges in the new text)."""
    mine = sorted((rng, new) for p, rng, new in edits if p == path)
    out = []
    delta_line, delta_col, last_line = 0, 0, -1
    for (sl, sc, el, ec), new in mine:
        assert sl == el, "a name literal on one line"
        if sl != last_line:
            delta_col = 0
            last_line = sl
        start = sc + delta_col
        out.append((path, (sl + delta_line, start, sl + delta_line, start + len(new)), new))
        delta_col += len(new) - (ec - sc)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(module(), min_size=1, max_size=3), st.data())
def test_random_edits_never_raise_and_incremental_equals_full(modules, data):
    texts = {PATHS[i]: text for i, text in enumerate(modules)}
    ws = fresh(texts)
    for _step in range(data.draw(st.integers(1, 8), label="steps")):
        path = data.draw(st.sampled_from(sorted(texts)), label="path")
        _kind, fn = data.draw(edit(), label="edit")
        texts[path] = fn(texts[path])
        ws.set_text(path, texts[path])
        P.all_problems(ws)
        for m in ws.managers():
            Q.name_tree(ws, m)
            Q.completions(ws, m, "")
        assert snapshot(ws) == snapshot(fresh(texts)), "incremental state differs from a full re-index"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(module(), min_size=1, max_size=3), st.data())
def test_quick_fixes_and_renames_after_random_edits(modules, data):
    texts = {PATHS[i]: text for i, text in enumerate(modules)}
    ws = fresh(texts)
    for _step in range(data.draw(st.integers(1, 4), label="steps")):
        if data.draw(st.booleans(), label="edit first"):
            path = data.draw(st.sampled_from(sorted(texts)), label="path")
            _kind, fn = data.draw(edit(), label="edit")
            texts[path] = fn(texts[path])
            ws.set_text(path, texts[path])
        new_texts = check_fix(ws, texts, data)
        for path, text in new_texts.items():
            if text != texts[path]:
                ws.set_text(path, text)
        texts = new_texts
        assert snapshot(ws) == snapshot(fresh(texts))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(DEFAULTS), min_size=2, max_size=5), st.data())
def test_keep_only_on_many_defaults_in_one_file(values, data):
    """Several defaults of one name in one file, with awkward separators: keep each one in turn."""
    lines = ["from hpman.m import _"]
    for i, value in enumerate(values):
        sep = data.draw(st.sampled_from(SEPS))
        lines.append("v{} = _('n'{}{}{})  # 注释".format(i, sep, value, data.draw(st.sampled_from(HINTS))))
    text = "\n".join(lines) + "\n"
    ws = fresh({PATHS[0]: text})
    defaults = ws.defaults_of(("_", "n"))
    assert len(defaults) == len(values)
    for keep in defaults:
        new = E.apply(text, [(r, t) for _, r, t in E.keep_only(ws, keep)])
        assert parses(new), new
        after = fresh({PATHS[0]: new})
        assert [d.default_text for d in after.defaults_of(("_", "n"))] == [keep.default_text]
        assert len(after.occurrences_of(("_", "n"))) == len(values)
