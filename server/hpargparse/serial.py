"""Saving and loading hyperparameter values: YAML, JSON and pickle.

Every literal type survives a save and a load, tuples and sets included:

* YAML: a tuple is a sequence tagged `!!python/tuple`, a complex number a
  scalar tagged `!!python/complex`, a set YAML's own `!!set`, bytes `!!binary`.
  Loading uses a `yaml.SafeLoader` subclass that knows exactly these extra tags
  (they build plain data) and refuses every other tag, `!!python/object...`
  included, so a values file can never run code.
* JSON: values JSON cannot hold are wrapped in a one-key object:
  `{"__tuple__": [...]}`, `{"__set__": [...]}`, `{"__complex__": [re, im]}`,
  `{"__bytes__": "<base64>"}`, `{"__float__": "nan"|"inf"|"-inf"}` and, for a
  dict whose keys are not all strings (or that could be mistaken for a
  wrapper), `{"__dict__": [[key, value], ...]}`.
* pickle: protocol 4, read back with an Unpickler that only accepts plain data
  (it refuses every global except `set`, `frozenset`, `complex` and
  `_codecs.encode`, which old protocols use for sets, complex numbers and bytes).

Writes are atomic: the data goes to a temporary file in the target's directory
and replaces the target with `os.replace`, so an interrupted save never leaves
a truncated file. All errors are `SerialError`s with a one-line message naming
the file.
"""
import base64
import io
import json
import math
import os
import pickle
import tempfile
from typing import Any, Dict, Optional

import yaml

from .convert import is_literal, plain

FORMATS = ("yaml", "json", "pickle")
FORMAT_CHOICES = ("auto",) + FORMATS
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".pickle": "pickle", ".pkl": "pickle"}

_TUPLE_TAG = "tag:yaml.org,2002:python/tuple"
_COMPLEX_TAG = "tag:yaml.org,2002:python/complex"


class SerialError(Exception):
    """A values file that cannot be written or read (one-line message naming the file)."""


def infer_format(path: str, serial_format: str = "auto", *, reading: bool = False) -> str:
    """The format to use for `path`: `serial_format` unless it is `auto`, else the extension.

    When reading a file with an unknown extension, its content decides: pickle
    data starts with the PROTO opcode, anything else is read as YAML (which also
    reads JSON).
    """
    if serial_format not in FORMAT_CHOICES:
        raise SerialError("unknown serial format `{}` (choose from {})".format(
            serial_format, ", ".join(FORMAT_CHOICES)))
    if serial_format != "auto":
        return serial_format
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    if reading:
        try:
            with open(path, "rb") as f:
                head = f.read(1)
        except OSError as exc:
            raise SerialError("cannot read `{}`: {}".format(path, exc.strerror or exc)) from None
        return "pickle" if head == b"\x80" else "yaml-or-json"
    raise SerialError("cannot tell the format of `{}` from its extension (use {}, or choose one with "
                      "the serial format option)".format(path, ", ".join(sorted(EXTENSIONS))))


def _sorted_items(values: Any) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


