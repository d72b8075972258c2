"""Values files for run records and `hpman diff`: write the `--hp-save` YAML, read any values file.

Run records need to write and read values files from server/hpman, which does not import
hpargparse. Reading uses a YAML SafeLoader plus exactly the plain-data tags `--hp-save`
writes (tuples, complex numbers; sets and bytes are YAML's own), so a values file never
runs code; JSON files may use the `{"__tuple__": [...]}` wrappers `--hp-save` writes.
"""
import base64
import json
import os
import tempfile
from typing import Any, Dict, List, Optional, Set, Tuple

import yaml

from .index.files import read_bytes

MAX_VALUES_BYTES = 16 * 1024 * 1024
DICT_ANNOTATION = "__is_dict__"
_TUPLE_TAG = "tag:yaml.org,2002:python/tuple"
_COMPLEX_TAG = "tag:yaml.org,2002:python/complex"
_SCALARS = (bool, int, float, str, bytes, complex, type(None))


class ValuesFileError(Exception):
    """A values file that cannot be read or written (one line naming the file)."""


def read_bounded(path: str, limit: int = MAX_VALUES_BYTES) -> bytes:
    """The bytes of a regular file no larger than `limit` (OSError otherwise, before reading)."""
    if os.path.isfile(path) and os.path.getsize(path) > limit:
        raise OSError("larger than {} MiB".format(limit >> 20))
    return read_bytes(path)


def is_literal(value: Any, depth: int = 0) -> bool:
    """Made only of the literal types a values file can hold."""
    if depth > 200:
        return False
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(is_literal(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(is_literal(k, depth + 1) and is_literal(v, depth + 1) for k, v in value.items())
    return False


def literal_values(values: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """(the literal values, the names left out because their value is not a literal)."""
    kept = {name: value for name, value in values.items() if is_literal(value)}
    return kept, [name for name in values if name not in kept]


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _plain(value: Any) -> Any:
    """Base types only (a str subclass, an OrderedDict or a frozenset as str, dict, set)."""
    for kind in (bool, int, float, str, bytes, complex):
        if isinstance(value, kind):
            return kind(value) if type(value) is not kind else value
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return {_plain(v) for v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _sorted(items: Any) -> list:
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)


_Dumper.add_representer(tuple, lambda d, v: d.represent_sequence(_TUPLE_TAG, list(v), flow_style=True))
_Dumper.add_representer(complex, lambda d, v: d.represent_scalar(_COMPLEX_TAG, repr(v).strip("()")))
_Dumper.add_representer(set, lambda d, v: d.represent_mapping("tag:yaml.org,2002:set",
                                                               {k: None for k in _sorted(v)}))
_Dumper.add_representer(str, lambda d, v: d.represent_scalar(
    "tag:yaml.org,2002:str", v, style='"' if any(c in v for c in "\x85\u2028\u2029") else None))


def yaml_text(values: Dict[str, Any]) -> str:
    """The YAML `--hp-save` writes for a flat mapping of literal values, in the given order;
    a dict value carries `__is_dict__: true`, so that every reader (the editor's overlay
    too) takes it for one value, not a tree of names."""
    if not values:
        return "{}\n"
    data = {name: dict(_plain(v), **{DICT_ANNOTATION: True}) if isinstance(v, dict) else _plain(v)
            for name, v in values.items()}
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=2 ** 30)


def write_atomic(path: str, data: bytes) -> None:
    """Write through a temporary file in the same directory and rename it over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ValuesFileError("cannot write `{}`: {}".format(path, exc.strerror or exc)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ValuesFileError("cannot write `{}`: {}".format(path, exc.strerror or exc)) from None


class _Loader(yaml.SafeLoader):
    pass


def _refuse(loader: _Loader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(None, None, "the tag `{}` is not plain data".format(node.tag),
                                            node.start_mark)


_Loader.add_constructor(_TUPLE_TAG, lambda l, n: tuple(l.construct_sequence(n, deep=True)))
_Loader.add_constructor(_COMPLEX_TAG, lambda l, n: complex(str(l.construct_scalar(n)).replace(" ", "")))
_Loader.add_constructor(None, _refuse)


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, inner), = value.items()
        if key == "__tuple__" and isinstance(inner, list):
            return tuple(_from_json(v) for v in inner)
        if key == "__set__" and isinstance(inner, list):
            return set(_from_json(v) for v in inner)
        if key == "__complex__" and isinstance(inner, list) and len(inner) == 2:
            return complex(inner[0], inner[1])
        if key == "__bytes__" and isinstance(inner, str):
            return base64.b64decode(inner.encode("ascii"))
        if key == "__float__" and inner in ("nan", "inf", "-inf"):
            return float(inner)
        if key == "__dict__" and isinstance(inner, list):
            return {_from_json(k): _from_json(v) for k, v in inner}
    return {k: _from_json(v) for k, v in value.items()}


def _flatten(data: Any, prefix: str, out: Dict[str, Any], known: Optional[Set[str]]) -> None:
    for key, value in data.items():
        name = "{}.{}".format(prefix, key) if prefix else str(key)
        if isinstance(value, dict) and value.get(DICT_ANNOTATION) is True:
            out[name] = {k: v for k, v in value.items() if k != DICT_ANNOTATION}
        elif known is not None and name in known:
            out[name] = value
        elif isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            _flatten(value, name, out, known)
        else:
            out[name] = value


def read_values(path: str, known: Optional[Set[str]] = None) -> Dict[str, Any]:
    """`{dotted name: value}` of a values file: YAML or JSON (nested or flat) or, by its
    first byte, pickle, which is refused (a values file must never run code). A mapping is
    one dict value when annotated `__is_dict__: true` or when its name is in `known`, else
    a tree of names."""
    try:
        data = read_bounded(path)
    except OSError as exc:
        raise ValuesFileError("cannot read `{}`: {}".format(path, exc.strerror or exc)) from None
    if data[:1] == b"\x80":
        raise ValuesFileError("`{}` is a pickle; compare YAML or JSON values files".format(path))
    try:
        text = data.decode("utf-8-sig")
        if os.path.splitext(path)[1].lower() == ".json":
            loaded = _from_json(json.loads(text))
        else:
            loaded = yaml.load(text, Loader=_Loader)
    except (UnicodeDecodeError, ValueError, yaml.YAMLError, RecursionError) as exc:
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ValuesFileError("cannot read `{}`: {}".format(path, problem)) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValuesFileError("`{}` must hold a mapping of names to values, not a {}".format(
            path, type(loaded).__name__))
    out: Dict[str, Any] = {}
    _flatten(loaded, "", out, known)
    return out
