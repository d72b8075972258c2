"""HyperParameterManager's public surface, the value trilogy and nested names."""
import copy

import pytest

import hpman
from hpman import EmptyValue, HyperParameterManager, ImpossibleTree
from hpman.hpm_db import HyperParameterOccurrence, HyperParamNode, HyperParamTree, P


def test_placeholder_and_separator_attributes():
    m = HyperParameterManager("hp")
    assert m.placeholder == "hp"
    assert m.separator == "."
    assert HyperParameterManager("x", separator="/").separator == "/"


def test_call_defines_and_gets(hpm):
    assert hpm("lr", 0.1) == 0.1
    assert hpm("lr") == 0.1
    assert hpm.get_value("lr") == 0.1
    assert hpm.get_values() == {"lr": 0.1}


def test_call_with_hints_records_them(hpm):
    hpm("opt", "adam", choices=["adam", "sgd"])
    runtime_rows = [r for r in hpm.db if r.priority == P.PRIORITY_SET_FROM_CALLABLE]
    assert len(runtime_rows) == 1
    assert runtime_rows[0].hints == {"choices": ["adam", "sgd"]}


def test_get_value_missing(hpm):
    with pytest.raises(KeyError) as err:
        hpm.get_value("nope")
    assert err.value.args[0] == "`nope` not found"
    assert isinstance(hpm.get_value("nope", raise_exception=False), EmptyValue)
    with pytest.raises(KeyError):
        hpm("nope")


def test_parsed_name_without_default_has_no_value(hpm):
    hpm.parse_source("_('used_only')")
    assert not hpm.exists("used_only")
    with pytest.raises(KeyError):
        hpm.get_value("used_only")
    assert hpm.get_values() == {}
    hpm.set_value("used_only", 3)
    assert hpm.get_value("used_only") == 3


@pytest.mark.parametrize("value", [0, None, False, "", [], {}])
def test_falsy_values_are_values(hpm, value):
    hpm("v", value)
    assert hpm.exists("v")
    assert hpm.get_value("v") == value
    assert hpm.get_values() == {"v": value}


def test_exists(hpm):
    assert not hpm.exists("a")
    hpm.parse_source("_('a', 1)\n_('t.x', 2)\n_('u')")
    assert hpm.exists("a")
    assert hpm.exists("t.x")
    assert hpm.exists("t")          # a branch with values under it
    assert not hpm.exists("u")      # used, no value anywhere
    assert not hpm.exists("t.y")


# -- the value trilogy ------------------------------------------------------------

def test_priority_trilogy(hpm):
    hpm.parse_source("_('lr', 0.1)")
    assert hpm("lr") == 0.1                     # parsed default
    assert hpm("lr", 0.2) == 0.2                # runtime value beats the parsed default
    assert hpm("lr", 0.3) == 0.3                # a later runtime value replaces the earlier one
    assert hpm.get_value("lr") == 0.3
    hpm.set_value("lr", 1.0)
    assert hpm("lr", 0.4) == 1.0                # set_value beats any runtime value
    assert hpm.get_value("lr") == 1.0
    hpm.set_value("lr", 2.0)                    # a later set replaces the earlier set
    assert hpm("lr") == 2.0
    assert hpm("lr", 0.5) == 2.0
    rows = sorted((int(r.priority), r.value) for r in hpm.db if r.name == "lr")
    assert rows == [(1, 0.1), (2, 0.5), (3, 2.0)]


def test_set_value_before_any_definition_wins_over_later_call(hpm):
    hpm.set_value("bs", 64)
    assert hpm("bs", 128) == 64
    hpm.parse_source("_('bs', 256)")
    assert hpm.get_value("bs") == 64


def test_runtime_value_beats_parse_done_later(hpm):
    hpm("x", 5)
    hpm.parse_source("_('x', 1)")
    assert hpm.get_value("x") == 5


def test_set_values_and_chaining(hpm):
    assert hpm.set_values({"a": 1, "b.c": 2}) is hpm
    assert hpm.set_value("d", 3) is hpm
    assert hpm.get_values() == {"a": 1, "b.c": 2, "d": 3}


def test_get_values_is_flat_and_a_copy(hpm):
    hpm.parse_source("_('m.a', 1)\n_('m.b.c', 2)\n_('z', 3)")
    values = hpm.get_values()
    assert values == {"m.a": 1, "m.b.c": 2, "z": 3}
    values["z"] = 99
    assert hpm.get_value("z") == 3