# -- YAML -----------------------------------------------------------------------------
class Dumper(yaml.SafeDumper):
    """SafeDumper that also writes tuples and complex numbers (as tags `Loader` reads back)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a values file is read by people: no &anchors / *aliases


def _represent_tuple(dumper: Dumper, data: tuple) -> yaml.Node:
    return dumper.represent_sequence(_TUPLE_TAG, list(data), flow_style=True)


def _represent_complex(dumper: Dumper, data: complex) -> yaml.Node:
    return dumper.represent_scalar(_COMPLEX_TAG, repr(data).strip("()"))


def _represent_set(dumper: Dumper, data: set) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:set", {k: None for k in _sorted_items(data)})


def _represent_str(dumper: Dumper, data: str) -> yaml.Node:
    # PyYAML writes NEL / line and paragraph separators unquoted and reads them back as
    # spaces; double quotes escape them.
    style = '"' if any(ch in data for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


Dumper.add_representer(str, _represent_str)
Dumper.add_representer(tuple, _represent_tuple)
Dumper.add_representer(set, _represent_set)
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


def _construct_tuple(loader: Loader, node: yaml.Node) -> tuple:
    if not isinstance(node, yaml.SequenceNode):
        raise RefusedTag(node.tag + " on a non-sequence", node.start_mark)
    return tuple(loader.construct_sequence(node, deep=True))


def _construct_complex(loader: Loader, node: yaml.Node) -> complex:
    text = loader.construct_scalar(node)
    try:
        return complex(str(text).replace(" ", ""))
    except ValueError:
        raise yaml.constructor.ConstructorError(None, None, "invalid complex number {!r}".format(text),
                                                node.start_mark) from None


Loader.add_constructor(_TUPLE_TAG, _construct_tuple)
Loader.add_constructor(_COMPLEX_TAG, _construct_complex)
Loader.add_constructor(None, Loader.construct_undefined)


def yaml_text(values: Dict[str, Any]) -> str:
    """YAML for a flat mapping of literal values, keys in the given order, never wrapped."""
    return yaml.dump(plain(dict(values)), Dumper=Dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=2 ** 30)


def _shorten(text: str) -> str:
    return " ".join(str(text).split())


def read_yaml(text: str, path: str) -> Any:
    try:
        return yaml.load(text, Loader=Loader)
    except RefusedTag as exc:
        where = " (line {})".format(exc.mark.line + 1) if exc.mark is not None else ""
        raise SerialError("refusing to load `{}`{}: the YAML tag `{}` is not plain data (only mappings, "
                          "sequences, sets, tuples, strings, bytes, numbers, booleans and null are allowed)"
                          .format(path, where, exc.tag)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = " (line {}, column {})".format(mark.line + 1, mark.column + 1) if mark is not None else ""
        raise SerialError("cannot parse `{}` as YAML{}: {}".format(
            path, where, _shorten(exc.problem or exc.context or exc))) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise SerialError("cannot parse `{}` as YAML: {}".format(path, _shorten(exc) or type(exc).__name__)) from None


# -- JSON -----------------------------------------------------------------------------
_WRAPPERS = ("__tuple__", "__set__", "__complex__", "__bytes__", "__float__", "__dict__")


def to_json_data(value: Any) -> Any:
    """The JSON-ready form of a literal value, with the wrappers described above."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, complex):
        return {"__complex__": [to_json_data(value.real), to_json_data(value.imag)]}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list):
        return [to_json_data(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [to_json_data(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": [to_json_data(v) for v in _sorted_items(value)]}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not (len(value) == 1 and next(iter(value)) in _WRAPPERS):
            return {k: to_json_data(v) for k, v in value.items()}
        return {"__dict__": [[to_json_data(k), to_json_data(v)] for k, v in value.items()]}
    raise TypeError("{} is not a literal".format(type(value).__name__))


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def from_json_data(value: Any) -> Any:
    """Inverse of `to_json_data`."""
    if isinstance(value, list):
        return [from_json_data(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, inner), = value.items()
        if key == "__tuple__" and isinstance(inner, list):
            return tuple(from_json_data(v) for v in inner)
        if key == "__set__" and isinstance(inner, list):
            return set(_hashable(from_json_data(v)) for v in inner)
        if key == "__complex__" and isinstance(inner, list) and len(inner) == 2:
            return complex(from_json_data(inner[0]), from_json_data(inner[1]))
        if key == "__bytes__" and isinstance(inner, str):
            return base64.b64decode(inner.encode("ascii"), validate=True)
        if key == "__float__" and inner in ("nan", "inf", "-inf"):
            return float(inner)
        if key == "__dict__" and isinstance(inner, list) and all(
                isinstance(p, list) and len(p) == 2 for p in inner):
            return {_hashable(from_json_data(k)): from_json_data(v) for k, v in inner}
    return {k: from_json_data(v) for k, v in value.items()}


def json_text(values: Dict[str, Any]) -> str:
    data = {name: to_json_data(plain(v)) for name, v in values.items()}
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def read_json(text: str, path: str) -> Any:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SerialError("cannot parse `{}` as JSON: {}".format(path, _shorten(exc))) from None
    try:
        if isinstance(data, dict):
            return {k: from_json_data(v) for k, v in data.items()}
        return from_json_data(data)
    except (ValueError, TypeError, RecursionError) as exc:
        raise SerialError("cannot read `{}`: bad wrapped value: {}".format(path, _shorten(exc))) from None


# -- pickle ---------------------------------------------------------------------------
_PICKLE_GLOBALS = {
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
    ("__builtin__", "set"), ("__builtin__", "frozenset"), ("__builtin__", "complex"),
    ("_codecs", "encode"),
}


class RefusedGlobal(pickle.UnpicklingError):
    pass


class SafeUnpickler(pickle.Unpickler):
    """Unpickles plain data only: any other class or function in the file is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise RefusedGlobal("{}.{}".format(module, name))

    def persistent_load(self, pid: Any) -> Any:
        raise RefusedGlobal("persistent id {!r}".format(pid))


def read_pickle(data: bytes, path: str) -> Any:
    try:
        return SafeUnpickler(io.BytesIO(data)).load()
    except RefusedGlobal as exc:
        raise SerialError("refusing to load `{}`: it asks for `{}`, and only plain data (dict, list, tuple, "
                          "set, str, bytes, numbers, bool, None) may be unpickled".format(path, exc)) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            MemoryError, RecursionError, UnicodeDecodeError) as exc:
        raise SerialError("cannot read `{}` as pickle: {}".format(path, _shorten(exc) or type(exc).__name__)) from None


# -- files ----------------------------------------------------------------------------
def dumps(values: Dict[str, Any], serial_format: str) -> bytes:
    """Serialize a flat mapping of literal values."""
    if serial_format == "yaml":
        return yaml_text(values).encode("utf-8")
    if serial_format == "json":
        return json_text(values).encode("utf-8")
    if serial_format == "pickle":
        return pickle.dumps(plain(dict(values)), protocol=4)
    raise SerialError("unknown serial format `{}`".format(serial_format))


MAX_LOADED_ITEMS = 200000


def check_shape(value: Any, path: str) -> Any:
    """Refuse loaded data that contains itself, or that shared references (YAML aliases, pickle
    memo) blow up to an enormous value: listing or saving it would recurse or never end."""
    sizes: Dict[int, int] = {}
    active = set()
    stack = [(value, False)]
    while stack:
        item, done = stack.pop()
        if isinstance(item, dict):
            children = [c for pair in item.items() for c in pair]
        elif isinstance(item, (list, tuple, set, frozenset)):
            children = list(item)
        else:
            continue
        key = id(item)
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(c), 1) for c in children)
            if sizes[key] > MAX_LOADED_ITEMS:
                raise SerialError("refusing to load `{}`: its values expand to more than {:,} items through "
                                  "shared references".format(path, MAX_LOADED_ITEMS))
            continue
        if key in sizes:
            continue
        active.add(key)
        stack.append((item, True))
        for child in children:
            if id(child) in active:
                raise SerialError("refusing to load `{}`: a value contains itself (a recursive alias or "
                                  "reference)".format(path))
            stack.append((child, False))
    return value


def loads(data: bytes, serial_format: str, path: str = "<data>") -> Any:
    return check_shape(_loads(data, serial_format, path), path)


def _loads(data: bytes, serial_format: str, path: str = "<data>") -> Any:
    if serial_format == "pickle":
        return read_pickle(data, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SerialError("cannot read `{}`: not UTF-8 text ({})".format(path, exc.reason)) from None
    if serial_format == "json":
        return read_json(text, path)
    if serial_format == "yaml":
        return read_yaml(text, path)
    if serial_format == "yaml-or-json":  # unknown extension: JSON if it parses as JSON, else YAML
        if text.lstrip().startswith(("{", "[")):
            try:
                return read_json(text, path)
            except SerialError:
                pass
        return read_yaml(text, path)
    raise SerialError("unknown serial format `{}`".format(serial_format))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same directory and `os.replace`."""
    path = os.fspath(path)
    if os.path.islink(path):
        path = os.path.realpath(path)  # replace the file the link points to, keep the link
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as exc:
        raise SerialError("cannot save `{}`: {}".format(path, exc.strerror or exc)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise SerialError("cannot save `{}`: {}".format(path, exc.strerror or exc)) from None
        raise


def save(path: str, values: Dict[str, Any], serial_format: str = "auto") -> Dict[str, Any]:
    """Save the literal values of a flat mapping; returns the values left out (not literals)."""
    fmt = infer_format(path, serial_format)
    kept = {k: v for k, v in sorted(values.items()) if is_literal(v)}
    skipped = {k: v for k, v in values.items() if k not in kept}
    write_atomic(path, dumps(kept, fmt))
    return skipped


def load(path: str, serial_format: str = "auto") -> Optional[Any]:
    """Read a values file: whatever plain data it holds (the caller checks the shape)."""
    fmt = infer_format(path, serial_format, reading=True)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise SerialError("cannot read `{}`: {}".format(path, exc.strerror or exc)) from None
    return loads(data, fmt, path)
