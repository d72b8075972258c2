"""How a hyperparameter's default decides what values it accepts.

The type of the default is the type of the hyperparameter. Text (from a
command line, a magic or an editor) and loaded values (from a YAML, JSON or
pickle file) are turned into that type here, with one-line error messages.
Nothing here ever evaluates code: Python literals go through
`ast.literal_eval` only. A default that is not a literal (`_('date',
get_date())`) takes any literal, and any other text as a string.
"""
import ast
from typing import Any, Optional

NoneType = type(None)

#: The types `ast.literal_eval` can produce: the only values that can be set
#: from the command line, listed, saved and loaded faithfully.
LITERAL_TYPES = (bool, int, float, complex, str, bytes, list, tuple, set, dict, NoneType)
_CONTAINERS = (list, tuple, set)
_TRUE = ("true", "yes", "t", "y", "1")
_FALSE = ("false", "no", "f", "n", "0")


class ConversionError(ValueError):
    """A text or loaded value that does not fit a hyperparameter's type (one-line message)."""


def kind_of(value: Any) -> Optional[type]:
    """The literal type a value belongs to (bool before int), or None for a non-literal value."""
    for kind in LITERAL_TYPES:
        if isinstance(value, kind):
            return kind
    return None


def type_name(value: Any) -> str:
    """`float`, `list`, `NoneType`, ... as shown in help texts and listings."""
    kind = kind_of(value)
    return (kind or type(value)).__name__


def is_literal(value: Any, _depth: int = 0) -> bool:
    """True when `value` is made only of literal types (so it can be saved and loaded)."""
    if _depth > 500:
        return False
    kind = kind_of(value)
    if kind is None:
        return False
    if kind is dict:
        return all(is_literal(k, _depth + 1) and is_literal(v, _depth + 1) for k, v in value.items())
    if kind in _CONTAINERS:
        return all(is_literal(v, _depth + 1) for v in value)
    return True


def plain(value: Any) -> Any:
    """The same literal value built from the exact base types (subclasses such as
    StringAsDefault or OrderedDict become str or dict). Non-literal parts are kept."""
    kind = kind_of(value)
    if kind is None:
        return value
    if kind is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if kind in _CONTAINERS:
        return kind(plain(v) for v in value)
    if type(value) is kind:
        return value
    return kind(value)


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConversionError("invalid bool value: {!r} (use true/false, yes/no or 1/0)".format(text))


def literal(text: str) -> Any:
    """`ast.literal_eval` with a one-line error for anything that is not a Python literal."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ConversionError("{!r} is not a Python literal".format(text)) from None


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return "{} {}".format(type_name(value), text)


def _number(kind: type, text: str) -> Any:
    stripped = text.strip()
    try:
        return kind(stripped)
    except (ValueError, TypeError, OverflowError):
        pass
    try:
        value = ast.literal_eval(stripped)  # 0x10, 0o7, (1+2j), ...
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        value = None
    if value is not None and not isinstance(value, bool):
        if kind is int and isinstance(value, int):
            return value
        if kind is float and isinstance(value, (int, float)):
            return float(value)
        if kind is complex and isinstance(value, (int, float, complex)):
            return complex(value)
    raise ConversionError("invalid {} value: {!r}".format(kind.__name__, text))


def from_text(default: Any, text: str) -> Any:
    """Convert command-line text to the type of `default`."""
    kind = kind_of(default)
    if kind is str:
        return str(text)
    if kind is None:   # the default is not a literal: a literal if the text is one, else the text
        try:
            return literal(text)
        except ConversionError:
            return str(text)
    if kind is bool:
        return parse_bool(text)
    if kind in (int, float, complex):
        return _number(kind, text)
    try:
        value = literal(text)
    except ConversionError as exc:
        if kind is NoneType:
            raise ConversionError("invalid value: {}".format(exc)) from None
        raise ConversionError("invalid {} value: {}".format(kind.__name__, exc)) from None
    if kind is NoneType:
        return value
    return _fit(kind, value, text, lenient=False)


def _fit(kind: type, value: Any, shown: Any, lenient: bool) -> Any:
    """`value` (already a literal) as a `kind`, or a ConversionError. `lenient` lets any
    list, tuple or set stand for another (JSON has only lists)."""
    if lenient and kind in _CONTAINERS and isinstance(value, _CONTAINERS):
        try:
            return kind(value)
        except TypeError:  # unhashable items for a set
            raise ConversionError("invalid {} value: {!r} has unhashable items".format(
                kind.__name__, shown)) from None
    if kind_of(value) is kind:
        return value
    raise ConversionError("invalid {} value: {!r} is a {}".format(kind.__name__, shown, type_name(value)))


def from_loaded(default: Any, value: Any) -> Any:
    """Convert a value read from a values file to the type of `default`.

    Strings are accepted where text is natural (`lr: 1e-4` is a string to YAML 1.1);
    lists are accepted for tuples and sets (JSON has neither). A hyperparameter whose
    default is None, not a literal, or missing (an EmptyValue) accepts any value.
    """
    kind = kind_of(default)
    if kind is None or kind is NoneType:
        return value
    if isinstance(value, str) and kind is not str:
        return from_text(default, value)
    if kind is bool:
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return bool(value)
    elif kind in (int, float, complex):
        if isinstance(value, int) and not isinstance(value, bool) and kind is not int:
            return kind(value)
        if kind is complex and isinstance(value, float):
            return complex(value)
        if kind_of(value) is kind:
            return value
    elif kind in _CONTAINERS and isinstance(value, (list, tuple, set, frozenset)):
        return _fit(kind, list(value) if isinstance(value, frozenset) else value, value, lenient=True)
    elif kind_of(value) is kind:
        return value
    raise ConversionError("expected {}, got {}".format(kind.__name__, _describe(value)))

