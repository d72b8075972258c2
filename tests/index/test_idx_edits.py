"""Quick-fix and rename edits: applied with edits.apply, re-indexed, checked for damage."""
import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from idx_helpers import memory_ws, problems

from hpman.index import edits as E
from hpman.index.queries import default_of


def apply_all(ws, edit_list):
    """Apply edits file by file through set_text; return {path: (old text, new text)}."""
    out = {}
    for path, changes in E.group_by_path(edit_list).items():
        old = ws.text_of(path) if path.endswith(".py") else ws.values_file.text
        new = E.apply(old, changes)
        out[path] = (old, new)
        if path.endswith(".py"):
            ws.set_text(path, new)
        else:
            ws.set_values_file(path, new)
    return out


def offsets(text, rng):
    lines = text.split("\n")
    base = [0]
    for line in lines:
        base.append(base[-1] + len(line) + 1)
    return base[rng[0]] + rng[1], base[rng[2]] + rng[3]


def assert_only_inside(old, new, spans):
    """`new` equals `old` outside the given (start, end) offsets of `old` (what replaced them is free)."""
    bounds = sorted(spans)
    kept = [old[:bounds[0][0]]]
    for (_s, e), (s2, _e2) in zip(bounds, bounds[1:]):
        kept.append(old[e:s2])
    kept.append(old[bounds[-1][1]:])
    assert new.startswith(kept[0]), (old, new)
    assert new.endswith(kept[-1]), (old, new)
    pos = len(kept[0])
    for middle in kept[1:-1]:
        idx = new.find(middle, pos)
        assert idx >= 0, (old, new, middle)
        pos = idx + len(middle)
    assert pos <= len(new) - len(kept[-1])


