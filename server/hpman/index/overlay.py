"""The values file as the index sees it: each key with its position, each value as an overlay.

The file is read by the core format (`hpman.values`): whatever `--hp-save`
writes (tuples, sets, complex numbers, bytes, NaN, in YAML, JSON or pickle)
gives here the values `--hp-load` would load. Keys keep their positions for
hovers, renames and diagnostics. Both nested trees and flat dotted keys are
accepted; a mapping annotated with `__is_dict__: true` is one dict value, and a
tree whose name is itself a hyperparameter is that hyperparameter's dict value
(see `trees`). An entry that does not decode is an error at its key; the
other entries still count.
"""
from __future__ import annotations  # yaml is imported only when a values file is read

from typing import Any, Dict, List, Optional, Tuple

from ..values.safeio import ValuesError, read_regular
from .positions import Range

Error = Tuple[str, Range]
NO_RANGE: Range = (0, 0, 0, 0)


class ValueEntry:
    __slots__ = ("name", "value", "key_range", "key_text", "parent")

    def __init__(self, name: str, value: Any, key_range: Range, key_text: str, parent: str) -> None:
        self.name = name            # full dotted name
        self.value = value
        self.key_range = key_range  # range of the key as written
        self.key_text = key_text    # the key as written (a dotted key or one level of a tree)
        self.parent = parent        # dotted name of the enclosing tree ("" at the top)


class ValuesFile:
    """The entries of one values file, and the errors met reading it."""

    def __init__(self, path: str, text: str, entries: List[ValueEntry], error: Optional[Error],
                 trees: Optional[Dict[str, ValueEntry]] = None, errors: Optional[List[Error]] = None) -> None:
        self.path = path
        self.text = text
        self.entries = entries
        self.errors: List[Error] = list(errors) if errors else ([error] if error is not None else [])
        self.error = self.errors[0] if self.errors else None
        self.by_name: Dict[str, ValueEntry] = {e.name: e for e in entries}
        self.trees: Dict[str, ValueEntry] = trees or {}   # dotted name of a tree -> its whole value
        self.record: Optional[Dict[str, Any]] = None      # record.json of a run record (hpman.records)

    @classmethod
    def load(cls, path: str, text: Optional[str] = None) -> "ValuesFile":
        from ..values.store import format_of
        if text is None:
            try:
                data = read_regular(path)
            except ValuesError as exc:
                return cls(path, "", [], (_unnamed(str(exc), path), NO_RANGE))
            if format_of(path) == "pickle" or data[:1] == b"\x80":
                return cls.from_data(path, data)
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                return cls(path, "", [], ("cannot read values file: not UTF-8 text ({})".format(exc.reason), NO_RANGE))
        return cls.parse(path, text)

    @classmethod
    def from_data(cls, path: str, data: bytes) -> "ValuesFile":
        """A binary (pickled) values file: its entries, without positions."""
        from ..values.store import loads
        try:
            loaded = loads(data, "pickle", path)
        except ValuesError as exc:
            return cls(path, "", [], (_unnamed(str(exc), path), NO_RANGE))
        if not isinstance(loaded, dict):
            return cls(path, "", [], ("a values file is a mapping of names to values", NO_RANGE))
        entries: List[ValueEntry] = []
        trees: Dict[str, ValueEntry] = {}
        stack = [(loaded, "")]
        while stack:
            mapping, prefix = stack.pop()
            for key, value in mapping.items():
                name = "{}.{}".format(prefix, key) if prefix else str(key)
                entry = ValueEntry(name, value, NO_RANGE, str(key), prefix)
                if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
                    trees[name] = entry
                    stack.append((value, name))
                else:
                    entries.append(entry)
        return cls(path, "", entries, None, trees)

    @classmethod
    def parse(cls, path: str, text: str) -> "ValuesFile":
        import yaml

        from ..values import yamlfmt
        from ..values.store import format_of
        try:
            node = yamlfmt.compose(text, path)
        except ValuesError as exc:
            return cls(path, text, [], _compose_error(text, path, str(exc)))
        if node is None:
            return cls(path, text, [], None)
        if not isinstance(node, yaml.MappingNode):
            return cls(path, text, [], ("a values file is a mapping of names to values", _range(node)))
        walker = _Walker(path, format_of(path) == "json")
        walker.walk(node, "")
        return cls(path, text, walker.entries, None, walker.trees, walker.errors)


def _unnamed(message: str, path: str) -> str:
    """A core message without the file name (the diagnostic sits in that file)."""
    return message.replace(" `{}`".format(path), "", 1)


def _at_key(message: str, path: str, name: str) -> str:
    """"`lr`: the YAML tag ... is not plain data": a core message as a diagnostic at its key."""
    import re
    found = re.match(r"(?:refusing to load|cannot read) `.*?`(?: \(line \d+, key `.*?`\))?: (.*)$",
                     message.replace("`{}`".format(path), "`file`", 1))
    return "`{}`: {}".format(name, found.group(1) if found else _unnamed(message, path))


def _compose_error(text: str, path: str, message: str) -> Error:
    """Where a YAML parse error is: the composer's own mark, found again for a range."""
    import re

    import yaml
    line = col = 0
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            line, col = mark.line, mark.column
        reason = exc.problem or exc.context or str(exc).splitlines()[0]
        return "invalid YAML: {}".format(reason), (line, col, line, col + 1)
    except (yaml.YAMLError, RecursionError):
        pass
    found = re.search(r"\(line (\d+)", message)
    if found:
        line = int(found.group(1)) - 1
    return _unnamed(message, path), (line, 0, line, 1)


def _range(node: Any) -> Range:
    s, e = node.start_mark, node.end_mark
    return (s.line, s.column, e.line, e.column)


class _Walker:
    """Walks the mapping nodes of a document into entries, one error per undecodable entry."""

    def __init__(self, path: str, json_file: bool) -> None:
        from ..values import yamlfmt
        self.path = path
        self.json_file = json_file
        self.loader = yamlfmt.Loader("")
        self.entries: List[ValueEntry] = []
        self.trees: Dict[str, ValueEntry] = {}
        self.errors: List[Error] = []

    def value(self, node: Any, name: str) -> Any:
        from ..values import jsonfmt, yamlfmt
        from ..values.store import check_data
        data = yamlfmt.construct(self.loader, node, self.path, name)
        if self.json_file:
            data = jsonfmt.from_json_data(data)
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != yamlfmt.DICT_ANNOTATION}
        return check_data(data, self.path)

    def is_tree(self, node: Any) -> bool:
        from ..values import jsonfmt, yamlfmt
        if not yamlfmt.is_tree(node):
            return False
        if self.json_file and len(node.value) == 1:
            key = node.value[0][0]
            return getattr(key, "value", None) not in jsonfmt.WRAPPERS
        return True

    def walk(self, node: Any, prefix: str) -> None:
        import yaml

        from ..values import yamlfmt
        for key, value in node.value:
            key_text = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            if key_text == yamlfmt.DICT_ANNOTATION:
                continue
            name = prefix + "." + key_text if prefix else key_text
            if self.is_tree(value):
                try:
                    whole = self.value(value, name)
                except ValuesError:
                    whole = None   # the bad entry inside is reported at its own key
                if whole is not None:
                    self.trees[name] = ValueEntry(name, whole, _range(key), key_text, prefix)
                self.walk(value, name)
                continue
            try:
                data = self.value(value, name)
            except ValuesError as exc:
                self.errors.append((_at_key(str(exc), self.path, name), _range(key)))
                continue
            self.entries.append(ValueEntry(name, data, _range(key), key_text, prefix))
