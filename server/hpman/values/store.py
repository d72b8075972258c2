"""A values file as a whole: its format, its bytes, its data.

`save` and `load` are what `--hp-save`/`--hp-load`, `%hpman save/load`,
`hpman check/list --values` and the editor's values overlay go through, so
that whatever one of them saves every other reads, with the same values.
Formats: YAML (`.yaml`, `.yml`), JSON (`.json`) and pickle (`.pickle`,
`.pkl`); see `yamlfmt`, `jsonfmt` and `picklefmt`. Every error is a
`ValuesError` with one line naming the file (and the key, when there is one).
"""
import os
from typing import Any, Dict, List, Optional, Tuple

from .jsonfmt import json_text, parse_json
from .literals import is_literal, kind_of, plain
from .marks import Unreadable, shorten
from .picklefmt import RefusedGlobal, parse_pickle, pickle_bytes
from .safeio import MAX_BYTES, ValuesError, read_regular, write_atomic
from .yamlfmt import read_yaml, yaml_text

FORMATS = ("yaml", "json", "pickle")
FORMAT_CHOICES = ("auto",) + FORMATS
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".pickle": "pickle", ".pkl": "pickle"}
MAX_LOADED_ITEMS = 200000


class UnknownExtension(ValuesError):
    """Saving to a path whose extension names no format (hpargparse 0.14 raised ValueError)."""

    def __init__(self, path: str, ext: str) -> None:
        super().__init__("cannot tell the format of `{}` from its extension (use {}, or choose one with the "
                         "serial format option)".format(path, ", ".join(sorted(EXTENSIONS))))
        self.path = path
        self.ext = ext

    def as_value_error(self) -> ValueError:
        """The ValueError hpargparse 0.14 raised, with its two arguments."""
        supported = ", ".join("`{}`".format(e) for e in sorted(EXTENSIONS))
        return ValueError("Unsupported file extension: {} of path {}".format(self.ext, self.path),
                          "Supported file extensions: {}".format(supported))


def check_format(serial_format: str) -> str:
    if serial_format not in FORMAT_CHOICES:
        raise ValuesError("unknown serial format `{}` (choose from {})".format(
            serial_format, ", ".join(FORMAT_CHOICES)))
    return serial_format


def format_of(path: str, serial_format: str = "auto") -> Optional[str]:
    """`serial_format` unless it is `auto`, else the extension's format (None when unknown)."""
    if check_format(serial_format) != "auto":
        return serial_format
    return EXTENSIONS.get(os.path.splitext(os.fspath(path))[1].lower())


def sniff(data: bytes) -> str:
    """The format of a file whose extension says nothing: pickle when it starts like one,
    JSON when it looks like JSON (YAML is tried when that fails), else YAML."""
    if data[:1] == b"\x80":
        return "pickle"
    return "yaml-or-json"


# -- bytes <-> data ---------------------------------------------------------------------
def dumps(values: Dict[str, Any], serial_format: str) -> bytes:
    """Serialize a mapping of literal values."""
    values = plain(dict(values))
    if serial_format == "yaml":
        return yaml_text(values).encode("utf-8")
    if serial_format == "json":
        return json_text(values).encode("utf-8")
    if serial_format == "pickle":
        return pickle_bytes(values)
    raise ValuesError("unknown serial format `{}`".format(serial_format))


def _read_json(text: str, path: str) -> Any:
    try:
        return parse_json(text)
    except RecursionError:
        raise ValuesError("cannot parse `{}` as JSON: it is nested too deeply to read".format(path)) from None
    except ValueError as exc:
        raise ValuesError("cannot parse `{}` as JSON: {}".format(path, shorten(exc))) from None


def _read_pickle(data: bytes, path: str) -> Any:
    try:
        return parse_pickle(data)
    except RefusedGlobal as exc:
        raise ValuesError("refusing to load `{}`: it asks for `{}`, and only plain data (dict, list, tuple, "
                          "set, str, bytes, numbers, bool, None) may be unpickled".format(path, exc)) from None
    except Exception as exc:   # a damaged pickle fails in many ways; none may escape as a traceback
        raise ValuesError("cannot read `{}` as pickle: {}".format(path, shorten(exc) or type(exc).__name__)) from None


