"""Where hpman 0.13 parses differently from what we did, the runtime and the index now do
as 0.13 does (or, where 0.13 is wrong, what the README's differences section says)."""
import json
import os
import subprocess
import sys

import pytest
from idx_helpers import memory_ws, problems, write

from hpman import EmptyValue, HyperParameterManager, NotLiteralEvaluable
from hpman.index import facts as F


def occurrences(text):
    return [(o.name, o.line + 1) for o in F.extract_workspace(text, "/w/m.py").occurrences]


def test_cr_only_line_endings(tmp_path):
    text = "x = 1\rh = _('a', 2)\rq = _('b', 3)\r"
    mgr = HyperParameterManager("_").parse_source(text)
    assert mgr.get_values() == {"a": 2, "b": 3}
    assert [(n.name, n.get().lineno) for n in mgr.get_nodes()] == [("a", 2), ("b", 3)]
    assert occurrences("from hpman.m import _\r" + text) == [("a", 3), ("b", 4)]
    path = write(tmp_path, "cr.py", b"from hpman.m import _\r" + text.encode())
    mgr = HyperParameterManager("_").parse_file(path)
    assert [(r.name, r.lineno) for r in mgr.db] == [("a", 3), ("b", 4)]
    # CRLF keeps its lines and columns
    crlf = "from hpman.m import _\r\nx = _('a', 2)\r\n"
    (occ,) = F.extract_workspace(crlf, "/w/m.py").occurrences
    assert occ.name_range == (1, 6, 1, 9)


def test_errors_in_cr_only_files_show_their_own_lines():
    from hpman import DoubleAssignmentException
    with pytest.raises(DoubleAssignmentException) as exc:
        HyperParameterManager("_").parse_source("x = 1\r_('a', 1)\r_('a', 2)\r")
    message = str(exc.value)
    assert "==> 2: _('a', 1)" in message and "==> 3: _('a', 2)" in message
    assert "\r" not in message


def test_a_starred_default_is_a_default_that_is_not_a_literal():
    mgr = HyperParameterManager("_").parse_source("x = [1]\n_('lr', *x)\n")
    assert isinstance(mgr.get_value("lr"), NotLiteralEvaluable)
    (occ,) = F.extract_workspace("from hpman.m import _\n_('lr', *x)\n", "/w/m.py").occurrences
    assert occ.has_default and occ.default_text == "*x"
    # a starred name is not a literal name; three arguments are still too many
    with pytest.raises(Exception) as exc:
        HyperParameterManager("_").parse_source("_(*x)\n")
    assert type(exc.value).__name__ == "NotLiteralNameException"
    with pytest.raises(Exception) as exc:
        HyperParameterManager("_").parse_source("_('a', *x, *y)\n")
    assert type(exc.value).__name__ == "BadArgumentsException"


def test_double_star_hints_from_a_literal_dict():
    mgr = HyperParameterManager("_").parse_source("_('x', 1, **{'help': 'h'}, choices=[1, 2])\n")
    assert mgr.get_values() == {"x": 1}
    assert mgr.get_occurrence("x").hints == {"help": "h", "choices": [1, 2]}
    (occ,) = F.extract_workspace("from hpman.m import _\n_('x', 1, **{'help': 'h'})\n", "/w/m.py").occurrences
    assert occ.hints == {"help": "h"}
    for bad in ("_('x', 1, **opts)\n", "_('x', 1, **[1])\n", "_('x', 1, **{1: 'h'})\n"):
        with pytest.raises(NotLiteralEvaluable):
            HyperParameterManager("_").parse_source(bad)
        ws = memory_ws({"/w/m.py": "from hpman.m import _\n" + bad})
        assert [p.code for p in problems(ws)] == ["non-literal-hint"]


SEED_ORDER = ('def main():\n    opt = _("optimizer", "adam")\n    if True:\n'
              '        lr = _("learning_rate", 1e-3)\n    seed = _("seed", 42)\n')


def test_walk_order_of_values_nodes_tree_and_the_cli(tmp_path):
    mgr = HyperParameterManager("_").parse_source(SEED_ORDER)
    expected = ["optimizer", "seed", "learning_rate"]
    assert list(mgr.get_values()) == expected
    assert [n.name for n in mgr.get_nodes()] == expected
    assert list(mgr.get_tree()) == expected
    write(tmp_path, "m.py", "from hpman.m import _\n" + SEED_ORDER)
    env = dict(os.environ, HPMAN_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-m", "hpman", "list", "--format", "json", "."], cwd=str(tmp_path),
                         env=env, stdout=subprocess.PIPE, universal_newlines=True, timeout=120, check=True).stdout
    assert list(json.loads(out)) == expected
    # the order survives the persistent cache (a second run reads the facts from it)
    again = subprocess.run([sys.executable, "-m", "hpman", "list", "--format", "json", "."], cwd=str(tmp_path),
                           env=env, stdout=subprocess.PIPE, universal_newlines=True, timeout=120, check=True).stdout
    assert again == out


def test_walk_order_breadth_first_across_statements_and_children():
    # a call nested in an argument comes after every call at a lower depth, wherever it is
    text = ("f(_('deep', 1))\n"
            "_('top', 2)\n"
            "d = {_('k', 3): _('v', 4)}\n"
            "class C:\n"
            "    x = _('in_class', 5)\n")
    mgr = HyperParameterManager("_").parse_source(text)
    assert list(mgr.get_values()) == ["top", "deep", "k", "v", "in_class"]


def test_the_occurrence_met_first_by_walk_is_the_one_without_default_reported():
    text = ("def outer():\n    def inner():\n        return _('a.b', x=None)\n    return _('a.b')\n")
    assert HyperParameterManager("_").parse_source(text).get_occurrence("a.b").lineno == 4


def test_a_name_without_any_default_is_an_empty_leaf_of_the_tree():
    mgr = HyperParameterManager("_").parse_source("_('m.x.y')\n")
    assert isinstance(mgr.get_tree()["m"]["x"]["y"], EmptyValue)
    assert mgr.exists("m") and mgr.get_values() == {}


def test_a_name_that_is_the_empty_string_is_in_the_tree():
    mgr = HyperParameterManager("_").parse_source('z = _("", 0)\n')
    assert mgr.get_tree() == {"": 0} and mgr.get_values() == {"": 0}
