"""Static parsing rules of parse_source / parse_file."""
import ast
import os
import textwrap

import pytest
from rt_helpers import state, write

from hpman import (
    DoubleAssignmentException,
    HyperParameterManager,
    ImpossibleTree,
    NotLiteralEvaluable,
    NotLiteralNameException,
    SourceHelper,
)
from hpman.hpm_db import P


def parse(src, filename="<unknown>", placeholder="_"):
    return HyperParameterManager(placeholder).parse_source(textwrap.dedent(src), filename)


# -- what counts as a call ------------------------------------------------------------

def test_bare_placeholder_calls_count():
    m = parse("""
        import hpman
        from hpman.m import _
        a = _('a', 1)
        def f():
            return _('b', [1, 2]) + g(_('c', {'k': (1, 2)}))
        class C:
            x = _('d', None)
        lam = lambda: _('e', -1.5)
    """)
    assert m.get_values() == {"a": 1, "b": [1, 2], "c": {"k": (1, 2)}, "d": None, "e": -1.5}


def test_odd_spacing_counts():
    m = parse("x = _  ('hp' , 1)\ny = _(\n    'multi',\n    2,\n)\nz = _ (\t'tab'\t,3)")
    assert m.get_values() == {"hp": 1, "multi": 2, "tab": 3}
    assert m.get_occurrence("multi").lineno == 2


def test_attribute_calls_do_not_count():
    m = parse("import hpman.m as m\nm._('a', 1)\nobj._('b', 2)\nm.hp._('c', 3)\n_('d', 4)")
    assert m.get_values() == {"d": 4}


def test_other_names_do_not_count():
    m = parse("hp('a', 1)\n__('b', 2)\n_x('c', 3)\nx_('d', 4)\n_('e', 5)")
    assert m.get_values() == {"e": 5}


def test_placeholder_other_than_underscore():
    m = parse("hp('a', 1)\n_('b', 2)", placeholder="hp")
    assert m.get_values() == {"a": 1}


def test_calls_inside_strings_and_comments_do_not_count():
    m = parse('''
        # _('commented', 1)
        s = "_('in_string', 2)"
        doc = """
        _('in_docstring', 3)
        """
        _('real', 4)
    ''')
    assert m.get_values() == {"real": 4}


def test_nested_calls_both_count():
    m = parse("_('outer', _('inner', 1))")
    assert m.get_value("inner") == 1
    assert isinstance(m.get_value("outer"), NotLiteralEvaluable)


# -- positional arguments -------------------------------------------------------------

@pytest.mark.parametrize("call, count", [("_()", 0), ("_('a', 1, 2)", 3), ("_('a', 1, 2, 3)", 4)])
def test_wrong_positional_count_names_file_and_line(call, count):
    m = HyperParameterManager("_")
    m.parse_source("_('ok', 1)", "good.py")
    before = state(m)
    with pytest.raises(Exception) as err:
        m.parse_source("x = 1\n\n" + call + "\n", "bad_args.py")
    msg = str(err.value)
    assert "bad_args.py" in msg and "L3" in msg
    assert "(was {} args)".format(count) in msg
    assert msg == "number of positional args should be in range [1, 2], (was {} args), bad_args.py:L3".format(count)
    assert state(m) == before


def test_starred_positional_is_an_error():
    with pytest.raises(Exception) as err:
        parse("_(*args)", "star.py")
    assert "star.py" in str(err.value) and "L1" in str(err.value)


# -- the name ---------------------------------------------------------------------------

@pytest.mark.parametrize("call", ["_(name)", "_(name, 1)", "_(f'x{y}')", "_(b'bytes', 1)", "_(1, 2)",
                                  "_('a' + 'b', 1)", "_(str('a'))"])
def test_non_literal_name(call):
    m = HyperParameterManager("_")
    m.parse_source("_('ok', 1)", "good.py")
    before = state(m)
    with pytest.raises(NotLiteralNameException) as err:
        m.parse_source("import os\n" + call + "\n", "names.py")
    assert "names.py" in str(err.value)
    assert "L2" in str(err.value)
    assert state(m) == before


def test_implicit_concatenation_is_a_literal_name():
    m = parse("_('learning' '_' 'rate', 0.1)\n_(\n    'multi'\n    '.line',\n    2)")
    assert m.get_values() == {"learning_rate": 0.1, "multi.line": 2}


def test_unicode_names():
    m = parse("_('学习率', 0.1)\n_('naïve.é', 2)")
    assert m.get_values() == {"学习率": 0.1, "naïve.é": 2}