def _decode(data: bytes, serial_format: str, path: str) -> Any:
    if serial_format == "pickle":
        return _read_pickle(data, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValuesError("cannot read `{}`: not UTF-8 text ({})".format(path, exc.reason)) from None
    if serial_format == "json":
        return _read_json(text, path)
    if serial_format == "yaml":
        return read_yaml(text, path)
    if serial_format == "yaml-or-json":
        if text.lstrip().startswith(("{", "[")):
            try:
                return _read_json(text, path)
            except ValuesError:
                pass
        return read_yaml(text, path)
    raise ValuesError("unknown serial format `{}`".format(serial_format))


def loads(data: bytes, serial_format: str, path: str = "<data>") -> Any:
    """The plain data of a values file's bytes, checked (see `check_data`)."""
    if serial_format == "auto":
        serial_format = sniff(data)
    return check_data(_decode(data, serial_format, path), path)


def _children(item: Any, name: str) -> List[Tuple[Any, str]]:
    if isinstance(item, dict):
        out = []
        for key, value in item.items():
            shown = key if isinstance(key, str) else repr(key)
            out.append((key, name or "(top)"))
            out.append((value, "{}.{}".format(name, shown) if name else str(shown)))
        return out
    return [(child, "{}[{}]".format(name or "(top)", i)) for i, child in enumerate(item)]


def check_data(value: Any, path: str) -> Any:
    """Refuse loaded data that holds a part that did not decode or is not plain data (naming
    the key), that contains itself, or that shared references (YAML aliases, the pickle memo)
    blow up to an enormous value: listing or saving it would recurse or never end."""
    sizes: Dict[int, int] = {}
    active = set()
    stack: List[Tuple[Any, str, bool]] = [(value, "", False)]
    while stack:
        item, name, done = stack.pop()
        if isinstance(item, Unreadable):
            raise ValuesError("cannot read `{}`: `{}`: {}".format(path, name or "(top)", item.reason))
        if not isinstance(item, (dict, list, tuple, set, frozenset)):
            if kind_of(item) is None and item is not Ellipsis:
                raise ValuesError("refusing to load `{}`: `{}` is a {}, not plain data".format(
                    path, name or "(top)", type(item).__name__))
            continue
        key = id(item)
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(c), 1) for c, _n in _children(item, name))
            if sizes[key] > MAX_LOADED_ITEMS:
                raise ValuesError("refusing to load `{}`: its values expand to more than {:,} items through "
                                  "shared references".format(path, MAX_LOADED_ITEMS))
            continue
        if key in sizes:
            continue
        active.add(key)
        stack.append((item, name, True))
        for child, child_name in _children(item, name):
            if id(child) in active:
                raise ValuesError("refusing to load `{}`: `{}` contains itself (a recursive alias or "
                                  "reference)".format(path, child_name))
            stack.append((child, child_name, False))
    return value


# -- files --------------------------------------------------------------------------------
def save(path: str, values: Dict[str, Any], serial_format: str = "auto") -> Dict[str, Any]:
    """Save the literal values of a flat mapping, names sorted; returns the values left out
    (not literals). Refuses a target that is not a regular file (see `safeio`)."""
    fmt = format_of(path, serial_format)
    if fmt is None:
        raise UnknownExtension(os.fspath(path), os.path.splitext(os.fspath(path))[1])
    kept = {k: v for k, v in sorted(values.items()) if is_literal(v)}
    skipped = {k: v for k, v in values.items() if k not in kept}
    write_atomic(path, dumps(kept, fmt))
    return skipped


def load(path: str, serial_format: str = "auto", limit: int = MAX_BYTES) -> Any:
    """The plain data a values file holds (the caller checks its shape against names)."""
    fmt = format_of(path, serial_format) or "auto"
    return loads(read_regular(path, limit), fmt, os.fspath(path))
