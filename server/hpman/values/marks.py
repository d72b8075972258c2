"""Small pieces the values formats share."""
from typing import Any, Iterable, List


class Unreadable:
    """Stands in a loaded structure for a part that did not decode (a wrapper with bad
    contents, a pickle reconstruction that failed, a huge integer), so that the check
    after loading can name the key it sits under instead of failing without one."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return "<unreadable: {}>".format(self.reason)


def sorted_items(values: Iterable[Any]) -> List[Any]:
    """A set's items in a stable order (by value when comparable, else by repr)."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def shorten(text: Any) -> str:
    """One line of at most 200 characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= 200 else line[:197] + "..."