# -- the default ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1e-5", 1e-5), ("-3", -3), ("'s'", "s"), ("[1, (2, 3)]", [1, (2, 3)]), ("{'a': {1, 2}}", {"a": {1, 2}}),
    ("None", None), ("True", True), ("b'x'", b"x"), ("1+2j", 1 + 2j), ("(1,)", (1,)), ("set()", set()), ("frozenset()", "NLE"),
])
def test_defaults_are_literal_evaluated(text, value):
    m = parse("_('v', {})".format(text))
    got = m.get_value("v")
    if value == "NLE":
        assert isinstance(got, NotLiteralEvaluable)
    else:
        assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", ["os.sep", "f(1)", "lambda: 1", "[x for x in y]", "{[1]: 2}", "{{1}: 2}",
                                  "{[1], [2]}", "a if b else c", "x", "'a' * 3", "-'a'"])
def test_non_literal_default_stores_an_instance(text):
    m = parse("x = 1\n_('v', {})\n_('w', 2)".format(text))
    value = m.get_value("v")
    assert isinstance(value, NotLiteralEvaluable)
    assert m.get_value("w") == 2
    occ = m.get_occurrence("v")
    assert occ.has_default_value
    assert occ.ast_node is not None and occ.ast_node.lineno == 2


def test_default_ast_node_points_at_the_default():
    m = parse("\n\n_('v',\n  [1,\n   2])")
    node = m.get_occurrence("v").ast_node
    assert (node.lineno, node.col_offset) == (4, 2)



@pytest.mark.parametrize("default", ["f(a, k=lambda q, *r, s=1: [i for i in q if i], **kw)",
                                     "{'a': [1,\n   2], 'b': g(k=3)}", "x.y[1:2] + f'{z!r:>3}'"])
def test_default_ast_node_is_the_files_node_with_every_position(default):
    # every node of the default (keywords and lambda arguments too) where Python's own parse of the file has it
    source = "import os\nv = _('v',  {})\n".format(default)
    node = parse(source).get_occurrence("v").ast_node
    expected = ast.parse(source).body[1].value.args[1]
    assert ast.dump(node, include_attributes=True) == ast.dump(expected, include_attributes=True)


# -- hints ---------------------------------------------------------------------------------

def test_hints_are_literal():
    m = parse("_('opt', 'adam', choices=['adam', 'sgd'], help='optimiser', required=False)")
    assert m.get_occurrence("opt").hints == {"choices": ["adam", "sgd"], "help": "optimiser", "required": False}


def test_hints_without_default():
    m = parse("_('opt', help='no default here')")
    assert m.db[0].hints == {"help": "no default here"}
    assert not m.exists("opt")


@pytest.mark.parametrize("hint", ["choices=CHOICES", "choices={[1]: 2}", "help=str(1)", "type=int"])
def test_non_literal_hint(hint):
    m = HyperParameterManager("_")
    m.parse_source("_('ok', 1)", "good.py")
    before = state(m)
    with pytest.raises(NotLiteralEvaluable) as err:
        m.parse_source("import x\n\n_('opt', 'adam', {})\n".format(hint), "hints.py")
    keyword = hint.split("=")[0]
    msg = str(err.value)
    assert "`{}`".format(keyword) in msg
    assert "hints.py:3" in msg
    assert "==> 3: _('opt', 'adam', {})".format(hint) in msg
    assert state(m) == before


def test_double_star_hint_is_not_literal():
    with pytest.raises(NotLiteralEvaluable) as err:
        parse("_('opt', 'adam', **kw)", "kw.py")
    assert "kw.py:1" in str(err.value)


# -- duplicated defaults -------------------------------------------------------------------

def _expected_duplicate(f1, src1, line1, f2, src2, line2):
    return ("Duplicated default values:\nFirst occurrence:\n{}:{}\n{}\nSecond occurrence:\n{}:{}\n{}\n".format(
        f1, line1, SourceHelper.format_given_source_and_lineno(src1, line1),
        f2, line2, SourceHelper.format_given_source_and_lineno(src2, line2)))


def test_duplicate_defaults_in_one_source_message():
    src = "\n".join("# line {}".format(i) for i in range(1, 20)) + "\n_('x', 1)\n# gap\n_('x', 2)\n"
    with pytest.raises(DoubleAssignmentException) as err:
        HyperParameterManager("_").parse_source(src, "same.py")
    assert str(err.value) == _expected_duplicate("same.py", src, 20, "same.py", src, 22)


def test_duplicate_defaults_across_files_first_is_earlier_file(tmp_path):
    src_b = "from hpman.m import _\n\n_('x', 1)\n"
    src_a = "# a\n_('x', 2)\n"
    write(tmp_path, "b.py", src_b)
    write(tmp_path, "a.py", src_a)
    old = os.getcwd()
    os.chdir(str(tmp_path))
    try:
        for arg in (".", ["b.py", "a.py"], ("a.py", "b.py")):
            m = HyperParameterManager("_")
            with pytest.raises(DoubleAssignmentException) as err:
                m.parse_file(arg)
            prefix = "./" if arg == "." else ""
            assert str(err.value) == _expected_duplicate(prefix + "a.py", src_a, 2, prefix + "b.py", src_b, 3)
            assert m.get_values() == {}
        # parsed in two calls: the file parsed first is the first occurrence
        m = HyperParameterManager("_")
        m.parse_file("b.py")
        with pytest.raises(DoubleAssignmentException) as err:
            m.parse_file("a.py")
        assert str(err.value) == _expected_duplicate("b.py", src_b, 3, "a.py", src_a, 2)
        assert m.get_values() == {"x": 1}
    finally:
        os.chdir(old)


