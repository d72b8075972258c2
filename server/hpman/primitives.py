"""Exceptions and sentinels shared by the runtime, the index and the front ends."""
from typing import Any, Mapping, Sequence, TypeVar, Union


class DoubleAssignmentException(Exception):
    """A hyperparameter has a default value in more than one place."""


class NotLiteralNameException(Exception):
    """The name of a hyperparameter is not a literal string."""


class NotLiteralEvaluable(Exception):
    """A value that `ast.literal_eval` cannot evaluate.

    Raised for a non-literal hint; an instance is also stored as the parsed value
    of a non-literal default, so that code can recognise it with isinstance.
    """


class ImpossibleTree(ValueError):
    """A name would be a value and a tree at once."""


class BadArgumentsException(Exception):
    """A hyperparameter call has zero or more than two positional arguments."""


class EmptyValue:
    """Sentinel for "no value"; compare with isinstance, never by identity."""

    def __repr__(self) -> str:
        return "<EmptyValue>"


T = TypeVar("T")
Primitive = Union[None, T, Sequence[T], EmptyValue]
FlatMapping = Mapping[str, Primitive[Any]]
TreeMapping = Mapping[str, Union[Primitive[Any], Mapping[str, Any]]]