def call_node(text, line):
    """The AST of the outermost call of `_` starting on 0-based `line`."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.lineno == line + 1:
            return node
    raise AssertionError(line)


def call_spans(ws, path, text, key=None):
    return [offsets(text, o.call) for o in ws.facts_of(path).occurrences if key is None or o.key() == key]


# The shapes a default can take in real code.
SHAPES = [
    "_('x', 1)",
    "_('x', 1, help='h')",
    "_('x' , 1 ,help = 'h')",
    "_('x', 'a,b')",
    "_('x', (1))",
    "_('x', ( (1) ), choices=[1, 2])",
    "_('x', (1, 2))",
    "_('x', [1,\n        2])",
    "_(\n    'x',  # the name, really\n    1,  # the default\n    help='h')",
    "_('x'  # a comment, with a comma\n  , 2)",
    "_('x', \\\n  1)",
    "_(('x'), 1)",
    "_('x', 1,)",
    "_('x', -1)",
    "_('x', {'k': (1, 2)})",
    "_('x', f(1, 2))",
    "_('x', 1  # trailing\n)",
    "_('x' 'y', 1)",
]


@pytest.mark.parametrize("shape", SHAPES)
def test_remove_default_keeps_the_file_valid_and_the_rest_untouched(shape):
    before = "from hpman.m import _\nimport os  # 中文\ny = [os, " + shape + "]  # end\n_('x')\n"
    ws = memory_ws({"/w/a.py": before})
    (occ,) = ws.defaults_of(("_", ws.facts_of("/w/a.py").occurrences[0].name))
    hints = occ.hints
    edits = E.remove_default(ws, occ)
    assert edits and all(p == "/w/a.py" for p, _r, _t in edits)
    ((old, new),) = apply_all(ws, edits).values()
    ast.parse(new)
    assert_only_inside(old, new, [offsets(old, occ.call)])
    # re-indexed: same occurrences, none with a default, hints kept
    occs = ws.facts_of("/w/a.py").occurrences
    assert [o.name for o in occs] == [occ.name, "x"]
    assert not any(o.has_default for o in occs)
    assert occs[0].hints == hints
    # the call is the same call without its default argument
    before_call = call_node(old, occ.call[0])
    del before_call.args[1]
    assert ast.dump(call_node(new, occs[0].call[0])) == ast.dump(before_call)


def test_remove_default_of_a_use_is_nothing():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('x')\n"})
    assert E.remove_default(ws, ws.facts_of("/w/a.py").occurrences[0]) == []


def test_keep_only_across_files():
    texts = {
        "/w/a.py": "from hpman.m import _\nlr = _('lr', 0.1)  # 学习率\n",
        "/w/b.py": "from hpman.m import _\nlr = _('lr', 0.2, help='b')\nz = _('z', 1)\n",
        "/w/c.py": "from hpman.m import _\nif 1:\n    lr = _(\n        'lr',\n        0.3)\n",
    }
    ws = memory_ws(texts)
    keep = [d for d in ws.defaults_of(("_", "lr")) if d.path == "/w/b.py"][0]
    before_spans = {p: call_spans(ws, p, t, ("_", "lr")) for p, t in texts.items()}
    changed = apply_all(ws, E.keep_only(ws, keep))
    assert sorted(changed) == ["/w/a.py", "/w/c.py"]
    for path, (old, new) in changed.items():
        ast.parse(new)
        assert_only_inside(old, new, before_spans[path])
    (default,) = ws.defaults_of(("_", "lr"))
    assert (default.path, default.value, default.hints) == ("/w/b.py", 0.2, {"help": "b"})
    assert problems(ws) == []
    assert default_of(ws, ("_", "z")).value == 1


def test_move_default_here():
    texts = {
        "/w/a.py": "from hpman.m import _\nlr = _('lr', {'a': [1, 2]})\nlr2 = _('lr', {'a': [1, 2]})\n",
        "/w/b.py": "from hpman.m import _\nx = 1; lr = _('lr', help='here')  # 这里\n",
    }
    ws = memory_ws(texts)
    source = ws.defaults_of(("_", "lr"))[0]
    target = [o for o in ws.occurrences_of(("_", "lr")) if o.path == "/w/b.py"][0]
    spans = {p: call_spans(ws, p, t, ("_", "lr")) for p, t in texts.items()}
    changed = apply_all(ws, E.move_default_here(ws, target, source))
    assert sorted(changed) == ["/w/a.py", "/w/b.py"]
    for path, (old, new) in changed.items():
        ast.parse(new)
        assert_only_inside(old, new, spans[path])
    (default,) = ws.defaults_of(("_", "lr"))
    assert default.path == "/w/b.py"
    assert default.value == {"a": [1, 2]}
    assert default.hints == {"help": "here"}
    assert changed["/w/b.py"][1] == "from hpman.m import _\nx = 1; lr = _('lr', {'a': [1, 2]}, help='here')  # 这里\n"
    assert problems(ws) == []


USE_SHAPES = [
    "_('x')",
    "_(('x'))",
    "_( ( 'x' ) )",
    "_((\n    'x'  # c (\n    ), help=2)",
    "_(  # (\n    'x')",
    "_(\n    'x'\n)",
    "_('x'  # c\n)",
    "_('x',)",
    "_('x', help=1)",
    "_('x'  # c, d\n  , help=1)",
    "_('x' '')",
]


@pytest.mark.parametrize("shape", USE_SHAPES)
def test_move_default_onto_any_use_shape(shape):
    before = "from hpman.m import _\nz = [_('x', {'k': 1}), " + shape + "]  # 尾\n"
    ws = memory_ws({"/w/a.py": before})
    source, target = ws.occurrences_of(("_", "x"))
    hints = target.hints
    ((old, new),) = apply_all(ws, E.move_default_here(ws, target, source)).values()
    ast.parse(new)
    assert_only_inside(old, new, [offsets(old, source.call), offsets(old, target.call)])
    (default,) = ws.defaults_of(("_", "x"))
    assert default.value == {"k": 1} and default.hints == hints
    assert default.call[:2] > source.call[:2]  # the second call now holds it
    assert problems(ws) == []


def test_move_default_here_is_nothing_for_a_target_with_a_default():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('a', 1)\n_('a', 2)\n"})
    d1, d2 = ws.defaults_of(("_", "a"))
    assert E.move_default_here(ws, d1, d2) == []


def test_move_a_non_literal_default():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\nimport math\n_('a', math.pi * 2)\n_('a')\n"})
    src, use = ws.occurrences_of(("_", "a"))
    apply_all(ws, E.move_default_here(ws, use, src))
    (default,) = ws.defaults_of(("_", "a"))
    assert default.line == 3 and default.default_text == "math.pi * 2"


@pytest.mark.parametrize("old_literal,new_name,expected", [
    ("'lr'", "rate", "'rate'"),
    ('"lr"', "rate", '"rate"'),
    ("'''lr'''", "rate", "'''rate'''"),
    ("r'lr'", "rate", "'rate'"),
    ("'lr'", "it's", "'it\\'s'"),
    ('"lr"', 'say "hi"', '"say \\"hi\\""'),
    ("'lr'", "a\\b", "'a\\\\b'"),
    ("'lr'", "学习率", "'学习率'"),
])
def test_quote_name(old_literal, new_name, expected):
    literal = E.quote_name(old_literal, new_name)
    assert literal == expected
    assert ast.literal_eval(literal) == new_name


def test_rename_every_occurrence_and_the_values_file_key():
    texts = {
        "/w/a.py": "from hpman.m import _\nlr = _('optim.lr', 0.1)  # 学习率\nx = _(\"optim.lr\")\n",
        "/w/b.py": "from hpman.m import _, cfg\ny = [_('optim.' 'lr'), cfg('optim.lr', 3)]\n",
    }
    ws = memory_ws(texts)
    ws.set_values_file("/w/v.yaml", "optim.lr: 0.5\nother: 1\n")
    spans = {p: call_spans(ws, p, t, ("_", "optim.lr")) for p, t in texts.items()}
    changed = apply_all(ws, E.rename(ws, ("_", "optim.lr"), "optim.rate"))
    assert sorted(changed) == ["/w/a.py", "/w/b.py", "/w/v.yaml"]
    for path in texts:
        old, new = changed[path]
        ast.parse(new)
        assert_only_inside(old, new, spans[path])
    assert changed["/w/a.py"][1] == \
        "from hpman.m import _\nlr = _('optim.rate', 0.1)  # 学习率\nx = _(\"optim.rate\")\n"
    assert changed["/w/v.yaml"][1] == "optim.rate: 0.5\nother: 1\n"
    assert not ws.has_name(("_", "optim.lr"))
    assert len(ws.occurrences_of(("_", "optim.rate"))) == 3
    # the other manager's `optim.lr` is another name
    assert [o.path for o in ws.occurrences_of(("cfg", "optim.lr"))] == ["/w/b.py"]
    assert [p.code for p in problems(ws)] == ["unknown-key"]  # `other`


def test_rename_inside_a_nested_values_tree():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('optim.lr', 0.1)\n"})
    ws.set_values_file("/w/v.yaml", "optim:\n  lr: 0.5  # 学习率\n  other: 1\n")
    changed = apply_all(ws, E.rename(ws, ("_", "optim.lr"), "optim.rate"))
    assert changed["/w/v.yaml"][1] == "optim:\n  rate: 0.5  # 学习率\n  other: 1\n"
    assert ws.values_file.by_name["optim.rate"].value == 0.5
    assert [p.data["name"] for p in problems(ws, "unknown-key")] == ["optim.other"]
    # moving it out of its tree cannot be written as a leaf: the values file is left alone
    changed = apply_all(ws, E.rename(ws, ("_", "optim.rate"), "lr"))
    assert sorted(changed) == ["/w/a.py"]


def test_replace_key_flat_and_nested():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('optim.lr', 0.1)\n_('optimizer', 'sgd')\n"})
    values = "optimiser: adam\noptim:\n  lrr: 0.5  # 学习率\n"
    ws.set_values_file("/w/v.yaml", values)
    found = {p.data["name"]: p for p in problems(ws, "unknown-key")}
    assert sorted(found) == ["optim.lrr", "optimiser"]
    edits = E.replace_key(ws, "optim.lrr", found["optim.lrr"].data["suggestion"])
    edits += E.replace_key(ws, "optimiser", found["optimiser"].data["suggestion"])
    changed = apply_all(ws, edits)
    assert changed["/w/v.yaml"][1] == "optimizer: adam\noptim:\n  lr: 0.5  # 学习率\n"
    assert problems(ws) == []
    # a suggestion outside the nested key's parent cannot be written there
    ws.set_values_file("/w/v.yaml", "optim:\n  lrr: 0.5\n")
    assert E.replace_key(ws, "optim.lrr", "optimizer") == []
    assert E.replace_key(ws, "nope", "optimizer") == []


def test_apply_is_order_independent_and_handles_multi_line_ranges():
    text = "abc\ndef\nghi\n"
    edits = [((0, 1, 0, 2), "X"), ((1, 0, 2, 1), "Y"), ((2, 3, 2, 3), "!")]
    assert E.apply(text, edits) == "aXc\nYhi!\n"
    assert E.apply(text, list(reversed(edits))) == "aXc\nYhi!\n"


# -- property: random duplicate defaults, random fixes ---------------------------------

VALUES = ["1", "2.5", "'s'", "[1, 2]", "(3)", "{'k': 1}", "None", "f(x)"]
SEPS = [", ", ",", " , ", ",\n        ", ",  # c, d\n        "]


@st.composite
def duplicated_workspace(draw):
    files = {}
    n_files = draw(st.integers(1, 3))
    for i in range(n_files):
        lines = ["from hpman.m import _"]
        for j in range(draw(st.integers(1, 4))):
            has_default = draw(st.booleans())
            call = "_('n'"
            if has_default:
                call += draw(st.sampled_from(SEPS)) + draw(st.sampled_from(VALUES))
            if draw(st.booleans()):
                call += ", help='h{}'".format(j)
            lines.append("v{} = {})  # 注释 {}".format(j, call, j))
        files["/w/f{}.py".format(i)] = "\n".join(lines) + "\n"
    return files


@settings(max_examples=60, deadline=None)
@given(duplicated_workspace(), st.data())
def test_fixes_leave_exactly_one_default_and_valid_files(files, data):
    ws = memory_ws(files)
    occs = ws.occurrences_of(("_", "n"))
    defaults = ws.defaults_of(("_", "n"))
    uses = [o for o in occs if not o.has_default]
    kind = data.draw(st.sampled_from(["keep", "move"] if defaults and uses else ["keep"] if defaults else ["none"]))
    if kind == "none":
        return
    if kind == "keep":
        keep = data.draw(st.sampled_from(defaults))
        expected = keep.default_text
        edits = E.keep_only(ws, keep)
    else:
        target = data.draw(st.sampled_from(uses))
        source = data.draw(st.sampled_from(defaults))
        expected = source.default_text
        edits = E.move_default_here(ws, target, source)
    before_hints = sorted(repr(o.hints) for o in occs)
    changed = apply_all(ws, edits)
    for path, (old, new) in changed.items():
        ast.parse(new)
        assert_only_inside(old, new, [offsets(old, o.call) for o in occs if o.path == path])
    (default,) = ws.defaults_of(("_", "n"))
    assert default.default_text == expected
    after = ws.occurrences_of(("_", "n"))
    assert len(after) == len(occs)
    assert sorted(repr(o.hints) for o in after) == before_hints
    assert not [p for p in problems(ws) if p.code == "duplicate-default"]