# -- trees --------------------------------------------------------------------------

def test_get_tree_and_prefix(hpm):
    hpm.parse_source("_('m.a', 1)\n_('m.b.c', 2)\n_('z', 3)\n_('m.none')")
    tree = hpm.get_tree()
    # a name without a value anywhere is a leaf holding EmptyValue, as in hpman 0.13
    assert isinstance(tree["m"].pop("none"), EmptyValue)
    assert tree == {"m": {"a": 1, "b": {"c": 2}}, "z": 3}
    assert list(hpm.get_tree("m")) == ["a", "b", "none"]
    assert hpm.get_tree("m.b") == {"c": 2}
    assert hpm.get_tree("missing") == {}
    assert hpm.get_value("m")["b"] == {"c": 2}   # a branch's value is its tree
    assert "m.none" not in hpm.get_values() and not hpm.exists("m.none")


def test_a_tree_of_names_without_values_exists_and_holds_empty_leaves(hpm):
    hpm.parse_source("_('m.x.y')")
    (leaf,) = [hpm.get_tree()["m"]["x"]["y"]]
    assert isinstance(leaf, EmptyValue)
    assert hpm.exists("m") and hpm.exists("m.x") and not hpm.exists("m.x.y")
    assert hpm.get_values() == {}


def test_values_and_nodes_in_hpman_013s_order(hpm):
    # ast.walk order (less nested calls first), then grouped depth first by dotted prefix
    hpm.parse_source('def main():\n    opt = _("optimizer", "adam")\n    if True:\n'
                     '        lr = _("learning_rate", 1e-3)\n    seed = _("seed", 42)\n')
    assert list(hpm.get_values()) == ["optimizer", "seed", "learning_rate"]
    assert [n.name for n in hpm.get_nodes()] == ["optimizer", "seed", "learning_rate"]
    other = HyperParameterManager("_").parse_source('f(_("c", 4))\n_("a.x", 1)\n_("b", 2)\n_("a.y", 3)\n')
    assert list(other.get_values()) == ["a.x", "a.y", "b", "c"]
    assert list(other.get_tree()) == ["a", "b", "c"]


def test_get_tree_annotate_dict(hpm):
    hpm("g.d", {"k": 1})
    hpm("g.e", 2)
    assert hpm.get_tree() == {"g": {"d": {"k": 1}, "e": 2}}
    annotated = hpm.get_tree(annotate_dict=True)
    assert annotated == {"g": {"d": {"k": 1, HyperParamTree.DICT_ANNOTATION: True}, "e": 2}}
    # the stored value itself is not annotated
    assert hpm.get_value("g.d") == {"k": 1}


def test_set_tree_flattens_with_prefix(hpm):
    hpm.set_tree({"a": {"b": 1, "c": {"d": 2}}, "e": 3})
    assert hpm.get_values() == {"a.b": 1, "a.c.d": 2, "e": 3}
    hpm.set_tree({"x": 4}, prefix="a.c")
    assert hpm.get_value("a.c.x") == 4
    assert hpm.get_tree("a") == {"b": 1, "c": {"d": 2, "x": 4}}


def test_set_tree_does_not_mutate_argument(hpm):
    tree = {"opt": {HyperParamTree.DICT_ANNOTATION: True, "type": "sgd"}, "m": {"x": {"y": [1, 2]}}}
    before = copy.deepcopy(tree)
    hpm.set_tree(tree)
    assert tree == before
    hpm.set_tree(tree)        # and a second time still sees the annotation
    assert hpm.get_value("opt") == {"type": "sgd"}
    assert tree == before


def test_annotated_dict_round_trip(hpm):
    hpm.parse_source("_('opt', {'type': 'sgd', 'momentum': 0.9})\n_('net.depth', 50)\n_('net.extra', {})")
    dumped = hpm.get_tree(annotate_dict=True)
    other = HyperParameterManager("_")
    other.set_tree(dumped)
    assert other.get_values() == hpm.get_values()
    assert other.get_value("opt") == {"type": "sgd", "momentum": 0.9}
    assert HyperParamTree.DICT_ANNOTATION not in other.get_value("opt")
    # without the annotation the dict becomes a subtree
    third = HyperParameterManager("_")
    third.set_tree(hpm.get_tree())
    assert third.get_values()["opt.type"] == "sgd"
    assert "opt" not in third.get_values()


