"""hpman.hpm_db: occurrences, priorities, nodes, trees and the 0.10 db/L query API."""
import ast

import pytest

from hpman import DoubleAssignmentException, EmptyValue, HyperParameterManager, ImpossibleTree, SourceHelper
from hpman.hpm_db import (
    HyperParameterDB,
    HyperParameterOccurrence,
    HyperParameterPriority,
    HyperParamNode,
    HyperParamTree,
    L,
    P,
)


def occ(name, value=EmptyValue(), priority=P.PRIORITY_PARSED_FROM_SOURCE_CODE, **kw):
    return HyperParameterOccurrence(name=name, value=value, priority=priority, **kw)


def test_priorities():
    assert P is HyperParameterPriority
    assert int(P.PRIORITY_PARSED_FROM_SOURCE_CODE) == 1
    assert int(P.PRIORITY_SET_FROM_CALLABLE) == 2
    assert int(P.PRIORITY_SET_FROM_SETTER) == 3
    assert P.PRIORITY_PARSED_FROM_SOURCE_CODE < P.PRIORITY_SET_FROM_CALLABLE < P.PRIORITY_SET_FROM_SETTER


def test_occurrence_fields_and_unknown_kwargs():
    node = ast.parse("1").body[0]
    helper = SourceHelper("x = 1")
    o = HyperParameterOccurrence(name="a", value=1, priority=P.PRIORITY_SET_FROM_CALLABLE, filename="f.py",
                                 lineno=3, ast_node=node, hints={"h": 1}, source_helper=helper,
                                 unknown_field="ignored", another=2)
    assert (o.name, o.value, o.priority, o.filename, o.lineno) == ("a", 1, 2, "f.py", 3)
    assert o.ast_node is node and o.hints == {"h": 1} and o.source_helper is helper
    assert not hasattr(o, "unknown_field") and not hasattr(o, "another")
    # rows read both as attributes and as items
    assert o["name"] == "a" and o["hints"] == {"h": 1}
    with pytest.raises(KeyError):
        o["unknown_field"]


def test_occurrence_defaults_and_priority_order():
    o = HyperParameterOccurrence(name="x")
    assert isinstance(o.value, EmptyValue)
    assert not o.has_default_value
    assert o.filename is None and o.lineno is None and o.hints is None
    assert occ("x", 1).has_default_value
    # a value ranks above "no value" within a priority, any higher priority ranks above both
    ranks = [occ("x").value_priority, occ("x", 1).value_priority,
             occ("x", 1, P.PRIORITY_SET_FROM_CALLABLE).value_priority]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3


def test_node_push_get_db_value():
    node = HyperParamNode("lr")
    assert node.get() is None and node.db == [] and isinstance(node.value, EmptyValue) and node.empty
    node.push(occ("lr"))
    node.push(occ("lr", 0.1))
    assert node.value == 0.1 and len(node) == 2
    node.push(occ("lr", 0.2, P.PRIORITY_SET_FROM_CALLABLE))
    node.push(occ("lr", 0.3, P.PRIORITY_SET_FROM_CALLABLE))       # replaces the previous runtime value
    assert node.value == 0.3 and len(node) == 3
    node.push(occ("lr", 1.0, P.PRIORITY_SET_FROM_SETTER))
    node.push(occ("lr", 2.0, P.PRIORITY_SET_FROM_SETTER))
    assert node.get().value == 2.0 and len(node) == 4
    assert [o.priority for o in node.db] == [3, 2, 1, 1]
    assert not node.empty


def test_check_source_code_double_assigment():
    src1, src2 = "a = 1\n_('x', 1)\n", "_('x', 2)\n"
    first = occ("x", 1, filename="one.py", lineno=2, source_helper=SourceHelper(src1))
    second = occ("x", 2, filename="two.py", lineno=1, source_helper=SourceHelper(src2))
    node = HyperParamNode("x")
    node._check_source_code_double_assigment(first)     # nothing yet: fine
    node.push(first)
    node.push(occ("x", filename="use.py", lineno=5))    # a use without default
    with pytest.raises(DoubleAssignmentException) as err:
        node._check_source_code_double_assigment(second)
    expected = ("Duplicated default values:\nFirst occurrence:\none.py:2\n"
                + SourceHelper.format_given_source_and_lineno(src1, 2)
                + "\nSecond occurrence:\ntwo.py:1\n"
                + SourceHelper.format_given_source_and_lineno(src2, 1) + "\n")
    assert str(err.value) == expected
    # runtime and setter values are not "double assignments"
    other = HyperParamNode("y")
    other.push(occ("y", 1, P.PRIORITY_SET_FROM_CALLABLE))
    other.push(occ("y", 2, P.PRIORITY_SET_FROM_SETTER))
    other._check_source_code_double_assigment(occ("y", 3, filename="f.py", lineno=1,
                                                  source_helper=SourceHelper("_('y', 3)")))


