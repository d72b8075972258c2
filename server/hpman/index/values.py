"""YAML values files (the format `--hp-save` writes): keys with positions, values as an overlay.

Both nested trees and flat dotted keys are accepted; a mapping annotated with
`__is_dict__: true` is one dict value. Only yaml's safe loader is used.
"""
from __future__ import annotations  # yaml is imported only when a values file is read

from typing import Any, Dict, List, Optional, Tuple

from .files import read_bytes
from .positions import Range

DICT_ANNOTATION = "__is_dict__"


class ValueEntry:
    __slots__ = ("name", "value", "key_range", "key_text", "parent")

    def __init__(self, name: str, value: Any, key_range: Range, key_text: str, parent: str) -> None:
        self.name = name            # full dotted name
        self.value = value
        self.key_range = key_range  # range of the key as written
        self.key_text = key_text    # the key as written (a dotted key or one level of a tree)
        self.parent = parent        # dotted name of the enclosing tree ("" at the top)


class ValuesFile:
    """The entries of one values file, or the error that stopped reading it."""

    def __init__(self, path: str, text: str, entries: List[ValueEntry], error: Optional[Tuple[str, Range]]) -> None:
        self.path = path
        self.text = text
        self.entries = entries
        self.error = error
        self.by_name: Dict[str, ValueEntry] = {e.name: e for e in entries}

    @classmethod
    def load(cls, path: str, text: Optional[str] = None) -> "ValuesFile":
        if text is None:
            try:
                text = read_bytes(path).decode("utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                return cls(path, "", [], ("cannot read values file: {}".format(exc), (0, 0, 0, 0)))
        return cls.parse(path, text)

    @classmethod
    def parse(cls, path: str, text: str) -> "ValuesFile":
        import yaml
        entries: List[ValueEntry] = []
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            if node is not None and not isinstance(node, yaml.MappingNode):
                return cls(path, text, [], ("a values file is a mapping of names to values", _range(node)))
            if node is not None:
                problem = _alias_problem(node)
                if problem is not None:
                    return cls(path, text, [], problem)
                _walk(node, "", entries)
        except yaml.YAMLError as exc:
            return cls(path, text, [], _yaml_error(exc))
        except RecursionError:
            return cls(path, text, [], ("the YAML is nested too deeply to read", (0, 0, 0, 1)))
        return cls(path, text, entries, None)


def yaml_error_message(exc: yaml.YAMLError) -> str:
    """One line saying what is wrong, without yaml's multi-line excerpt."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return "invalid YAML: {}".format(problem)


def _yaml_error(exc: yaml.YAMLError) -> Tuple[str, Range]:
    mark = getattr(exc, "problem_mark", None)
    line, col = (mark.line, mark.column) if mark is not None else (0, 0)
    return yaml_error_message(exc), (line, col, line, col + 1)


def _range(node: yaml.Node) -> Range:
    s, e = node.start_mark, node.end_mark
    return (s.line, s.column, e.line, e.column)


def _constructor() -> yaml.constructor.SafeConstructor:
    import yaml
    return yaml.constructor.SafeConstructor()


def _is_dict_value(node: yaml.MappingNode) -> bool:
    import yaml
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == DICT_ANNOTATION:
            return str(value.value).lower() in ("true", "yes", "on", "1")
    return False


MAX_EXPANDED_NODES = 200000


def _alias_problem(root: yaml.Node) -> Optional[Tuple[str, Range]]:
    """YAML aliases share nodes: a recursive alias, or aliases of aliases that expand to an
    enormous document ("billion laughs"), would hang or crash everything that walks or prints
    the values. Count the nodes as expanded (shared ones once per use, memoised)."""
    import yaml
    sizes: Dict[int, int] = {}
    active = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else node.value
        if done:
            active.discard(key)
            total = 1 + sum(sizes[id(c)] for c in children)
            if total > MAX_EXPANDED_NODES:
                return ("the values file expands to more than {:,} YAML nodes through aliases; not read"
                        .format(MAX_EXPANDED_NODES), _range(node))
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in active:
            return ("a YAML alias refers to a node that contains it (a recursive value); not read", _range(node))
        active.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in active:
                return ("a YAML alias refers to a node that contains it (a recursive value); not read",
                        _range(child))
            if id(child) not in sizes:
                stack.append((child, False))
    return None


def _walk(node: yaml.MappingNode, prefix: str, out: List[ValueEntry]) -> None:
    import yaml
    for key, value in node.value:
        key_text = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
        if key_text == DICT_ANNOTATION:
            continue
        name = prefix + "." + key_text if prefix else key_text
        if isinstance(value, yaml.MappingNode) and not _is_dict_value(value):
            _walk(value, name, out)
            continue
        data = _constructor().construct_object(value, deep=True)
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != DICT_ANNOTATION}
        out.append(ValueEntry(name, data, _range(key), key_text, prefix))
