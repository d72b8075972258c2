"""The queries the CLI and the language server use, as pure functions over a workspace."""
import pytest
from idx_helpers import line_col, memory_ws, scan, write

from hpman.index import queries as Q
from hpman.primitives import EmptyValue, NotLiteralEvaluable

A = ("from hpman.m import _, cfg\n"
     "import math\n"
     "lr = _('optim.lr', 0.1)\n"
     "mom = _('optim.momentum', 0.9, help='momentum')\n"
     "x = _('outer', _('inner', 2))\n"
     "y = _(\n"
     "    'multi.line',\n"
     "    [1,\n"
     "     2])\n"
     "pi = _('pi', math.pi)\n"
     "d = _('depth')\n"
     "c = cfg('optim.lr', 5)\n")
B = ("from hpman.m import _\n"
     "_('optim.lr')\n"
     "_('depth', 50)\n"
     "_('nodefault')\n")


@pytest.fixture
def ws():
    return memory_ws({"/w/a.py": A, "/w/b.py": B})


def test_occurrence_at_name_default_and_callee(ws):
    line, col = line_col(A, "'optim.lr'")
    for c in (col - 2, col, col + 5, col + len("'optim.lr', 0.1)")):
        occ = Q.occurrence_at(ws, "/w/a.py", line, c)
        assert occ is not None and occ.name == "optim.lr", c
    assert Q.occurrence_at(ws, "/w/a.py", line, 0) is None
    assert Q.occurrence_at(ws, "/w/a.py", 1, 3) is None
    assert Q.occurrence_at(ws, "/w/missing.py", line, col) is None


def test_occurrence_at_picks_the_innermost_call(ws):
    line, col = line_col(A, "'inner'")
    assert Q.occurrence_at(ws, "/w/a.py", line, col).name == "inner"
    line, col = line_col(A, "'outer'")
    assert Q.occurrence_at(ws, "/w/a.py", line, col).name == "outer"


def test_occurrence_at_inside_a_multi_line_call(ws):
    for needle in ("'multi.line'", "2])"):
        line, col = line_col(A, needle)
        assert Q.occurrence_at(ws, "/w/a.py", line, col).name == "multi.line"
    line, _col = line_col(A, "y = _(")
    assert Q.occurrence_at(ws, "/w/a.py", line, 0) is None


def test_occurrences_default_and_order(ws):
    occs = ws.occurrences_of(("_", "optim.lr"))
    assert [(o.path, o.line) for o in occs] == [("/w/a.py", 2), ("/w/b.py", 1)]
    assert Q.default_of(ws, ("_", "optim.lr")) is occs[0]
    assert Q.default_of(ws, ("_", "depth")).path == "/w/b.py"
    assert Q.default_of(ws, ("_", "nodefault")) is None
    assert Q.default_of(ws, ("cfg", "optim.lr")).value == 5
    assert [o.name for o in Q.occurrences_in_file(ws, ("_", "depth"), "/w/a.py")] == ["depth"]
    assert Q.occurrences_in_file(ws, ("_", "nope"), "/w/a.py") == []


def test_effective_value_value_text_and_type(ws):
    assert Q.effective_value(ws, ("_", "optim.lr")) == (0.1, "default")
    assert Q.value_text(ws, ("_", "optim.lr")) == "0.1"
    assert Q.type_name(0.1) == "float"
    value, source = Q.effective_value(ws, ("_", "pi"))
    assert isinstance(value, NotLiteralEvaluable) and source == "default"
    assert Q.value_text(ws, ("_", "pi")) == "math.pi"
    assert Q.type_name(value) == "expression"
    value, source = Q.effective_value(ws, ("_", "nodefault"))
    assert isinstance(value, EmptyValue) and source == "none"
    assert Q.value_text(ws, ("_", "nodefault")) is None
    assert Q.type_name(value) == "unknown"
    assert Q.value_text(ws, ("_", "multi.line")) == "[1, 2]"
    assert Q.type_name([1]) == "list"


def test_effective_value_from_the_values_file(ws):
    ws.set_values_file("/w/v.yaml", "optim:\n  lr: 0.5\ndepth: 18\nunknown: 1\n")
    assert Q.effective_value(ws, ("_", "optim.lr")) == (0.5, "values file")
    assert Q.value_text(ws, ("_", "depth")) == "18"
    # another manager's names are not overridden by the values file
    assert Q.effective_value(ws, ("cfg", "optim.lr")) == (5, "default")
    # and a name missing from the file keeps its default
    assert Q.effective_value(ws, ("_", "optim.momentum")) == (0.9, "default")


def test_name_tree(ws):
    roots = Q.name_tree(ws, "_")
    assert [n.label for n in roots] == ["depth", "inner", "multi", "nodefault", "optim", "outer", "pi"]
    optim = roots[4]
    assert optim.kind == "branch" and optim.name == "optim" and optim.value is None
    kids = Q.children_of(optim)
    assert [(k.label, k.name, k.value, k.type, k.kind) for k in kids] == [
        ("lr", "optim.lr", "0.1", "float", "leaf"),
        ("momentum", "optim.momentum", "0.9", "float", "leaf"),
    ]
    assert kids[0].default.path == "/w/a.py"
    assert len(kids[0].occurrences) == 2
    depth = roots[0]
    assert depth.value == "50" and depth.has_value and depth.problems == 0
    nodefault = roots[3]
    assert not nodefault.has_value and nodefault.type == "unknown"
    assert nodefault.problems == 1  # no-default
    assert [n.label for n in Q.name_tree(ws, "cfg")] == ["optim"]
    assert Q.name_tree(ws, "nobody") == []