def test_tree_push_and_validate():
    tree = HyperParamTree()
    assert tree.empty and tree.count() == 0
    helper = SourceHelper("_('m.a', 1)\n_('m.a', 2)")
    tree.push_occurrence(occ("m.a", 1, filename="f.py", lineno=1), source_helper=helper)
    tree.push_occurrence(occ("m.b"))
    tree["m.c"] = 5
    assert tree.count() == 2                     # m.b has no value
    assert tree.get("m").is_branch() and tree.get("m.a").is_leaf()
    assert tree.tree_values() == {"m": {"a": 1, "c": 5}}
    assert tree.validate()
    with pytest.raises(DoubleAssignmentException):
        tree.push_occurrence(occ("m.a", 2, filename="f.py", lineno=2), source_helper=helper)
    with pytest.raises(ImpossibleTree):
        tree.push_occurrence(occ("m", 3))
    sep = HyperParamTree("/")
    sep["a/b"] = 1
    assert sep.get("a").is_branch() and sep.tree_values() == {"a": {"b": 1}}


def _db_manager():
    m = HyperParameterManager("_")
    m.parse_source("_('lr', 0.1, help='learning rate')\n_('lr')\n_('opt', 'adam', choices=['adam', 'sgd'])\n"
                   "_('model.depth', 50)\n_('model.width')\n", "train.py")
    m("opt", "sgd")
    m.set_value("model.width", 64)
    return m


def test_db_is_a_list_of_rows():
    db = _db_manager().db
    assert isinstance(db, HyperParameterDB) and isinstance(db, list)
    assert all(isinstance(r, HyperParameterOccurrence) for r in db)
    assert [(r.name, int(r.priority)) for r in db] == [
        ("lr", 1), ("lr", 1), ("opt", 1), ("model.depth", 1), ("model.width", 1), ("opt", 2), ("model.width", 3)]
    assert [r.lineno for r in db if r.priority == 1] == [1, 2, 3, 4, 5]


def test_db_select_and_item_access_as_in_the_seed():
    db = _db_manager().db
    rows = db.select(lambda row: row.name == "opt")
    assert isinstance(rows, HyperParameterDB)
    parsed = [r for r in rows if r["hints"]]
    assert len(parsed) == 1
    assert parsed[0]["hints"]["choices"] == ["adam", "sgd"]
    assert parsed[0]["value"] == "adam"


def test_db_helpers():
    db = _db_manager().db
    assert db.count(L.of_name("lr")) == 2
    assert db.count(L.has_default_value) == 5
    assert db.find_first(L.of_name("model.width")).priority == P.PRIORITY_PARSED_FROM_SOURCE_CODE
    assert db.find_first(L.of_name("nothing")) is None
    groups = db.group_by("name")
    assert set(groups) == {"lr", "opt", "model.depth", "model.width"}
    assert all(isinstance(g, HyperParameterDB) for g in groups.values())
    assert len(groups["opt"]) == 2
    by_priority = db.sorted(L.value_priority)
    assert by_priority[0].priority == P.PRIORITY_SET_FROM_SETTER
    assert [r.name for r in db.sorted(L.order_by("name"))][:2] == ["lr", "lr"]
    assert [r.name for r in db.sorted(L.order_by("name"), reverse=True)][:2] == ["opt", "opt"]
    assert db.indexing(0).name == "lr"
    assert [r.name for r in db.indexing([2, 3])] == ["opt", "model.depth"]
    with pytest.raises(IndexError):
        db.indexing("x")
    assert db.extract_column("name")[:3] == ["lr", "lr", "opt"]
    cols = db.choose_columns("name", "priority")
    assert cols[0]["name"] == "lr" and cols[0]["priority"] == 1
    assert db.any(L.of_value(64)) and not db.all(L.of_value(64))
    assert not db.empty() and HyperParameterDB().empty()
    assert db.copy() == db and db.copy() is not db
    assert db.reduce(lambda acc, r: acc + 1, 0) == len(db)
    assert db.reduce(lambda acc, r: r).name == db[-1].name
    with pytest.raises(ValueError):
        HyperParameterDB().reduce(lambda a, b: a)


def test_lambda_helpers():
    db = _db_manager().db
    assert db.count(L.of_name_prefix("model.")) == 3
    assert db.count(L.of_name_suffix("th")) == 3
    assert db.count(L.of_priority(P.PRIORITY_SET_FROM_CALLABLE)) == 1
    assert db.count(L.exist_attr("filename")) == 5
    assert db.count(L.land(L.of_name("lr"), L.has_default_value)) == 1
    assert db.count(L.lor(L.of_name("lr"), L.of_name("opt"))) == 4
    assert db.count(L.lnot(L.of_name("lr"))) == len(db) - 2
    copy = db.copy()
    copy.apply(L.apply_column("name", str.upper))
    assert copy[0].name == "LR"


