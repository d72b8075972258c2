"""The custom protocol of the tree view: `hpman/tree` and `hpman/treeChanged`."""
from typing import Any, Dict, Optional, Set

from hpman.index import queries
from hpman.index.workspace import Key

from .diagnostics import SEVERITY
from .host import Host
from .protocol import Plain

TREE = "hpman/tree"


def node_dict(ls: Host, node: queries.TreeNode, manager: str = "_") -> Dict[str, object]:
    return {
        "name": node.name,
        "label": node.label,
        "kind": node.kind,
        "value": node.value,
        "type": node.type,
        "origin": queries.value_origin(ls.index, (manager, node.name)) if node.has_value else None,
        "defaultValue": node.default.default_text if node.default else None,
        "default": ls.location_dict(node.default.path, node.default.name_range) if node.default else None,
        "occurrences": [ls.location_dict(o.path, o.name_range) for o in node.occurrences],
        "problems": node.problems,
        # the worst of its own problems as an LSP DiagnosticSeverity (1 error, 2 warning,
        # 3 information), null without problems; and the problems, worst first (for a tooltip)
        "severity": _severity(node.severity),
        "messages": [{"severity": _severity(p.severity), "code": p.code, "message": p.message}
                     for p in node.messages],
        "children": [node_dict(ls, child, manager) for child in queries.children_of(node)],
    }


def _severity(name: Optional[str]) -> Optional[int]:
    return SEVERITY[name].value if name in SEVERITY else None


def tree(ls: Host) -> Dict[str, object]:
    """Every manager's names; a name still being typed in an open document is left out."""
    typed: Set[Key] = set()
    for path in ls.documents.cursor:
        typed |= ls.publisher.typed(path)
    return {"managers": [{"name": manager,
                          "nodes": [node_dict(ls, n, manager) for n in queries.name_tree(ls.index, manager, typed)]}
                         for manager in ls.index.managers() if not _only_typed(ls, manager, typed)]}


def _only_typed(ls: Host, manager: str, typed: Set[Key]) -> bool:
    return all((manager, name) in typed for name in ls.index.names(manager))


def register(ls: Host) -> None:
    @ls.request(TREE, empty={"managers": []})
    def hpman_tree(params: Any) -> Plain:
        # the request's params are the client's raw JSON, unused (not `object`: pygls would take a
        # first parameter annotated with a base class of the server for the server itself)
        return Plain(tree(ls))
