"""The custom protocol of the tree view (SPEC §E): `hpman/tree` and `hpman/treeChanged`."""
from typing import Any, Dict

from hpman.index import queries

from .server import Plain

TREE = "hpman/tree"


def node_dict(ls, node: queries.TreeNode, manager: str = "_") -> Dict[str, Any]:
    return {
        "name": node.name,
        "label": node.label,
        "kind": node.kind,
        "value": node.value,
        "type": node.type,
        "origin": queries.value_origin(ls.ws, (manager, node.name)) if node.has_value else None,
        "defaultValue": node.default.default_text if node.default else None,
        "default": ls.location_dict(node.default.path, node.default.name_range) if node.default else None,
        "occurrences": [ls.location_dict(o.path, o.name_range) for o in node.occurrences],
        "problems": node.problems,
        "children": [node_dict(ls, child, manager) for child in queries.children_of(node)],
    }


def tree(ls) -> Dict[str, Any]:
    return {"managers": [{"name": manager, "nodes": [node_dict(ls, n, manager) for n in queries.name_tree(ls.ws, manager)]}
                         for manager in ls.ws.managers()]}


def register(ls) -> None:
    @ls.request(TREE, empty={"managers": []})
    def hpman_tree(params) -> Plain:
        return Plain(tree(ls))
