"""Values files for run records and `hpman diff`: the core format (`hpman.values`) under the
names the records code uses. Reading accepts whatever `--hp-save` writes (YAML, JSON, and
pickles read by the restricted unpickler); dict values in a record's YAML carry
`__is_dict__: true`, so that every reader takes them for one value, not a tree of names."""
import errno
from typing import Any, Dict, List, Optional, Set, Tuple

from .values.assign import flat_names
from .values.literals import is_literal, plain
from .values.safeio import MAX_BYTES as MAX_VALUES_BYTES
from .values.safeio import ValuesError as ValuesFileError
from .values.safeio import read_regular, write_atomic  # noqa: F401
from .values.store import load
from .values.yamlfmt import DICT_ANNOTATION
from .values.yamlfmt import yaml_text as _yaml_text

__all__ = ["MAX_VALUES_BYTES", "ValuesFileError", "read_bounded", "is_literal", "literal_values", "yaml_text",
           "write_atomic", "read_values", "DICT_ANNOTATION"]


def read_bounded(path: str, limit: int = MAX_VALUES_BYTES) -> bytes:
    """The bytes of a regular file no larger than `limit` (OSError otherwise, before reading)."""
    try:
        return read_regular(path, limit)
    except ValuesFileError as exc:
        raise OSError(errno.EINVAL, exc.reason) from None


def literal_values(values: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """(the literal values, the names left out because their value is not a literal)."""
    kept = {name: value for name, value in values.items() if is_literal(value)}
    return kept, [name for name in values if name not in kept]


def yaml_text(values: Dict[str, Any]) -> str:
    """The YAML `--hp-save` writes for a flat mapping of literal values, in the given order,
    each dict value annotated `__is_dict__: true`."""
    if not values:
        return "{}\n"
    data = {name: dict(plain(v), **{DICT_ANNOTATION: True}) if isinstance(v, dict) else plain(v)
            for name, v in values.items()}
    return _yaml_text(data)


def read_values(path: str, known: Optional[Set[str]] = None) -> Dict[str, Any]:
    """`{dotted name: value}` of a values file (nested or flat). A mapping is one dict value
    when annotated `__is_dict__: true` or when its name is in `known`, else a tree of names."""
    loaded = load(path)
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValuesFileError("`{}` must hold a mapping of names to values, not a {}".format(
            path, type(loaded).__name__))
    return flat_names(loaded, known or set())
