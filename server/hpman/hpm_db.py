"""Occurrence rows, priorities and the tree/table views of hpman 0.13 (and the
older `db`/`L` query API the seed's hints example uses)."""
import collections
import enum
import functools
from typing import Any, Callable, Dict, Iterator, List, Optional, Union, overload

from .primitives import DoubleAssignmentException, EmptyValue, ImpossibleTree, Primitive
from .source_helper import SourceHelper


class HyperParameterPriority(enum.IntEnum):
    PRIORITY_PARSED_FROM_SOURCE_CODE = 1
    PRIORITY_SET_FROM_CALLABLE = 2
    PRIORITY_SET_FROM_SETTER = 3


P = HyperParameterPriority


class HyperParameterOccurrence:
    """One occurrence of a hyperparameter; readable as attributes and as items."""

    _FIELDS = ("name", "value", "priority", "filename", "lineno", "ast_node", "hints", "source_helper")

    name: Optional[str] = None
    value: Any = EmptyValue()
    priority: Optional[HyperParameterPriority] = None
    filename: Optional[str] = None
    lineno: Optional[int] = None
    ast_node: Any = None
    hints: Optional[Dict[str, Any]] = None
    source_helper: Optional[SourceHelper] = None
    index: int   # a HyperParameterDB's row number, set by its push_occurrence (no class default)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            if key in self._FIELDS or key == "index":
                setattr(self, key, value)

    @property
    def has_default_value(self) -> bool:
        return not isinstance(self.value, EmptyValue)

    @property
    def value_priority(self) -> int:
        """The rank among a name's rows: the priority, then having a value over not having one."""
        priority = self.priority
        if priority is None:   # a row made without one (as the 0.1x API allows) cannot be ranked
            raise TypeError("the occurrence of `{}` has no priority".format(self.name))
        return priority * 10 - isinstance(self.value, EmptyValue)

    # mapping access, as the 0.1x rows were dicts
    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def __contains__(self, key: str) -> bool:
        return hasattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def keys(self) -> List[str]:
        return list(self._FIELDS)

    def __repr__(self) -> str:
        return "HyperParameterOccurrence(name={!r}, value={!r}, priority={}, filename={!r}, lineno={!r})".format(
            self.name, self.value, None if self.priority is None else int(self.priority), self.filename, self.lineno)