def test_name_tree_branch_with_a_value_counts_its_problems():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('a', 1)\n_('a.b', 2)\n"})
    (a,) = Q.name_tree(ws, "_")
    assert a.kind == "branch" and a.value == "1" and a.problems == 1
    (b,) = Q.children_of(a)
    assert b.name == "a.b" and b.value == "2" and b.problems == 1


def test_completions(ws):
    assert [c[0] for c in Q.completions(ws, "_", "optim.")] == ["optim.lr", "optim.momentum"]
    assert Q.completions(ws, "_", "optim.m") == [("optim.momentum", "0.9", "float")]
    assert ("nodefault", None, "unknown") in Q.completions(ws, "_")
    assert len(Q.completions(ws, "_")) == len(ws.names("_")) == 8
    assert Q.completions(ws, "cfg", "") == [("optim.lr", "5", "int")]
    assert Q.completions(ws, "_", "zzz") == []


def test_symbols(ws):
    found = Q.symbols(ws, "LR")
    assert [(o.manager, o.name, o.has_default) for o in found] == [("_", "optim.lr", True), ("cfg", "optim.lr", True)]
    # names without a default point at their first use
    (nd,) = Q.symbols(ws, "nodefault")
    assert nd.path == "/w/b.py" and not nd.has_default
    assert len(Q.symbols(ws)) == len(ws.keys()) == 9


def test_values_entry_at_and_key_at(ws):
    text = "optim:\n  lr: 0.5\ndepth: 18\n"
    ws.set_values_file("/w/v.yaml", text)
    entry = Q.values_entry_at(ws, "/w/v.yaml", 1, 3)
    assert entry.name == "optim.lr" and entry.value == 0.5
    assert Q.values_entry_at(ws, "/w/v.yaml", 1, 8) is None
    assert Q.values_entry_at(ws, "/w/a.py", 1, 3) is None
    assert Q.key_at(ws, "/w/v.yaml", 2, 0) == ("_", "depth")
    line, col = line_col(A, "cfg('optim.lr'")
    assert Q.key_at(ws, "/w/a.py", line, col + 5) == ("cfg", "optim.lr")
    assert Q.key_at(ws, "/w/a.py", 1, 0) is None


def test_completion_context(ws):
    assert Q.completion_context(ws, "/w/a.py", "x = _('opt") == ("_", "opt")
    assert Q.completion_context(ws, "/w/a.py", 'x = cfg("optim.') == ("cfg", "optim.")
    assert Q.completion_context(ws, "/w/a.py", "x = _(") is None
    assert Q.completion_context(ws, "/w/a.py", "x = _('done', ") is None
    assert Q.completion_context(ws, "/w/a.py", "x = gettext('opt") is None
    assert Q.completion_context(ws, "/w/a.py", "x = m._('opt") is None
    assert Q.completion_context(ws, "/w/none.py", "x = _('opt") is None


def test_queries_follow_set_text(ws):
    ws.set_text("/w/b.py", "from hpman.m import _\n_('depth', 7)\n_('optim.lr', 0.2)\n")
    assert Q.effective_value(ws, ("_", "depth")) == (7, "default")
    assert "nodefault" not in ws.names("_")
    assert len(ws.defaults_of(("_", "optim.lr"))) == 2
    ws.remove("/w/a.py")
    assert ws.managers() == ["_"]
    assert Q.default_of(ws, ("_", "optim.lr")).value == 0.2


def test_reload_and_remove_from_disk(tmp_path):
    a = write(tmp_path, "a.py", "from hpman.m import _\n_('a', 1)\n")
    ws = scan(tmp_path)
    write(tmp_path, "a.py", "from hpman.m import _\n_('a', 2)\n_('b', 3)\n")
    ws.reload(a)
    assert Q.effective_value(ws, ("_", "a")) == (2, "default")
    assert ws.names("_") == ["a", "b"]
    new = write(tmp_path, "n.py", "from hpman.m import _\n_('n', 1)\n")
    ws.reload(new)
    assert "n" in ws.names("_")
    import os
    os.unlink(a)
    ws.reload(a)
    assert ws.names("_") == ["n"]
    assert not ws.is_indexed(a)
    # a path outside the roots or not a .py file is not indexed
    other = write(tmp_path, "notes.txt", "from hpman.m import _\n_('t', 1)\n")
    ws.reload(other)
    assert ws.names("_") == ["n"]


def _innermost(occs, line, col):
    """The reference answer: the smallest call containing (line, col), by brute force."""
    inside = [o for o in occs if (o.call[0], o.call[1]) <= (line, col) <= (o.call[2], o.call[3])]
    return min(inside, key=lambda o: (o.call[2] - o.call[0], o.call[3] - o.call[1]), default=None)


def test_occurrence_at_finds_an_outer_call_however_many_calls_it_holds():
    inner = "".join("    _('in{}', {}),\n".format(i, i) for i in range(500))
    text = "from hpman.m import _\nouter = _('outer', [\n" + inner + "    'tail'])\nafter = _('after', 1)\n"
    ws = memory_ws({"/w/a.py": text})
    occs = ws.facts_of("/w/a.py").occurrences
    tail_line, tail_col = line_col(text, "'tail'")
    assert Q.occurrence_at(ws, "/w/a.py", tail_line, tail_col).name == "outer"
    line, col = line_col(text, "'in437'")
    assert Q.occurrence_at(ws, "/w/a.py", line, col).name == "in437"
    assert Q.occurrence_at(ws, "/w/a.py", line, 1).name == "outer"   # the indentation is in outer
    after_line, _c = line_col(text, "after =")
    assert Q.occurrence_at(ws, "/w/a.py", after_line, 0) is None
    for line in range(len(text.split("\n"))):
        for col in (0, 4, 8, 12, 30):
            want = _innermost(occs, line, col)
            assert Q.occurrence_at(ws, "/w/a.py", line, col) is want, (line, col)
