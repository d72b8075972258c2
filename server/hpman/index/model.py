"""What the index knows of a file: its hyperparameter occurrences, its issues, and the
facts of one file that tie them together (the data model, no parsing)."""
import ast
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..primitives import EmptyValue, NotLiteralEvaluable
from .positions import Range

EMPTY = EmptyValue()

ERROR, WARNING, INFO = "error", "warning", "information"
MANAGER_MODULE = "hpman.m"
MANAGER_CLASS = "HyperParameterManager"


class Occurrence:
    """One call of a manager in the source: `_('name', default, **hints)`."""

    __slots__ = ("manager", "name", "path", "call", "name_range", "default_range",
                 "value", "default_text", "hints", "node", "order")

    def __init__(self, manager: str, name: str, path: str, call: Range, name_range: Range,
                 default_range: Optional[Range], value: Any, default_text: Optional[str],
                 hints: Dict[str, Any], node: Optional[ast.AST] = None, order: Tuple[Any, ...] = ()) -> None:
        self.manager = manager
        self.name = name
        self.path = path
        self.call = call
        self.name_range = name_range
        self.default_range = default_range
        self.value = value
        self.default_text = default_text
        self.hints = hints
        self.node = node  # the default's AST node, runtime mode only
        self.order = order  # where `ast.walk` meets the call (see _order_key): hpman 0.13's order of names

    @property
    def has_default(self) -> bool:
        return self.default_range is not None

    @property
    def literal(self) -> bool:
        return self.has_default and not isinstance(self.value, NotLiteralEvaluable)

    @property
    def line(self) -> int:
        """0-based line of the call."""
        return self.call[0]

    def key(self) -> Tuple[str, str]:
        return self.manager, self.name

    def __getstate__(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, s) if s != "node" else None for s in self.__slots__)

    def __setstate__(self, state: Tuple[Any, ...]) -> None:
        for slot, value in zip(self.__slots__, state):
            setattr(self, slot, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Occurrence):
            return NotImplemented
        # every slot but the AST node; the value by kind (a NotLiteralEvaluable equals no other instance)
        fields = ("manager", "name", "path", "call", "name_range", "default_range", "default_text", "hints",
                  "order")
        return (all(getattr(self, f) == getattr(other, f) for f in fields)
                and _same(self.value, other.value))

    def __repr__(self) -> str:
        return "Occurrence({!r}, {!r}, {}:{})".format(self.manager, self.name, self.path, self.call[0] + 1)


def _walk_order(occ: Occurrence) -> Tuple[Any, ...]:
    return occ.order


def in_tree_order(names: Iterable[str], separator: str = ".") -> List[str]:
    """Names as hpman 0.13 lists them: depth first through the tree of dotted names, each
    level in order of first appearance (`a.x`, `b`, `a.y` -> `a.x`, `a.y`, `b`)."""
    first: Dict[str, int] = {}
    keyed = []
    for i, name in enumerate(names):
        parts = name.split(separator)
        key = [first.setdefault(separator.join(parts[:j]), i) for j in range(1, len(parts) + 1)]
        keyed.append((key, name))
    keyed.sort(key=lambda item: item[0])
    return [name for _key, name in keyed]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (EmptyValue, NotLiteralEvaluable)):
        return type(a) is type(b)
    return type(a) is type(b) and a == b


class Issue:
    """A problem found inside one file, independent of every other file."""

    __slots__ = ("code", "severity", "message", "range", "data", "manager", "order")

    def __init__(self, code: str, severity: str, message: str, rng: Range, data: Any = None,
                 manager: Optional[str] = None, order: Optional[Tuple[Any, ...]] = None) -> None:
        self.code = code
        self.severity = severity
        self.message = message
        self.range = rng
        self.data = data
        # the manager whose call this is about (None: about the whole file, e.g. a syntax error),
        # so that `hp.parse_file` raises for hp's bad calls and not for `_`'s
        self.manager = manager
        self.order = order   # a bad call's place in `ast.walk` order (see Occurrence.order), else None

    def __getstate__(self) -> Tuple[Any, ...]:
        return (self.code, self.severity, self.message, self.range, self.data, self.manager, self.order)

    def __setstate__(self, state: Tuple[Any, ...]) -> None:
        self.code, self.severity, self.message, self.range, self.data, self.manager, self.order = state

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Issue) and self.__getstate__() == other.__getstate__()

    def __repr__(self) -> str:
        return "Issue({}, {}:{}, {!r})".format(self.code, self.range[0] + 1, self.range[1] + 1, self.message)


class FileFacts:
    """Everything the index knows about one file."""

    __slots__ = ("path", "occurrences", "issues", "managers", "verified", "_reach")

    def __init__(self, path: str, occurrences: List[Occurrence], issues: List[Issue],
                 managers: Dict[str, str], verified: bool = True) -> None:
        self.path = path
        self.occurrences = occurrences  # sorted by call range, never changed once built
        self.issues = issues
        self.managers = managers  # alias -> manager name, as bound at module level
        # whether the whole module's syntax has been checked (its verdict is then in `issues`);
        # True too for a module that uses no manager, which has nothing to check
        self.verified = verified
        self._reach: Optional[Tuple[List[int], List[int]]] = None

    def __getstate__(self) -> Tuple[Any, ...]:
        return (self.path, self.occurrences, self.issues, self.managers, self.verified)

    def __setstate__(self, state: Tuple[Any, ...]) -> None:
        self.path, self.occurrences, self.issues, self.managers, self.verified = state
        self._reach = None

    def in_order(self) -> List[Occurrence]:
        """The occurrences in the order hpman 0.13 met them (`ast.walk`: less nested calls
        first), the order of `get_values()` and of `hpman list`."""
        return sorted(self.occurrences, key=_walk_order)

    def with_syntax_verdict(self, issue: Optional[Issue]) -> "FileFacts":
        """These facts, verified, with the whole-module syntax error (if any) among the issues."""
        issues = list(self.issues)
        if issue is not None and issue not in issues:
            issues.append(issue)
            issues.sort(key=lambda i: i.range)
        return FileFacts(self.path, self.occurrences, issues, self.managers, True)

    def reach(self) -> Tuple[List[int], List[int]]:
        """(first line of each call, the last line reached by it or any call before it): a
        lookup by position bisects the first and walks back only while the second reaches."""
        if self._reach is None:
            starts, far, last = [], [], -1
            for occ in self.occurrences:
                starts.append(occ.call[0])
                last = max(last, occ.call[2])
                far.append(last)
            self._reach = (starts, far)
        return self._reach