class HyperParamNode:
    """All occurrences of one name, highest priority first."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._db: List[HyperParameterOccurrence] = []

    def push(self, occ: HyperParameterOccurrence) -> None:
        """Add an occurrence; a runtime or setter occurrence replaces the previous one of its priority."""
        if occ.priority != P.PRIORITY_PARSED_FROM_SOURCE_CODE:
            self._db = [o for o in self._db if o.value_priority != occ.value_priority]
        self._db.append(occ)
        self._db.sort(key=lambda o: -o.value_priority)

    def get(self) -> Optional[HyperParameterOccurrence]:
        return self._db[0] if self._db else None

    @property
    def db(self) -> List[HyperParameterOccurrence]:
        return self._db

    @property
    def value(self) -> Any:
        return self._db[0].value if self._db else EmptyValue()

    @property
    def empty(self) -> bool:
        return isinstance(self.value, EmptyValue)

    @classmethod
    def format_occurrence(cls, occurrence: HyperParameterOccurrence, **kwargs: Any) -> str:
        helper = occurrence.source_helper
        if helper is None:
            return SourceHelper.format_given_filepath_and_lineno(occurrence.filename, occurrence.lineno)
        # a row without a line shows its file's first, as format_given_filepath_and_lineno does
        return helper.format_given_filename_and_lineno(occurrence.filename, occurrence.lineno or 1)

    def _check_source_code_double_assigment(self, occ: HyperParameterOccurrence) -> None:
        """Raise DoubleAssignmentException if a parsed default already exists (name kept from 0.13)."""
        for item in self._db:
            if item.priority == P.PRIORITY_PARSED_FROM_SOURCE_CODE and item.has_default_value:
                raise DoubleAssignmentException(duplicate_message(
                    self.format_occurrence(item), self.format_occurrence(occ)))

    def __len__(self) -> int:
        return len(self._db)


def duplicate_message(first: str, second: str) -> str:
    return "Duplicated default values:\nFirst occurrence:\n{}\nSecond occurrence:\n{}\n".format(first, second)


class HyperParamTree:
    """Dotted names as a tree; each level may hold a node (a value) and children."""

    DICT_ANNOTATION = "__is_dict__"

    def __init__(self, separator: str = ".", name: str = "") -> None:
        self.sep = separator
        self.name = name
        self.children: Dict[str, "HyperParamTree"] = {}
        self.node: Optional[HyperParamNode] = None

    def flatten(self) -> Iterator[HyperParamNode]:
        """The nodes that hold a value, depth first."""
        stack = [self]
        while stack:
            cur = stack.pop()
            if not cur.children and cur.node is not None and not cur.node.empty:
                yield cur.node
            stack.extend(reversed(list(cur.children.values())))

    def count(self) -> int:
        return sum(1 for _ in self.flatten())

    @property
    def empty(self) -> bool:
        return not self.children and self.node is None

    def is_leaf(self) -> bool:
        return not self.children

    def is_branch(self) -> bool:
        return bool(self.children) and self.is_valid(strict=False)

    def is_valid(self, strict: bool = False) -> bool:
        """A level with both a value and children is only valid, outside strict
        mode, when its value has a lower priority than a setter."""
        top = None if self.node is None else self.node.get()
        if self.is_leaf() or top is None or not top.has_default_value:
            return True
        # the top row has a value, so its value_priority is its priority * 10
        return not strict and top.value_priority < P.PRIORITY_SET_FROM_SETTER * 10

    def tree_values(self, annotate_dict: bool = False) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for key, child in self.children.items():
            if child.children:
                out[key] = child.tree_values(annotate_dict)
            elif child.node is not None and not child.node.empty:
                value = child.node.value
                if annotate_dict and isinstance(value, dict):
                    value = dict(value)
                    value[self.DICT_ANNOTATION] = True
                out[key] = value
        return out

    def validate(self) -> bool:
        if not self.is_valid(strict=True) and self.node is not None:   # (an invalid level has a node)
            raise ImpossibleTree("node `{}` has is both a leaf and a tree.".format(self.node.name))
        for child in self.children.values():
            child.validate()
        return True

    def push_occurrence(self, occurrence: HyperParameterOccurrence, *,
                        source_helper: Optional[SourceHelper] = None) -> None:
        name = occurrence.name
        if name is None:
            raise TypeError("an occurrence pushed to a tree needs a name")
        tree = self._allocate(name)
        if tree.node is None:
            tree.node = HyperParamNode(name)
        if occurrence.priority == P.PRIORITY_PARSED_FROM_SOURCE_CODE and occurrence.has_default_value:
            if source_helper is not None:
                occurrence.source_helper = source_helper
            tree.node._check_source_code_double_assigment(occurrence)
        tree.node.push(occurrence)
        if not tree.is_valid(strict=True):
            raise ImpossibleTree("node `{}` has is both a leaf and a tree.".format(occurrence.name))

    def _allocate(self, key: str) -> "HyperParamTree":
        tree = self
        for part in key.split(self.sep):
            child = tree.children.get(part)
            if child is None:
                child = tree.children[part] = HyperParamTree(self.sep, part)
            tree = child
        return tree

    def get(self, key: str) -> Optional["HyperParamTree"]:
        if not key:
            return self
        tree = self
        for part in key.split(self.sep):
            child = tree.children.get(part)
            if child is None:
                return None
            tree = child
        return tree

    def __setitem__(self, key: str, value: Primitive[Any]) -> None:
        self.push_occurrence(HyperParameterOccurrence(name=key, value=value, priority=P.PRIORITY_SET_FROM_SETTER))


class HyperParameterDB(list[HyperParameterOccurrence]):   # (list[...]: the runtime bases stay just `list`)
    """A list of occurrence rows with the query helpers of hpman 0.1x."""

    index_count: int   # rows numbered so far by push_occurrence (no class default: set on first push)

    def copy(self) -> "HyperParameterDB":
        return HyperParameterDB(self)

    def group_by(self, column: str) -> Dict[Any, "HyperParameterDB"]:
        groups: Dict[Any, HyperParameterDB] = collections.defaultdict(HyperParameterDB)
        for row in self:
            groups[getattr(row, column)].append(row)
        return dict(groups)

    @overload
    def indexing(self, idx: int) -> HyperParameterOccurrence: ...

    @overload
    def indexing(self, idx: List[int]) -> "HyperParameterDB": ...

    def indexing(self, idx: Union[int, List[int]]) -> Union[HyperParameterOccurrence, "HyperParameterDB"]:
        if isinstance(idx, int):
            return self[idx]
        if isinstance(idx, list):
            return HyperParameterDB(self[i] for i in idx)
        raise IndexError("Unknown index: {}".format(idx))

    def select(self, where: Callable[[HyperParameterOccurrence], bool]) -> "HyperParameterDB":
        return HyperParameterDB(row for row in self if where(row))

    def count(self, where: Callable[[HyperParameterOccurrence], bool]) -> int:  # type: ignore[override]
        return sum(1 for row in self if where(row))

    def extract_column(self, column: str) -> List[Any]:
        return [row[column] for row in self]

    def choose_columns(self, *columns: str) -> "HyperParameterDB":
        return HyperParameterDB(HyperParameterOccurrence({c: row[c] for c in columns}) for row in self)

    def apply(self, func: Callable[[HyperParameterOccurrence], Any]) -> "HyperParameterDB":
        for row in self:
            func(row)
        return self

    def reduce(self, reduce_func: Callable[[Any, HyperParameterOccurrence], Any], initial: Any = EmptyValue()) -> Any:
        rows = list(self)
        if isinstance(initial, EmptyValue):
            if not rows:
                raise ValueError("No object to be aggregated.")
            initial, rows = rows[0], rows[1:]
        return functools.reduce(reduce_func, rows, initial)

    def empty(self) -> bool:
        return not self

    def sorted(self, key: Callable[[HyperParameterOccurrence], Any], reverse: bool = False) -> "HyperParameterDB":
        return HyperParameterDB(sorted(self, key=key, reverse=reverse))

    def any(self, func: Callable[[HyperParameterOccurrence], bool]) -> bool:
        return any(map(func, self))

    def all(self, func: Callable[[HyperParameterOccurrence], bool]) -> bool:
        return all(map(func, self))

    def find_first(self, where: Callable[[HyperParameterOccurrence], bool]) -> Optional[HyperParameterOccurrence]:
        return next((row for row in self if where(row)), None)

    # building a table row by row, as code written against hpman 0.10 does
    @classmethod
    def format_occurrence(cls, occurrence: HyperParameterOccurrence, **kwargs: Any) -> str:
        return HyperParamNode.format_occurrence(occurrence, **kwargs)

    def push_occurrence(self, occurrence: HyperParameterOccurrence, *,
                        source_helper: Optional[SourceHelper] = None) -> None:
        """Add a row with 0.10's rules: a second parsed default of a name raises
        DoubleAssignmentException; a runtime or setter row replaces the name's
        previous row of the same priority. Rows are numbered in `index`."""
        if occurrence.priority == P.PRIORITY_PARSED_FROM_SOURCE_CODE:
            if occurrence.has_default_value:
                if source_helper is not None:
                    occurrence.source_helper = source_helper
                first = self.find_first(lambda row: row.name == occurrence.name and row.has_default_value
                                        and row.priority == P.PRIORITY_PARSED_FROM_SOURCE_CODE)
                if first is not None:
                    raise DoubleAssignmentException(duplicate_message(
                        self.format_occurrence(first), self.format_occurrence(occurrence)))
        else:
            for i, row in enumerate(self):
                if row.name == occurrence.name and row.priority == occurrence.priority:
                    occurrence.index = getattr(row, "index", i)
                    self[i] = occurrence
                    return
        occurrence.index = self.index_count = getattr(self, "index_count", 0)
        self.index_count += 1
        self.append(occurrence)


class HyperParameterDBLambdas:
    """Row predicates and keys for HyperParameterDB queries."""

    @staticmethod
    def value_priority(row: HyperParameterOccurrence) -> int:
        return -row.value_priority

    @staticmethod
    def order_by(column: str) -> Callable[[HyperParameterOccurrence], Any]:
        return lambda row: getattr(row, column)

    @staticmethod
    def has_default_value(row: HyperParameterOccurrence) -> bool:
        return not isinstance(row.value, EmptyValue)

    @staticmethod
    def exist_attr(attr: str) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: getattr(row, attr, None) is not None

    @staticmethod
    def of_name(name: str) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: row.name == name

    @staticmethod
    def of_name_prefix(prefix: str) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: row.name is not None and row.name.startswith(prefix)

    @staticmethod
    def of_name_suffix(suffix: str) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: row.name is not None and row.name.endswith(suffix)

    @staticmethod
    def of_value(value: Any) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: row.value == value

    @staticmethod
    def of_priority(priority: int) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: row.priority == priority

    @staticmethod
    def apply_column(column: str, func: Callable[[Any], Any]) -> Callable[[HyperParameterOccurrence], None]:
        def apply(row: HyperParameterOccurrence) -> None:
            setattr(row, column, func(getattr(row, column)))
        return apply

    @staticmethod
    def land(*funcs: Callable[[HyperParameterOccurrence], bool]) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: all(f(row) for f in funcs)

    @staticmethod
    def lor(*funcs: Callable[[HyperParameterOccurrence], bool]) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: any(f(row) for f in funcs)

    @staticmethod
    def lnot(func: Callable[[HyperParameterOccurrence], bool]) -> Callable[[HyperParameterOccurrence], bool]:
        return lambda row: not func(row)


L = HyperParameterDBLambdas

__all__ = ["HyperParameterPriority", "P", "HyperParameterOccurrence", "HyperParamNode", "HyperParamTree",
           "HyperParameterDB", "HyperParameterDBLambdas", "L"]
