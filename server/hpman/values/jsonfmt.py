"""JSON values files: plain JSON, with one-key wrappers for what JSON cannot hold.

`{"__tuple__": [...]}`, `{"__set__": [...]}`, `{"__complex__": [re, im]}`,
`{"__bytes__": "<base64>"}`, `{"__float__": "nan"|"inf"|"-inf"}` and, for a
dict whose keys are not all strings (or that could be mistaken for a wrapper),
`{"__dict__": [[key, value], ...]}`. A wrapper that does not decode is kept as
an `Unreadable` mark, so that the caller can name the key it sits under.
"""
import base64
import binascii
import json
import math
from typing import Any, Dict

from .marks import Unreadable, long_int_text, sorted_items

WRAPPERS = ("__tuple__", "__set__", "__complex__", "__bytes__", "__float__", "__dict__")


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
        return {"__set__": [to_json_data(v) for v in sorted_items(value)]}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not is_wrapper(value):
            return {k: to_json_data(v) for k, v in value.items()}
        return {"__dict__": [[to_json_data(k), to_json_data(v)] for k, v in value.items()]}
    raise TypeError("{} is not a literal".format(type(value).__name__))


def is_wrapper(value: Any) -> bool:
    """A one-key mapping whose key is one of the wrapper names."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in WRAPPERS


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _unwrap(key: str, inner: Any) -> Any:
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
    if key == "__dict__" and isinstance(inner, list) and all(isinstance(p, list) and len(p) == 2 for p in inner):
        return {_hashable(from_json_data(k)): from_json_data(v) for k, v in inner}
    return Unreadable("`{}` holds {!r}, which it cannot".format(key, inner)[:200])


def from_json_data(value: Any) -> Any:
    """Inverse of `to_json_data`; a wrapper that does not decode becomes an `Unreadable`."""
    if isinstance(value, list):
        return [from_json_data(v) for v in value]
    if not isinstance(value, dict):
        return value
    if is_wrapper(value):
        (key, inner), = value.items()
        try:
            return _unwrap(key, inner)
        except (ValueError, TypeError, OverflowError, binascii.Error, RecursionError) as exc:
            return Unreadable("bad `{}` value: {}".format(key, " ".join(str(exc).split()) or type(exc).__name__))
    return {k: from_json_data(v) for k, v in value.items()}


def _int(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return Unreadable(long_int_text(len(text.lstrip("-"))))


def json_text(values: Dict[str, Any]) -> str:
    data = {name: to_json_data(v) for name, v in values.items()}
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def parse_json(text: str) -> Any:
    """`json.loads` with the wrappers decoded; raises ValueError/RecursionError for bad JSON."""
    return from_json_data(json.loads(text, parse_int=_int))
