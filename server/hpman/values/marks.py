"""Small pieces the values formats share."""
import re
import sys
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


_DIGITS = re.compile(r"value has (\d+) digits")


def long_int_text(digits: int) -> str:
    """Our words for an integer longer than Python converts (its own message differs by version)."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
    return "an integer of {:,} digits (Python reads at most {:,})".format(digits, limit)


def reason_of(exc: BaseException) -> str:
    """One line saying why a value could not be built, the same on every Python version."""
    found = _DIGITS.search(str(exc)) if isinstance(exc, ValueError) else None
    if found:
        return long_int_text(int(found.group(1)))
    return shorten(getattr(exc, "problem", None) or str(exc).split(";")[0] or type(exc).__name__)
