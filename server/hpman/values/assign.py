"""Values files applied to a manager: names checked, values converted to the defaults' types.

`--hp-load` and `%hpman load` both go through `read_values`, so a file loads
the same way (or fails with the same one line) in a program and a notebook.
"""
from typing import TYPE_CHECKING, AbstractSet, Any, Dict, Set

from .literals import ConversionError, from_loaded
from .safeio import ValuesError
from .store import load
from .texts import did_you_mean
from .yamlfmt import DICT_ANNOTATION

if TYPE_CHECKING:  # pragma: no cover
    from ..manager import HyperParameterManager


class LoadError(ValuesError, ValueError):
    """A values file whose content does not fit the hyperparameters (one-line message)."""


def prefixes_of(names: Any, sep: str) -> Set[str]:
    """Every dotted parent of the names (`a`, `a.b` for `a.b.c`)."""
    out = set()
    for name in names:
        parts = name.split(sep)
        for i in range(1, len(parts)):
            out.add(sep.join(parts[:i]))
    return out


def flatten_loaded(data: Any, known: Dict[str, Any], sep: str, path: str) -> Dict[str, Any]:
    """`{dotted name: value}` from a loaded mapping that may nest by name parts, mix nested
    and dotted keys, or be flat. Raises LoadError for an unknown key (naming the closest name)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LoadError("`{}` must hold a mapping of hyperparameter names to values, not a {}".format(
            path, type(data).__name__))
    prefixes = prefixes_of(known, sep)
    flat: Dict[str, Any] = {}
    stack = [(data, "")]
    while stack:
        mapping, prefix = stack.pop(0)
        for key, value in mapping.items():
            if not isinstance(key, str):
                raise LoadError("`{}`: key {!r}{} is not a hyperparameter name (names are strings)".format(
                    path, key, " under `{}`".format(prefix) if prefix else ""))
            full = prefix + sep + key if prefix else key
            if full in known:
                if isinstance(value, dict) and value.get(DICT_ANNOTATION) is True:
                    value = {k: v for k, v in value.items() if k != DICT_ANNOTATION}
                flat[full] = value
            elif full in prefixes:
                if not isinstance(value, dict):
                    under = sorted(n for n in known if n.startswith(full + sep))
                    raise LoadError("`{}` in `{}` is a tree of hyperparameters ({}{}), so it takes a mapping, "
                                    "not {} {!r}".format(full, path, ", ".join("`{}`".format(n) for n in under[:3]),
                                                         ", ..." if len(under) > 3 else "", type(value).__name__,
                                                         value))
                stack.append((value, full))
            else:
                raise LoadError("unknown hyperparameter `{}` in `{}`{}".format(
                    full, path, did_you_mean(full, set(known) | prefixes, fallback=True)))
    return flat


def flat_names(data: Dict[Any, Any], known: AbstractSet[str] = frozenset(), sep: str = ".") -> Dict[str, Any]:
    """`{dotted name: value}` of a loaded mapping, any key accepted (for tools that compare or
    apply files without checking names: run records, `hpman diff`, sweeps). A mapping is one
    dict value when annotated `__is_dict__: true` or when its name is in `known`, else a tree
    of names; an empty mapping is a value."""
    out: Dict[str, Any] = {}
    stack = [(data, "")]
    while stack:
        mapping, prefix = stack.pop(0)
        for key, value in mapping.items():
            name = "{}{}{}".format(prefix, sep, key) if prefix else str(key)
            if isinstance(value, dict) and value.get(DICT_ANNOTATION) is True:
                out[name] = {k: v for k, v in value.items() if k != DICT_ANNOTATION}
            elif name not in known and isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
                stack.append((value, name))
            else:
                out[name] = value
    return out


def known_names(hp_mgr: "HyperParameterManager") -> Dict[str, Any]:
    """Each name a values file may set, with its current value: those with a value, and the
    names the code uses without a default anywhere (any value fits those)."""
    from ..primitives import EmptyValue
    known: Dict[str, Any] = dict(hp_mgr.get_values())
    used = {row.name for row in hp_mgr.db if isinstance(row.name, str)}
    branches = prefixes_of(used | set(known), hp_mgr.separator)
    for name in used:
        if name not in known and name not in branches:
            known[name] = EmptyValue()
    return known


def read_values(path: str, hp_mgr: "HyperParameterManager", serial_format: str = "auto") -> Dict[str, Any]:
    """The values a file sets, checked against the manager's hyperparameters and converted to
    their types. Raises ValuesError (LoadError for names and types), one line each."""
    known = known_names(hp_mgr)
    flat = flatten_loaded(load(path, serial_format), known, hp_mgr.separator, path)
    out = {}
    for name, value in flat.items():
        try:
            out[name] = from_loaded(known[name], value)
        except ConversionError as exc:
            raise LoadError("Error parsing hyperparameter `{}` from `{}`: {}".format(name, path, exc)) from None
    return out