def test_annotation_false_means_subtree(hpm):
    hpm.set_tree({"d": {HyperParamTree.DICT_ANNOTATION: False, "k": 1}})
    assert hpm.get_values() == {"d.k": 1}


def test_set_tree_rejects_non_string_keys_and_prefix(hpm):
    hpm.set_value("keep", 1)
    with pytest.raises(ImpossibleTree):
        hpm.set_tree({"a": {1: "x"}})
    with pytest.raises(TypeError):
        hpm.set_tree({"a": 1}, prefix=3)
    assert hpm.get_values() == {"keep": 1}


def test_separator_is_used_for_nesting():
    m = HyperParameterManager("x", separator="/")
    m.set_tree({"a": {"b": 1}})
    assert m.get_values() == {"a/b": 1}
    assert m.get_value("a") == {"b": 1}
    m.set_value("a.c", 2)       # a dot is just a character here
    assert m.get_tree() == {"a": {"b": 1}, "a.c": 2}
    m.parse_source("x('p/q', 1)\nx('p.r', 2)")
    assert m.get_tree("p") == {"q": 1}
    assert m.tree.get("p").is_branch()
    assert m.tree.get("p/q").is_leaf()
    with pytest.raises(ImpossibleTree):
        m.parse_source("x('p', 3)")
    with pytest.raises(ValueError):
        HyperParameterManager("x", separator="//")


def test_empty_name_parts_are_allowed(hpm):
    name = ".hpman is a good...man."
    hpm(name, 1)
    assert hpm.get_value(name) == 1
    assert hpm.get_values() == {name: 1}


# -- value and tree at once --------------------------------------------------------

def test_runtime_value_then_subname_is_keyerror(hpm):
    hpm("a", {"b": 1})
    with pytest.raises(KeyError) as err:
        hpm("a.b")
    assert err.value.args == ("`a.b` not found",)
    assert str(err.value) == "'`a.b` not found'"


def test_parse_value_and_tree_is_impossible(hpm):
    with pytest.raises(ImpossibleTree) as err:
        hpm.parse_source("_('a', {'b': 1})\n_('a.b')")
    assert str(err.value) == "node `a` has is both a leaf and a tree."
    assert isinstance(err.value, ValueError)
    assert hpm.get_values() == {}


def test_impossible_tree_across_two_parses(hpm):
    hpm.parse_source("_('a.b', 1)", "one.py")
    with pytest.raises(ImpossibleTree):
        hpm.parse_source("_('a', 2)", "two.py")
    assert hpm.get_values() == {"a.b": 1}


def test_set_value_on_both_leaf_and_tree_is_impossible(hpm):
    hpm.set_value("a", 1)
    with pytest.raises(ImpossibleTree):
        hpm.set_value("a.b", 2)
    hpm.set_value("t.x", 1)
    with pytest.raises(ImpossibleTree):
        hpm.set_value("t", 2)
    assert hpm.get_values() == {"a": 1, "t.x": 1}


def test_runtime_call_on_branch_is_impossible(hpm):
    hpm("t.x", 1)
    with pytest.raises(ImpossibleTree):
        hpm("t", 2)
    assert hpm.get_values() == {"t.x": 1}


def test_set_tree_replaces_parsed_dict_default(hpm):
    # A parsed dict default may be overridden as a tree at runtime (0.13's non-strict rule).
    hpm.parse_source("_('group', {'foo': 1})")
    hpm.set_tree({"group": {"foo": 2}})
    assert hpm.get_tree() == {"group": {"foo": 2}}


# -- occurrences, nodes, the tree view -----------------------------------------------

def test_get_occurrence(hpm):
    hpm.parse_source("x = 1\n_('a', 1, help='A')\n_('t.x', 2)\n_('a')", "f.py")
    occ = hpm.get_occurrence("a")
    assert isinstance(occ, HyperParameterOccurrence)
    assert (occ.name, occ.value, occ.priority, occ.filename, occ.lineno) == ("a", 1, P.PRIORITY_PARSED_FROM_SOURCE_CODE,
                                                                              "f.py", 2)
    assert occ.hints == {"help": "A"}
    assert hpm.get_occurrence("t") is None        # a branch
    assert hpm.get_occurrence("missing") is None
    hpm.set_value("a", 5)
    top = hpm.get_occurrence("a")
    assert (top.priority, top.value) == (P.PRIORITY_SET_FROM_SETTER, 5)


