"""Pickled values files, read with an unpickler that builds plain data only.

A pickle can name any importable callable and call it with any arguments, so
`find_class` hands out only a few guarded callables, each of which builds a
plain value and nothing else:

* `set`, `frozenset`, `complex`, `bytes` and `_codecs.encode(text, 'latin1')`,
  which protocols 0 to 3 use for sets, complex numbers and bytes;
* the two reconstructions hpargparse 0.14's `dill` writes for builtin values:
  `dill._dill._load_type(name)` for the type of a literal (`complex`, ...) and
  `dill._dill._eval_repr('Ellipsis')` (only that text: it is an `eval`).

A guarded call with bad arguments (`complex(10**400)`) does not raise: it
leaves an `Unreadable` mark, so the check after loading names the key.
"""
import io
import pickle
from typing import Any, Callable, Dict, Tuple

from .marks import Unreadable, reason_of, shorten

#: Types `dill._dill._load_type` may name: the types of literal values.
DILL_TYPES = {t.__name__: t for t in (complex, set, frozenset, bytes, tuple, list, dict, int, float, str, bool)}


class RefusedGlobal(pickle.UnpicklingError):
    pass


class _Guarded:
    """A callable the pickle may use; a failing call becomes an `Unreadable` mark."""

    def __init__(self, name: str, func: Callable[..., Any]) -> None:
        self.name = name
        self.func = func

    def __call__(self, *args: Any) -> Any:
        if any(isinstance(a, Unreadable) for a in args):
            return next(a for a in args if isinstance(a, Unreadable))
        try:
            return self.func(*args)
        except (ValueError, TypeError, OverflowError, LookupError, MemoryError, RecursionError) as exc:
            shown = ", ".join(shorten(repr(a))[:40] for a in args)
            return Unreadable("{}({}) fails: {}".format(self.name, shown, reason_of(exc)))


def _latin1(text: Any, encoding: str = "latin1") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ValueError("only text to latin1 bytes is allowed")
    return text.encode("latin-1")


def _plain_type(name: Any) -> Any:
    if name not in DILL_TYPES:
        raise RefusedGlobal("dill._dill._load_type({!r})".format(name))
    kind = DILL_TYPES[name]
    return _Guarded(kind.__name__, kind)


def _eval_repr(text: Any) -> Any:
    if text != "Ellipsis":
        raise RefusedGlobal("dill._dill._eval_repr({!r})".format(text)[:80])
    return Ellipsis


_ALLOWED: Dict[Tuple[str, str], Any] = {}
for _module in ("builtins", "__builtin__"):
    for _kind in (set, frozenset, complex, bytes):
        _ALLOWED[(_module, _kind.__name__)] = _Guarded(_kind.__name__, _kind)
    _ALLOWED[(_module, "Ellipsis")] = Ellipsis
_ALLOWED[("_codecs", "encode")] = _Guarded("_codecs.encode", _latin1)
_ALLOWED[("dill._dill", "_load_type")] = _plain_type
_ALLOWED[("dill._dill", "_eval_repr")] = _eval_repr


class SafeUnpickler(pickle.Unpickler):
    """Unpickles plain data only: any other class or function in the file is refused."""

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise RefusedGlobal("{}.{}".format(module, name))
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise RefusedGlobal("persistent id {!r}".format(pid))


def parse_pickle(data: bytes) -> Any:
    """Unpickle `data`; raises RefusedGlobal for anything but plain data, other
    exceptions for a damaged file."""
    return SafeUnpickler(io.BytesIO(data)).load()


def pickle_bytes(values: Dict[str, Any]) -> bytes:
    return pickle.dumps(dict(values), protocol=4)
