"""YAML values files: PyYAML's safe loader plus exactly the tags of plain data.

A tuple is a sequence tagged `!!python/tuple`, a complex number a scalar tagged
`!!python/complex` (the tags PyYAML's own dumper writes, so hpargparse 0.14's
files load), a set YAML's `!!set`, bytes `!!binary`. Every other tag,
`!!python/object...` included, is refused: a values file never runs code.

Reading composes the document first and then builds each key's value on its
own, so that an error (a refused tag, an integer of more digits than Python
reads) names the key and line it is on.
"""
from typing import AbstractSet, Any, Dict, Iterator, Optional, Tuple, cast

import yaml

from .marks import reason_of, shorten, sorted_items
from .safeio import ValuesError

TUPLE_TAG = "tag:yaml.org,2002:python/tuple"
COMPLEX_TAG = "tag:yaml.org,2002:python/complex"
MAP_TAG = "tag:yaml.org,2002:map"
DICT_ANNOTATION = "__is_dict__"
MAX_EXPANDED_NODES = 200000
TOO_DEEP = "it is nested too deeply to read"


class Dumper(yaml.SafeDumper):
    """SafeDumper that also writes tuples and complex numbers (as tags `Loader` reads back)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a values file is read by people: no &anchors / *aliases


def _represent_tuple(dumper: Dumper, data: Tuple[Any, ...]) -> yaml.Node:
    return dumper.represent_sequence(TUPLE_TAG, list(data), flow_style=True)


def _represent_complex(dumper: Dumper, data: complex) -> yaml.Node:
    return dumper.represent_scalar(COMPLEX_TAG, repr(data).strip("()"))


def _represent_set(dumper: Dumper, data: AbstractSet[Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:set", {k: None for k in sorted_items(data)})


def _represent_str(dumper: Dumper, data: str) -> yaml.Node:
    # PyYAML writes NEL / line and paragraph separators unquoted and reads them back as
    # spaces; double quotes escape them.
    style = '"' if any(ch in data for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


Dumper.add_representer(str, _represent_str)
Dumper.add_representer(tuple, _represent_tuple)
Dumper.add_representer(set, _represent_set)
Dumper.add_representer(frozenset, _represent_set)
Dumper.add_representer(complex, _represent_complex)


class RefusedTag(yaml.YAMLError):
    def __init__(self, tag: str, mark: Any) -> None:
        super().__init__(tag)
        self.tag = tag
        self.mark = mark


class Loader(yaml.SafeLoader):
    """SafeLoader plus the two plain-data tags `Dumper` writes; every other tag is refused."""

    def construct_undefined(self, node: yaml.Node) -> Any:
        raise RefusedTag(node.tag, node.start_mark)


def _construct_tuple(loader: Loader, node: yaml.Node) -> Tuple[Any, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise RefusedTag(node.tag + " on a non-sequence", node.start_mark)
    return tuple(loader.construct_sequence(node, deep=True))


def _construct_complex(loader: Loader, node: yaml.Node) -> complex:
    text = loader.construct_scalar(cast(yaml.ScalarNode, node))   # it refuses other nodes itself
    try:
        return complex(str(text).replace(" ", ""))
    except ValueError:
        raise yaml.constructor.ConstructorError(None, None, "invalid complex number {!r}".format(text),
                                                node.start_mark) from None


Loader.add_constructor(TUPLE_TAG, _construct_tuple)
Loader.add_constructor(COMPLEX_TAG, _construct_complex)
Loader.add_constructor(None, Loader.construct_undefined)


def yaml_text(values: Dict[str, Any]) -> str:
    """YAML for a mapping of literal values, keys in the given order, lines never wrapped."""
    return yaml.dump(dict(values), Dumper=Dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=2 ** 30)


def line_of(mark: Any) -> str:
    return " (line {})".format(mark.line + 1) if mark is not None else ""


def where(mark: Any, name: str) -> str:
    """` (line 3, key `lr`)`: where in a file a value is."""
    return " (line {}, key `{}`)".format(mark.line + 1, name) if mark is not None else " (key `{}`)".format(name)


def compose(text: str, path: str) -> Optional[yaml.Node]:
    """The document's node tree (None when empty); a ValuesError for YAML that does not parse
    or whose aliases make a recursive or enormous value."""
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = " (line {}, column {})".format(mark.line + 1, mark.column + 1) if mark is not None else ""
        raise ValuesError("cannot parse `{}` as YAML{}: {}".format(
            path, where, shorten(exc.problem or exc.context or exc))) from None
    except RecursionError:
        raise ValuesError("cannot parse `{}` as YAML: {}".format(path, TOO_DEEP)) from None
    except yaml.YAMLError as exc:
        raise ValuesError("cannot parse `{}` as YAML: {}".format(path, shorten(exc) or type(exc).__name__)) from None
    if root is not None:
        problem = alias_problem(root)
        if problem is not None:
            raise ValuesError("refusing to load `{}`{}: {}".format(path, line_of(problem[1].start_mark), problem[0]))
    return root


def alias_problem(root: yaml.Node) -> Optional[Tuple[str, yaml.Node]]:
    """YAML aliases share nodes: a recursive alias, or aliases of aliases that expand to an
    enormous document ("billion laughs"), would hang or crash everything that walks or prints
    the values. Count the nodes as expanded (shared ones once per use, memoised)."""
    recursive = "a YAML alias refers to a node that contains it (a recursive value)"
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
                return ("it expands to more than {:,} YAML nodes through aliases".format(MAX_EXPANDED_NODES), node)
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in active:
            return recursive, node
        active.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in active:
                return recursive, child
            if id(child) not in sizes:
                stack.append((child, False))
    return None


_BUILD_ERRORS = (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError, MemoryError)


def _build(loader: Loader, node: yaml.Node) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except BaseException:
        # a failed construction leaves its nodes marked as in progress: forget them, so that the
        # loader builds the next key's value afresh (else "found unconstructable recursive node")
        loader.constructed_objects, loader.recursive_objects, loader.state_generators = {}, {}, []
        loader.deep_construct = False
        raise


def construct(loader: Loader, node: yaml.Node, path: str, name: str) -> Any:
    """The value of one node; a ValuesError naming the file, the key and the line otherwise."""
    try:
        return _build(loader, node)
    except RefusedTag as exc:
        raise ValuesError("refusing to load `{}`{}: the YAML tag `{}` is not plain data (only mappings, "
                          "sequences, sets, tuples, strings, bytes, numbers, booleans and null are allowed)"
                          .format(path, where(exc.mark, name), exc.tag)) from None
    except _BUILD_ERRORS as exc:
        reason = TOO_DEEP if isinstance(exc, RecursionError) else reason_of(exc)
        at = where(node.start_mark, name)
        raise ValuesError("cannot read `{}`{}: {}".format(path, at, reason)) from None


def is_tree(node: yaml.Node) -> bool:
    """A plain mapping (not tagged `!!set` or annotated as one dict value): a level of names."""
    if not isinstance(node, yaml.MappingNode) or node.tag != MAP_TAG:
        return False
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == DICT_ANNOTATION:
            return str(value.value).lower() not in ("true", "yes", "on", "1")
    return True


def key_text(loader: Loader, key: yaml.Node, path: str, prefix: str) -> Any:
    """A mapping key as loaded (`1:` is the int 1), errors named by the enclosing tree."""
    if isinstance(key, yaml.ScalarNode):
        return construct(loader, key, path, prefix + "." + key.value if prefix else key.value)
    return construct(loader, key, path, prefix or "(top)")


def items(loader: Loader, node: yaml.MappingNode, path: str, prefix: str) -> Iterator[Tuple[Any, yaml.Node, yaml.Node]]:
    """(loaded key, key node, value node) for each entry of a mapping, the annotation left out."""
    for key_node, value_node in node.value:
        key = key_text(loader, key_node, path, prefix)
        if key == DICT_ANNOTATION:
            continue
        yield key, key_node, value_node


def _tree(loader: Loader, node: yaml.Node, path: str, prefix: str) -> Any:
    if not is_tree(node):
        value = construct(loader, node, path, prefix or "(top)")
        if isinstance(value, dict):
            value.pop(DICT_ANNOTATION, None)
        return value
    assert isinstance(node, yaml.MappingNode)   # is_tree said so
    out = {}
    for key, _key_node, value_node in items(loader, node, path, prefix):
        name = "{}.{}".format(prefix, key) if prefix else str(key)
        out[key] = _tree(loader, value_node, path, name)
    return out


def read_yaml(text: str, path: str) -> Any:
    """The data of a YAML values file (None when empty); ValuesError naming file, key and line."""
    root = compose(text, path)
    if root is None:
        return None
    try:
        return _tree(Loader(""), root, path, "")
    except TypeError as exc:   # an unhashable key (`? [1, 2]`) in a tree
        raise ValuesError("cannot read `{}`: {}".format(path, shorten(exc))) from None