def test_get_nodes(hpm):
    hpm.parse_source("_('a', 1)\n_('b.c', 2)\n_('b.c')\n_('novalue')")
    nodes = hpm.get_nodes()
    assert all(isinstance(n, HyperParamNode) for n in nodes)
    by_name = {n.name: n for n in nodes}
    assert set(by_name) == {"a", "b.c"}
    assert by_name["b.c"].value == 2
    assert len(by_name["b.c"].db) == 2
    assert by_name["b.c"].get().value == 2     # the occurrence with the default ranks first


def test_tree_view_api(hpm):
    assert hpm.tree.empty
    assert hpm.tree.count() == 0
    hpm.parse_source("_('a', 1)\n_('b.c', 2)\n_('b.d', [1])\n_('e')")
    tree = hpm.tree
    assert isinstance(tree, HyperParamTree)
    assert not tree.empty
    assert tree.count() == 3
    assert tree.DICT_ANNOTATION == "__is_dict__" == HyperParamTree.DICT_ANNOTATION
    b = tree.get("b")
    assert b.is_branch() and not b.is_leaf()
    leaf = tree.get("b.c")
    assert leaf.is_leaf() and not leaf.is_branch()
    assert leaf.node.value == 2
    assert tree.get("b.zzz") is None
    assert tree.get("") is tree
    assert sorted(n.name for n in tree.flatten()) == ["a", "b.c", "b.d"]
    assert tree.get("e").node.empty
    assert tree.tree_values() == {"a": 1, "b": {"c": 2, "d": [1]}}


def test_repr_mentions_placeholder(hpm):
    assert "'_'" in repr(hpm)


def test_hpman_m_manager_is_the_same_class():
    from hpman.m import _
    assert isinstance(_, hpman.HyperParameterManager)


def test_any_empty_value_instance_means_get(hpm):
    # 0.13 compared with isinstance: passing another EmptyValue() is a plain get.
    hpm("a", 1)
    assert hpm("a", EmptyValue()) == 1
    assert hpm("a", EmptyValue()) == 1          # also once `a` is on the fast path
    assert hpm.get_values() == {"a": 1}
    with pytest.raises(KeyError):
        hpm("never_defined", EmptyValue())
    assert not hpm.exists("never_defined")


def test_a_failed_set_tree_leaves_the_manager_unchanged(hpm):
    # README, differences from 0.13: 0.13 kept half of the change (get_tree() then crashed)
    hpm.parse_source("print(_('a.b.c', 'a' + 'b'))")
    before = (repr(hpm.get_values()), repr(hpm.get_tree()), len(hpm.db))
    with pytest.raises(ImpossibleTree):
        hpm.set_tree({"a": 9})
    assert (repr(hpm.get_values()), repr(hpm.get_tree()), len(hpm.db)) == before


def test_a_runtime_value_under_a_set_value_is_an_impossible_tree(hpm):
    # README, differences from 0.13: 0.13 accepted it and left a tree that is a leaf and a branch
    hpm.set_value("a", 1)
    with pytest.raises(ImpossibleTree):
        hpm("a.b", 2)
    assert hpm.get_tree() == {"a": 1} and hpm.get_values() == {"a": 1}


def test_a_name_that_turns_into_a_branch_keeps_its_place_in_the_tree():
    # hpman 0.13's tree keeps each level in order of first appearance, leaf or branch
    m = HyperParameterManager("hpm").parse_source(
        "comp = [hpm('a', False) for _i in range(3)]\n\nprint(hpm('m.x', 0))\n")
    m.set_value("a.b", "v")
    assert list(m.get_tree()) == ["a", "m"]
    hp = HyperParameterManager("hp").parse_source(
        "lam = lambda: hp('a.b')\n\ndef f50():\n    x = hp('batch_size', {'n': 1})\n"
        "    if True:\n        y = hp('a.b.c', False)\n")
    assert list(hp.get_tree()) == ["a", "batch_size"]
    under = HyperParameterManager("_").parse_source("_('m.x', 'adam')\n_('k.v', -0.5)\n")
    under.set_tree({"m": {"x.y": 9}})
    assert list(under.get_tree()) == ["m", "k"]