def test_db_is_a_snapshot():
    m = _db_manager()
    db = m.db
    db.clear()
    assert len(m.db) == 7


def test_hints_example_snippet_as_in_the_seed():
    _ = HyperParameterManager("_")
    _.parse_source("_('optimizer', 'adam', choices=['adam', 'sgd'])\n_('optimizer')\n")
    occurrences = _.db.select(lambda row: row.name == 'optimizer')
    oc = [oc for oc in occurrences if oc['hints'] is not None][0]
    assert oc['hints']['choices'] == ['adam', 'sgd']
    assert oc['value'] == 'adam'


def test_db_push_occurrence_as_in_0_10():
    db = HyperParameterDB()
    rows = [("v10", 0, 1), ("v11", 1, 1), ("v11", None, 1), ("v13", None, 1),
            ("v21", 1, 2), ("v21", 2, 2), ("v22", 3, 2), ("v31", 1, 3), ("v31", 2, 3)]
    for name, value, priority in rows:
        kw = {} if value is None else {"value": value}
        db.push_occurrence(HyperParameterOccurrence(name=name, priority=P(priority), **kw))
    # runtime and setter rows replace the earlier row of their name and priority
    assert [(r.name, r["value"] if r.has_default_value else None) for r in db] == [
        ("v10", 0), ("v11", 1), ("v11", None), ("v13", None), ("v21", 2), ("v22", 3), ("v31", 2)]
    assert [r.index for r in db] == [0, 1, 2, 3, 4, 5, 6]
    assert db.count(L.has_default_value) == 5
    assert len(db.group_by("value")) == 5     # 0, 1, 2, 3 and the one shared "no value"
    helper = SourceHelper("_('v10', 5)")
    with pytest.raises(DoubleAssignmentException) as err:
        db.push_occurrence(HyperParameterOccurrence(name="v10", value=5, priority=P(1), filename="f.py", lineno=1),
                           source_helper=helper)
    assert str(err.value).endswith("Second occurrence:\nf.py:1\n==> 1: _('v10', 5)\n")
    assert len(db) == 7
    db.push_occurrence(HyperParameterOccurrence(name="v10", priority=P(1)))   # a use is fine
    assert len(db) == 8 and db[-1].index == 7


def test_rows_of_one_file_share_its_source_helper():
    # A file's lines are held once, not once per row: 0.13 shared one helper per parse, and a
    # file with 20,000 uses would otherwise hold 20,000 copies of its lines.
    m = HyperParameterManager("_")
    m.parse_source("_('lr', 0.1)\n" + "_('lr')\n" * 2000, "big.py")
    m.parse_source("_('other', 1)\n_('lr')\n", "small.py")
    rows = m.db
    assert len(rows) == 2003
    helpers = {r.filename: set() for r in rows}
    for r in rows:
        helpers[r.filename].add(id(r.source_helper))
    assert {name: len(ids) for name, ids in helpers.items()} == {"big.py": 1, "small.py": 1}
    node = m.get_nodes()[0]
    assert len({id(o.source_helper) for o in node.db if o.filename == "big.py"}) == 1
    assert node.db[0].source_helper.lines[0] == "_('lr', 0.1)"


def test_rows_missing_a_field_the_0_10_api_allows():
    # rows may be made without any field (choose_columns keeps only some): the queries and
    # messages that read a missing one say so, or treat it as absent, instead of crashing
    nameless = HyperParameterDB([occ("a.b", 1, P.PRIORITY_SET_FROM_SETTER)]).choose_columns("value")
    assert nameless[0].name is None
    assert nameless.count(L.of_name_prefix("a.")) == 0 and nameless.count(L.of_name_suffix("b")) == 0
    with pytest.raises(TypeError, match="occurrence of `a` has no priority"):
        HyperParamNode("a").push(HyperParameterOccurrence(name="a", value=1))
    with pytest.raises(TypeError, match="needs a name"):
        HyperParamTree().push_occurrence(HyperParameterOccurrence(value=1, priority=P.PRIORITY_SET_FROM_SETTER))
    # a row with its file's text but no line: its context is the file's first line
    row = occ("a", 1, filename="f.py", source_helper=SourceHelper("_('a', 1)\nx = 2"))
    assert HyperParamNode.format_occurrence(row) == "f.py:1\n==> 1: _('a', 1)\n    2: x = 2"