def test_one_default_and_many_uses_is_fine(tmp_path):
    write(tmp_path, "a.py", "_('x')\n_('x')\n")
    write(tmp_path, "b.py", "_('x', 3)\n_('x')\n")
    m = HyperParameterManager("_").parse_file(str(tmp_path))
    assert m.get_values() == {"x": 3}
    assert len(m.db) == 4
    assert m.db.count(lambda r: r.has_default_value) == 1


def test_same_unknown_source_twice_raises():
    m = HyperParameterManager("_")
    m.parse_source("_('a', 1)")
    with pytest.raises(DoubleAssignmentException) as err:
        m.parse_source("_('a', 1)")
    assert str(err.value).count("<unknown>:1") == 2
    assert m.get_values() == {"a": 1}


def test_same_nonexistent_filename_twice_raises():
    m = HyperParameterManager("_")
    m.parse_source("_('a', 1)", "not_a_real_file_xyz.py")
    with pytest.raises(DoubleAssignmentException):
        m.parse_source("_('a', 1)", "not_a_real_file_xyz.py")


def test_same_file_twice_under_many_spellings(tmp_path):
    path = write(tmp_path, "a.py", "from hpman.m import _\n_('a', 1)\n_('b.c', [1])\n")
    os.symlink(path, str(tmp_path / "link.py"))
    old = os.getcwd()
    os.chdir(str(tmp_path))
    try:
        m = HyperParameterManager("_")
        m.parse_file("a.py")
        m.parse_file("./a.py")
        m.parse_file(os.path.abspath("a.py"))
        m.parse_file("link.py")
        m.parse_file(["a.py", "./a.py", "link.py", str(tmp_path)])
        m.parse_source(open("a.py").read(), "a.py")
        m.parse_source(open("a.py").read(), os.path.abspath("link.py"))
        assert m.get_values() == {"a": 1, "b.c": [1]}
        assert len(m.db) == 2
    finally:
        os.chdir(old)


def test_reparsing_a_changed_file_replaces_its_facts(tmp_path):
    path = write(tmp_path, "a.py", "_('a', 1)\n_('gone', 2)\n")
    m = HyperParameterManager("_").parse_file(path)
    assert m.get_values() == {"a": 1, "gone": 2}
    write(tmp_path, "a.py", "_('a', 5)\n")
    m.parse_file(path)
    assert m.get_values() == {"a": 5}


# -- syntax errors -------------------------------------------------------------------------

@pytest.mark.parametrize("src, line", [
    ("x = 1\ndef f(:\n    pass\n_('a', 1)\n", 2),
    ("x = (\n_('s', 1)\n", (1, 2)),                # Python 3.9 reports the end of the file
    ("_('a', 1)\nprint 'py2'\n", 2),
    ("_('a', 1)\n\n\nclass C:\n  x = 1\n    y = 2\n", 6),
])
def test_syntax_error_names_file_and_line(src, line):
    m = HyperParameterManager("_")
    m.parse_source("_('ok', 1)", "good.py")
    before = state(m)
    with pytest.raises(SyntaxError) as err:
        m.parse_source(src, "broken.py")
    assert err.value.filename == "broken.py"
    assert err.value.lineno in (line if isinstance(line, tuple) else (line,))
    assert state(m) == before


# -- atomicity ------------------------------------------------------------------------------

def _populated():
    m = HyperParameterManager("_")
    m.parse_source("_('a', 1)\n_('t.x', {'k': 1})\n_('u')", "base.py")
    m("r", 2)
    m.set_value("s.y", 3)
    return m


@pytest.mark.parametrize("bad", [
    "_('new', 1)\n_('a', 2)",                  # duplicate default with base.py
    "_('new', 1)\n_('t', 2)",                  # t is a tree
    "_('new', 1)\n_('a.sub', 2)",              # a is a value
    "_('new', 1)\n_('s', 5)",                  # s is a tree set from the setter
    "_('new', 1)\n_(name)",
    "_('new', 1)\n_('x', 1, h=y)",
    "_('new', 1)\n_('x', 1, 2)",
    "_('new', 1)\ndef (",
])
def test_failed_parse_changes_nothing(bad):
    m = _populated()
    before = state(m)
    with pytest.raises(Exception):
        m.parse_source(bad, "bad.py")
    assert state(m) == before
    assert not m.exists("new")
    # still fully usable afterwards
    m.parse_source("_('new', 7)", "later.py")
    assert m.get_value("new") == 7


