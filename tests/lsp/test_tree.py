"""The custom protocol, exactly as the client expects it: `hpman/tree` and `hpman/treeChanged`."""
from lsprotocol import types as T

NODE_KEYS = {"name", "label", "kind", "value", "type", "origin", "defaultValue", "default", "occurrences", "problems",
             "severity", "messages",
             "children"}


def plain(obj):
    """The JSON the server sent (pygls hands custom results over as namedtuples)."""
    if hasattr(obj, "_asdict"):
        return {k: plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


async def get_tree(s):
    return plain(await s.client.protocol.send_request_async("hpman/tree", {}))


def loc(s, name, needle, occurrence=0):
    r = s.range_of(name, needle, occurrence=occurrence)
    return {"uri": s.uri(name), "range": {"start": {"line": r.start.line, "character": r.start.character},
                                          "end": {"line": r.end.line, "character": r.end.character}}}


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node["children"])


async def test_tree_has_the_specified_shape(start):
    s = await start()
    tree = await get_tree(s)
    assert list(tree) == ["managers"]
    assert [m["name"] for m in tree["managers"]] == ["_", "hp"]
    under = {m["name"]: m["nodes"] for m in tree["managers"]}
    for node in walk(under["_"] + under["hp"]):
        assert set(node) == NODE_KEYS
        assert node["kind"] == ("branch" if node["children"] else "leaf")
    top = [n["name"] for n in under["_"]]
    assert top == sorted(top) and "model" in top and "lr" in top
    assert "hello.world" not in top and "not" not in top       # gettext / shadowed calls are not names

    model = next(n for n in under["_"] if n["name"] == "model")
    assert {k: model[k] for k in ("name", "label", "kind", "value", "default", "occurrences", "problems")} == {
        "name": "model", "label": "model", "kind": "branch", "value": None, "default": None,
        "occurrences": [], "problems": 0}
    depth = model["children"][0]
    assert depth == {
        "name": "model.depth", "label": "depth", "kind": "leaf", "value": "4", "type": "int",
        "origin": None, "defaultValue": "4", "default": loc(s, "model.py", "'model.depth'"),
        "occurrences": [loc(s, "model.py", "'model.depth'", 0), loc(s, "model.py", "'model.depth'", 1)],
        "problems": 0, "severity": None, "messages": [], "children": []}
    assert [c["name"] for c in model["children"]] == ["model.depth", "model.width"]

    hp_nodes = {n["name"]: n for n in under["hp"]}
    assert set(hp_nodes) == {"lr", "seed"}
    assert hp_nodes["lr"]["value"] == "0.01" and hp_nodes["lr"]["type"] == "float"


async def test_tree_conflicts_problems_and_names_without_defaults(start):
    s = await start()
    nodes = {n["name"]: n for n in walk((await get_tree(s))["managers"][0]["nodes"])}
    opt = nodes["opt"]      # a value and a prefix at once: a branch that also has a value
    assert opt["kind"] == "branch" and opt["value"] == "'adam'" and opt["type"] == "str"
    assert opt["problems"] == 1 and [c["name"] for c in opt["children"]] == ["opt.momentum"]
    assert nodes["opt.momentum"]["problems"] == 1
    assert nodes["dropout"]["problems"] == 2                  # a duplicate default, reported in two places
    epochz = nodes["epochz"]
    assert epochz["value"] is None and epochz["default"] is None and epochz["problems"] == 1
    assert epochz["severity"] == T.DiagnosticSeverity.Warning.value and epochz["messages"] == [
        {"severity": 2, "code": "no-default", "message": "`epochz` has no default value anywhere; did you mean `epochs`?"}]
    assert epochz["occurrences"] == [loc(s, "problems.py", "'epochz'")]
    assert nodes["computed"]["value"] == "int('3')"
    # only information: the icon must not say warning, and the tooltip says what it is
    assert nodes["computed"]["severity"] == T.DiagnosticSeverity.Information.value
    assert nodes["computed"]["messages"] == [{"severity": 3, "code": "non-literal-default", "message":
        "the default of `computed` is not a literal: it cannot be saved or set from the command line"}]
    assert nodes["lr"]["default"] == loc(s, "model.py", "'lr'")
    assert len(nodes["lr"]["occurrences"]) == 3


async def test_tree_values_come_from_the_values_file(start):
    s = await start(settings={"valuesFile": "values.yaml"})
    nodes = {n["name"]: n for n in walk((await get_tree(s))["managers"][0]["nodes"])}
    assert nodes["lr"]["value"] == "0.05" and nodes["model.depth"]["value"] == "8"


async def test_tree_changed_is_notified_after_every_index_change(start, workspace):
    s = await start()
    await s.until(lambda: s.tree_changed >= 1, what="treeChanged after the initial index")
    assert s.tree_changed_params == [None] * s.tree_changed      # no params
    count = s.tree_changed
    s.open("model.py")
    s.replace("model.py", s.range_of("model.py", "256"), "512")
    await s.until(lambda: s.tree_changed > count, what="treeChanged after an edit")
    nodes = {n["name"]: n for n in walk((await get_tree(s))["managers"][0]["nodes"])}
    assert nodes["model.width"]["value"] == "512"

    count = s.tree_changed
    s.replace("model.py", s.range_of("model.py", "'optimizer'"), "'optimizer2'")
    await s.until(lambda: s.tree_changed > count, what="treeChanged after a rename by typing")
    nodes = {n["name"]: n for n in walk((await get_tree(s))["managers"][0]["nodes"])}
    assert "optimizer2" in nodes and "optimizer" not in nodes

    count = s.tree_changed
    (workspace / "extra.py").write_text("from hpman.m import _\ne = _('extra', True)\n", encoding="utf-8")
    s.disk_changed("extra.py", T.FileChangeType.Created)
    await s.until(lambda: s.tree_changed > count, what="treeChanged after a file appeared")
    nodes = {n["name"]: n for n in walk((await get_tree(s))["managers"][0]["nodes"])}
    assert nodes["extra"]["value"] == "True" and nodes["extra"]["type"] == "bool"


async def test_tree_locations_use_the_negotiated_encoding(start):
    s = await start(encodings=["utf-8"])
    nodes = {n["name"]: n for n in walk((await get_tree(s))["managers"][0]["nodes"])}
    assert nodes["batch_size"]["default"] == loc(s, "train.py", "'batch_size'")