def test_failed_parse_file_list_changes_nothing(tmp_path):
    good = write(tmp_path, "a_good.py", "_('from_good', 1)\n")
    bad = write(tmp_path, "b_bad.py", "_('from_bad', 1)\n_('a', 2)\n")
    m = _populated()
    before = state(m)
    with pytest.raises(DoubleAssignmentException):
        m.parse_file([good, bad])
    assert state(m) == before
    with pytest.raises(FileNotFoundError):
        m.parse_file([good, str(tmp_path / "missing.py")])
    assert state(m) == before


@pytest.mark.parametrize("call", [
    lambda m: m.set_value("s.y.z", 1),                          # s.y holds a setter value
    lambda m: m.set_value("t", 1),                              # t is a tree
    lambda m: m.set_value(3, 1),                                # names are strings
    lambda m: m.set_values({"ok1": 1, "ok2.x": 2, "s.y.bad": 3}),
    lambda m: m.set_values({"fresh": 1, "s": 2}),
    lambda m: m.set_tree({"fresh": {"x": 1}, "s": {"y": {"b": 2}}}),
    lambda m: m.set_tree({"fresh": 1, "bad": {3: 4}}),
])
def test_failed_set_changes_nothing(call):
    m = _populated()
    before = state(m)
    with pytest.raises((ImpossibleTree, TypeError)):
        call(m)
    assert state(m) == before
    for name in ("ok1", "ok2.x", "fresh"):
        assert not m.exists(name)


def test_failed_set_keeps_setter_values():
    m = _populated()
    m.set_value("a", 10)
    with pytest.raises(ImpossibleTree):
        m.set_values({"a": 11, "s": 12})
    assert m.get_value("a") == 10
    assert [r.value for r in m.db if r.name == "a" and r.priority == P.PRIORITY_SET_FROM_SETTER] == [10]


@pytest.mark.parametrize("values", [{"x": 1, "x.y": 2}, {"x.y": 2, "x": 1}])
def test_set_values_conflicting_with_itself_changes_nothing(values):
    m = _populated()
    before = state(m)
    with pytest.raises(ImpossibleTree):
        m.set_values(values)
    assert state(m) == before
    assert not m.exists("x")


@pytest.mark.parametrize("src, values, lines", [
    # a call at column 0 inside brackets can be cut out as a statement of its own; the
    # statement that needs the opening bracket must not take that call a second time
    ("x = [\n_('a', 1),\n_('b', 2)]\n", {"a": 1, "b": 2}, [2, 3]),
    ("f(1,\n_('a', 1),\n_('b', 2),\n3)\n_('c', 3)\n", {"a": 1, "b": 2, "c": 3}, [2, 3, 5]),
    ("d = {\n'k':\n_('a', 1),\n'j': _('b', 2)}\n", {"a": 1, "b": 2}, [3, 4]),
])
def test_calls_at_column_zero_inside_brackets_count_once(src, values, lines):
    m = HyperParameterManager("_").parse_source(src, "cols.py")
    assert m.get_values() == values
    assert sorted(r.lineno for r in m.db) == lines


def test_calls_in_decorators_count():
    body = "".join("    x{} = {}\n".format(i, i) for i in range(100))   # a large class is parsed member-wise
    src = ("@dec(_('f', 1))\ndef f():\n    pass\n\n"
           "@first\n@dec(_('c', 2), k=_('k', 3))\nclass C:\n    pass\n\n"
           "@dec(_('big', 4))\nclass Big:\n" + body + "    @dec(_('meth', 5))\n    def meth(self):\n"
           "        return _('inner', 6)\n" + body)
    m = HyperParameterManager("_").parse_source(src, "deco.py")
    assert m.get_values() == {"f": 1, "c": 2, "k": 3, "big": 4, "meth": 5, "inner": 6}
    assert m.get_occurrence("c").lineno == 6
    assert m.get_occurrence("meth").lineno == src.split("\n").index("    @dec(_('meth', 5))") + 1


def test_calls_inside_f_strings_count_with_their_lines():
    src = ('x = 1\ns = f"value {_(\'a\', 1)} and {_(\'b\', 2)!r}"\nt = f"""\nmulti {_(\'c\', 3)}\n  {x}\n"""\n'
           'u = (f"{x}"\n     f"{_(\'d\', 4)}")\n')
    m = HyperParameterManager("_").parse_source(src, "fs.py")
    assert m.get_values() == {"a": 1, "b": 2, "c": 3, "d": 4}
    assert sorted((r.name, r.lineno) for r in m.db) == [("a", 2), ("b", 2), ("c", 4), ("d", 8)]
