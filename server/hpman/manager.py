"""HyperParameterManager: the runtime store behind `_('lr', 0.1)`.

Values have three sources of rising priority (the "value trilogy"): the default
parsed from source, the value given to `_()` at runtime, and `set_value`. The
store keeps one flat dict of effective values in cells, so that `_('lr')` is one
dict lookup and `_('lr', 0.1)` one store into a cell (see __call__). Everything
else (trees, occurrence rows) is derived on demand. Every mutation is atomic: on
error nothing changes.
"""
import ast
import errno
import os
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Set, Tuple, Type, Union

from .hpm_db import HyperParameterDB, HyperParameterOccurrence, HyperParamNode, HyperParamTree, P, duplicate_message
from .index import ipynb
from .index.facts import extract_workspace, syntax_verdict
from .index.model import FileFacts, Issue, Occurrence, in_tree_order
from .index.workspace import Workspace
from .primitives import (
    BadArgumentsException,
    DoubleAssignmentException,
    EmptyValue,
    FlatMapping,
    ImpossibleTree,
    NotLiteralEvaluable,
    NotLiteralNameException,
    Primitive,
    TreeMapping,
)
from .source_helper import SourceHelper
from .trial import apply_env_values

if TYPE_CHECKING:
    from IPython.lib.pretty import PrettyPrinter

_EMPTY = EmptyValue()
PathLike = Union[str, "os.PathLike[str]"]
# a file's parse key -> (its display filename, its source, its facts)
_Files = Dict[str, Tuple[str, str, FileFacts]]


class _Parsed:
    """What the parsed sources say, derived from the files in parse order."""

    __slots__ = ("files", "occurrences", "defaults", "ranks", "helpers")

    def __init__(self, files: _Files) -> None:
        self.files = files
        self.ranks = {key: i for i, key in enumerate(files)}
        # name -> (file key, occurrence) of each of its calls / of those with a default
        self.occurrences: Dict[str, List[Tuple[str, Occurrence]]] = {}
        self.defaults: Dict[str, List[Tuple[str, Occurrence]]] = {}
        self.helpers: Dict[str, SourceHelper] = {}
        for key, (_display, _source, facts) in files.items():
            # in the order hpman 0.13 met the calls (ast.walk: less nested first), which is
            # the order of get_values() and of hpargparse's options
            for occ in facts.in_order():
                self.occurrences.setdefault(occ.name, []).append((key, occ))
                if occ.has_default:
                    self.defaults.setdefault(occ.name, []).append((key, occ))

    def helper(self, key: str) -> SourceHelper:
        """One SourceHelper per file, shared by its rows: a helper holds the file's
        lines, and a file with thousands of occurrences must not copy them per row."""
        helper = self.helpers.get(key)
        if helper is None:
            helper = self.helpers[key] = SourceHelper(self.files[key][1])
        return helper


# what a failed mutation restores: setter values, prefix counts, names, parsed sources (see _snapshot)
_Snapshot = Tuple[Dict[str, Any], Dict[str, int], Dict[str, None], _Parsed]


class _ParsedRow(HyperParameterOccurrence):
    """A row parsed from source. Its `ast_node` (the default's AST, as hpman 0.13 kept it) is
    made from the default's text when asked for: facts come from the cache without trees."""

    _occ: Optional[Occurrence] = None
    _node: Any = None
    _rank = 0   # the place of its file in parse order

    @property
    def ast_node(self) -> Any:
        occ = self._occ
        if self._node is None and occ is not None and occ.default_text is not None and occ.default_range:
            self._node = _default_node(occ.default_text, occ.default_range[0], occ.default_range[1])
        return self._node

    @ast_node.setter
    def ast_node(self, node: Any) -> None:
        self._node = node


# the nodes of an expression that have a position (`comprehension` and `arguments` have none)
_POSITIONED = (ast.expr, ast.keyword, ast.arg)


def _default_node(text: str, line: int, col: int) -> Optional[ast.expr]:
    """The AST of a default from its source text, at the line and column (0-based) it has in its file."""
    try:
        node = ast.parse("(\n" + text + "\n)", mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    for sub in ast.walk(node):
        if isinstance(sub, _POSITIONED):
            if sub.lineno == 2:
                sub.col_offset += col
            if sub.end_lineno == 2 and sub.end_col_offset is not None:
                sub.end_col_offset += col
            sub.lineno += line - 1
            if sub.end_lineno is not None:
                sub.end_lineno += line - 1
    return node


class HyperParameterManager:
    """Manages the hyperparameters called through one placeholder name."""

    def __init__(self, placeholder: str, separator: str = ".") -> None:
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError("separator must be a single character, got {!r}".format(separator))
        self.placeholder = placeholder
        self.separator = separator
        self._lock = threading.RLock()
        self._anonymous = 0
        self._parsed = _Parsed({})
        # Values are held in cells (one-item lists) so that the hot path is one store.
        self._runtime: Dict[str, List[Any]] = {}  # name -> cell of the value of its last call
        self._runtime_hints: Dict[str, Dict[str, Any]] = {}
        self._setter: Dict[str, Any] = {}
        self._setter_origins: Dict[str, Dict[str, Any]] = {}  # name -> where its setter value came from
        self._values: Dict[str, List[Any]] = {}   # leaves that have a value -> cell of that value
        self._fast: Dict[str, List[Any]] = {}     # leaves whose value is their runtime cell -> it
        self._prefix_count: Dict[str, int] = {}
        self._names: Dict[str, None] = {}     # every known name, in order of appearance
        self._tree_order: Optional[List[str]] = None   # _names grouped as a tree, see _in_tree_order

    # -- the hot path ---------------------------------------------------------
    # Lock-free protocol: `_fast` maps the leaves whose effective value is their
    # runtime value (no setter value, no branch) to their runtime cell, which is then
    # also their `_values` cell. A call stores into that cell and is done. A runtime
    # cell is never replaced, so a store racing a change made under the lock (a
    # set_value, the name becoming a branch) still lands in the runtime value, where
    # it belongs; the change gives the name another `_values` cell and takes it out of
    # `_fast` first. (The GIL rarely switches threads inside these few bytecodes, but
    # a name whose hashing runs Python code, or a free-threaded interpreter, does:
    # tests/runtime/test_thread_stress.py.)
    def __call__(self, hp_name: str, hp_value: Any = _EMPTY, **hints: Any) -> Any:
        if hp_value is _EMPTY:
            try:
                return self._values[hp_name][0]
            except (KeyError, TypeError):
                return self.get_value(hp_name)
        try:
            cell = self._fast[hp_name]
        except (KeyError, TypeError):
            return self._call_slow(hp_name, hp_value, hints)
        # Another EmptyValue instance also means "no value" (0.13 tested isinstance); the
        # class test costs a third of isinstance.
        if hp_value.__class__ is EmptyValue:
            return self._call_slow(hp_name, hp_value, hints)
        cell[0] = hp_value
        if hints:
            self._runtime_hints[hp_name] = hints
        return hp_value

    def _call_slow(self, name: str, value: Any, hints: Dict[str, Any]) -> Any:
        with self._lock:
            if isinstance(value, EmptyValue):
                return self.get_value(name)
            self._check_name(name)
            self._check_can_hold_value(name, P.PRIORITY_SET_FROM_CALLABLE)
            self._add_name(name)
            cell = self._runtime.get(name)
            if cell is None:
                self._runtime[name] = [value]
            else:
                cell[0] = value
            if hints:
                self._runtime_hints[name] = hints
            self._refresh(name)
            return self._setter[name] if name in self._setter else value

    # -- names and the tree shape ------------------------------------------------
    def _check_name(self, name: object) -> None:
        if not isinstance(name, str):
            raise TypeError("hyperparameter names are strings, got {!r}".format(name))

    def _prefixes(self, name: str) -> List[str]:
        parts = name.split(self.separator)
        return [self.separator.join(parts[:i]) for i in range(1, len(parts))]

    def _add_name(self, name: str) -> None:
        if name in self._names:
            return
        self._names[name] = None
        self._tree_order = None
        for prefix in self._prefixes(name):
            self._prefix_count[prefix] = self._prefix_count.get(prefix, 0) + 1
            self._refresh(prefix)

    def _is_branch(self, name: str) -> bool:
        return name in self._prefix_count

    def _refresh(self, name: str) -> None:
        """Recompute the effective value of one name (under the lock; see __call__):
        setter value, else runtime value, else the first parsed default."""
        self._fast.pop(name, None)
        if self._is_branch(name) or name not in self._names:
            self._values.pop(name, None)
        elif name in self._setter:
            self._store_leaf(name, self._setter[name])
        elif name in self._runtime:
            cell = self._values[name] = self._runtime[name]
            self._fast[name] = cell
        else:
            defaults = self._parsed.defaults.get(name)
            self._store_leaf(name, defaults[0][1].value if defaults else _EMPTY)

    def _store_leaf(self, name: str, value: Any) -> None:
        if isinstance(value, EmptyValue):
            self._values.pop(name, None)
        else:
            self._values[name] = [value]

    def _check_can_hold_value(self, name: str, priority: int) -> None:
        """A value may not sit on a branch, nor under a prefix holding a setter value."""
        if self._is_branch(name):
            raise ImpossibleTree("node `{}` has is both a leaf and a tree.".format(name))
        for prefix in self._prefixes(name):
            if prefix in self._setter and not self._is_branch(prefix):
                raise ImpossibleTree("node `{}` has is both a leaf and a tree.".format(prefix))

    # -- getters ----------------------------------------------------------------------
    def get_value(self, name: str, raise_exception: bool = True) -> Any:
        """The effective value of a leaf, or the tree of values under a branch."""
        try:
            return self._values[name][0]
        except (KeyError, TypeError):
            pass
        with self._lock:
            if name in self._values:
                return self._values[name][0]
            if isinstance(name, str) and self._is_branch(name):
                return self.get_tree(name)
        if raise_exception:
            raise KeyError("`{}` not found".format(name))
        return EmptyValue()

    def exists(self, hp_name: str) -> bool:
        return not isinstance(self.get_value(hp_name, raise_exception=False), EmptyValue)

    def _in_tree_order(self) -> List[str]:
        """The known names in hpman 0.13's order (see index.facts.in_tree_order), kept until a name comes or goes."""
        order = self._tree_order
        if order is None:
            order = self._tree_order = in_tree_order(self._names, self.separator)
        return order

    def get_values(self) -> Dict[str, Any]:
        """Flat `{dotted name: value}` of every leaf that has a value, in tree order."""
        with self._lock:
            values = self._values
            return {name: values[name][0] for name in self._in_tree_order() if name in values}

    def get_tree(self, prefix: str = "", annotate_dict: bool = False) -> Dict[str, Any]:
        """Nested dict of the values under `prefix` ("" for everything)."""
        with self._lock:
            sep = self.separator
            start = prefix + sep if prefix else ""
            out: Dict[str, Any] = {}
            # in tree order: a name that turned into a branch keeps the place where it appeared (as in 0.13)
            for name in self._in_tree_order():
                if not name.startswith(start) or (prefix and name == prefix) or self._is_branch(name):
                    continue
                # a name without any value is a leaf too, holding EmptyValue (as in 0.13)
                value = self._values[name][0] if name in self._values else EmptyValue()
                if annotate_dict and isinstance(value, dict):
                    value = dict(value)
                    value[HyperParamTree.DICT_ANNOTATION] = True
                parts = name[len(start):].split(sep)
                level = out
                for part in parts[:-1]:
                    nxt = level.get(part)
                    if not isinstance(nxt, dict) or nxt is value:
                        nxt = level[part] = {}
                    level = nxt
                level[parts[-1]] = value
            return out

    def get_occurrence(self, name: str) -> Optional[HyperParameterOccurrence]:
        """The occurrence that gives `name` its value (None for a branch or an unknown name)."""
        with self._lock:
            if name not in self._names or self._is_branch(name):
                return None
            node = self._node(name)
            return node.get()

    def get_nodes(self) -> List[HyperParamNode]:
        with self._lock:
            return [self._node(name) for name in self._in_tree_order() if name in self._values]

    @property
    def tree(self) -> HyperParamTree:
        """A HyperParamTree view of the current state (rebuilt on each access)."""
        with self._lock:
            tree = HyperParamTree(self.separator)
            for name in self._names:
                level = tree._allocate(name)
                level.node = self._node(name)
            return tree

    @property
    def db(self) -> HyperParameterDB:
        """Every occurrence row: parsed ones in file and line order, then runtime and setter rows."""
        with self._lock:
            rows = HyperParameterDB()
            for name in self._names:
                rows.extend(self._rows(name))
            rows.sort(key=lambda r: (r.priority, self._file_rank(r), r.lineno or 0))
            return rows

    def _file_rank(self, row: HyperParameterOccurrence) -> int:
        return getattr(row, "_rank", 0)

    def _node(self, name: str) -> HyperParamNode:
        node = HyperParamNode(name)
        node._db = sorted(self._rows(name), key=lambda o: -o.value_priority)
        return node

    def _rows(self, name: str) -> List[HyperParameterOccurrence]:
        rows: List[HyperParameterOccurrence] = []
        parsed = self._parsed
        ranks = parsed.ranks
        for key, occ in parsed.occurrences.get(name, ()):
            display = parsed.files[key][0]
            row = _ParsedRow(
                name=name, value=occ.value, priority=P.PRIORITY_PARSED_FROM_SOURCE_CODE,
                filename=display, lineno=occ.line + 1, hints=dict(occ.hints),
                source_helper=parsed.helper(key))
            row._occ = occ
            row._rank = ranks[key]
            rows.append(row)
        if name in self._runtime:
            rows.append(HyperParameterOccurrence(name=name, value=self._runtime[name][0],
                                                 priority=P.PRIORITY_SET_FROM_CALLABLE,
                                                 hints=self._runtime_hints.get(name)))
        if name in self._setter:
            rows.append(HyperParameterOccurrence(name=name, value=self._setter[name],
                                                 priority=P.PRIORITY_SET_FROM_SETTER))
        return rows

    # -- setters ------------------------------------------------------------------------
    def set_value(self, name: str, value: Primitive[Any],
                  origin: Optional[Dict[str, Any]] = None) -> "HyperParameterManager":
        """Set a value with the highest priority."""
        return self.set_values({name: value}, None if origin is None else {name: origin})

    def set_values(self, values: FlatMapping,
                   origins: Optional[Dict[str, Dict[str, Any]]] = None) -> "HyperParameterManager":
        """Set several values with the highest priority, all or none.

        `origins` says where some of them came from (`{"kind": "command-line", ...}`, see
        hpman.records); the others are marked as set by `set_value`. Run records read it back
        with `setter_origin`."""
        values = dict(values)
        with self._lock:
            saved = self._snapshot()
            try:
                for name, value in values.items():
                    self._check_name(name)
                    self._check_can_hold_value(name, P.PRIORITY_SET_FROM_SETTER)
                    self._add_name(name)
                    self._setter[name] = value
                    self._refresh(name)
            except BaseException:
                self._restore(saved)
                raise
            for name in values:
                self._setter_origins[name] = dict((origins or {}).get(name) or {"kind": "set_value"})
        return self

    def setter_origin(self, name: str) -> Optional[Dict[str, Any]]:
        """Where the set value of `name` came from, or None when it has none."""
        with self._lock:
            return dict(self._setter_origins[name]) if name in self._setter else None

    def set_tree(self, tree_values: TreeMapping, prefix: str = "") -> "HyperParameterManager":
        """Set a nested dict of values under `prefix`; a dict annotated with
        `__is_dict__: True` is one value, not a subtree. The argument is not modified."""
        if not isinstance(prefix, str):
            raise TypeError("Tree prefix must be a string.")
        flat: Dict[str, Any] = {}

        def walk(value: Any, key: str) -> None:
            if not isinstance(value, dict):
                flat[key] = value
                return
            if value.get(HyperParamTree.DICT_ANNOTATION):
                flat[key] = {k: v for k, v in value.items() if k != HyperParamTree.DICT_ANNOTATION}
                return
            for k, v in value.items():
                if k == HyperParamTree.DICT_ANNOTATION:
                    continue
                if not isinstance(k, str):
                    raise ImpossibleTree("Tree keys must be strings, but {!r} under `{}` is a {}."
                                         .format(k, key, type(k).__name__))
                walk(v, self.separator.join([key, k]) if key else k)

        walk(tree_values, prefix)
        return self.set_values(flat)

    def _snapshot(self) -> "_Snapshot":
        """The state a failed mutation must return to (runtime values are never rolled back)."""
        return dict(self._setter), dict(self._prefix_count), dict(self._names), self._parsed

    def _restore(self, saved: "_Snapshot") -> None:
        setter, prefix_count, names, self._parsed = saved
        self._tree_order = None
        self._setter.clear()
        self._setter.update(setter)
        self._prefix_count.clear()
        self._prefix_count.update(prefix_count)
        self._names.clear()
        self._names.update(names)
        self._rederive()

    # -- static parsing -------------------------------------------------------------------
    # One engine: parse_file runs the index's scan (discovery, decoding, pre-filter, extraction,
    # whole-module syntax check, the content-keyed cache) with this manager's placeholder bound
    # in every module as hpman 0.13 counted it, and turns the verdict on each file into 0.13's
    # exceptions. `hpman check` reads the same facts, so the two cannot disagree.
    def parse_file(self, path: Union[PathLike, Sequence[PathLike]]) -> "HyperParameterManager":
        """Parse a file, a directory (recursively) or a list of both."""
        paths = [os.fspath(path)] if isinstance(path, (str, bytes, os.PathLike)) else [os.fspath(p) for p in path]
        ws = Workspace(paths, cache=_cache_enabled(), verify=True, predeclared=self.placeholder,
                       max_bytes=None, keep_text=True, suffixes=(".py",))
        ws.scan(workers=_runtime_workers(), spawn=True)
        gone = ws.vanished()
        if gone:   # listed, then deleted before it was read: as open() would have said
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), gone[0])
        items: List[Tuple[str, str, Optional[str], FileFacts]] = []
        for file in ws.paths_in_order():
            display = ws.path_as_given(file)
            facts = ws.facts_of(file)
            if facts is not None:   # always: these are the indexed files
                items.append((_file_key(display), display, ws.kept_text(file), facts))
        return self._parse_many(items)

    def parse_source(self, source: str, filename: str = "<unknown>") -> "HyperParameterManager":
        """Parse source text as if it were the file `filename`."""
        with self._lock:
            if filename == "<unknown>" or not os.path.exists(filename):
                self._anonymous += 1
                key = "{}#{}".format(filename, self._anonymous)
            else:
                key = _file_key(filename)
        facts = extract_workspace(source, filename, predeclared=self.placeholder)
        # hpman 0.13 parsed the text whole whatever it holds: so does parse_source
        facts = facts.with_syntax_verdict(_source_verdict(source, filename))
        return self._parse_many([(key, filename, source, facts)])

    def _parse_many(self, items: List[Tuple[str, str, Optional[str], FileFacts]]) -> "HyperParameterManager":
        """Take the facts of these files (in parse order), or raise what hpman 0.13 raised: it went
        file by file, and in a file call by call, stopping at the first problem (see _Pusher)."""
        placeholder = self.placeholder
        with self._lock:
            files = dict(self._parsed.files)
            for key, _display, _source, _facts in items:
                files.pop(key, None)
            pusher = _Pusher(files, self.separator)
            mine: List[Tuple[str, str, str, FileFacts]] = []
            for key, display, source, facts in items:
                occurrences = pusher.push_file(facts, display, source or "", placeholder)
                if occurrences:
                    mine.append((key, display, source or "", FileFacts(facts.path, occurrences, [], {})))
            for key, display, source, facts in mine:
                files[key] = (display, source, facts)
            saved = self._snapshot()
            try:
                self._parsed = _Parsed(files)
                for name, _ in self._parsed.occurrences.items():
                    self._add_name(name)
                self._rederive()
                self._check_tree()
            except BaseException:
                self._restore(saved)
                raise
        apply_env_values(self)
        return self

    def _rederive(self) -> None:
        """Drop names no longer backed by any source and recompute every value."""
        live = set(self._parsed.occurrences) | set(self._runtime) | set(self._setter)
        if any(name not in live for name in self._names):
            names = [n for n in self._names if n in live]
            self._names.clear()
            self._tree_order = None
            self._prefix_count.clear()
            for name in names:
                self._add_name(name)
        for name in list(self._values):
            if name not in self._names:
                self._fast.pop(name, None)
                self._values.pop(name, None)
        for name in self._names:
            self._refresh(name)

    def _check_tree(self) -> None:
        for name in self._parsed.defaults:
            if self._is_branch(name):
                raise ImpossibleTree("node `{}` has is both a leaf and a tree.".format(name))

    def __repr__(self) -> str:
        return "<HyperParameterManager {!r}: {} hyperparameters>".format(self.placeholder, len(self._values))

    # notebook display (hpman/display.py): a table of name, value, type, where the default is
    def _repr_html_(self) -> str:
        from .display import to_html
        return to_html(self)

    def _repr_pretty_(self, printer: "PrettyPrinter", cycle: bool) -> None:
        from .display import repr_pretty
        repr_pretty(self, printer, cycle)


def _file_key(path: PathLike) -> str:
    return os.path.realpath(os.fspath(path))


def _cache_enabled() -> bool:
    """The runtime keeps its facts in the same persistent cache as the index, unless
    HPMAN_NO_CACHE is set (to anything but 0)."""
    return os.environ.get("HPMAN_NO_CACHE", "0") in ("", "0")


def _runtime_workers() -> int:
    """Two processes on a machine with two cores or more (the second one a fresh interpreter:
    the user's program must not be forked), unless HPMAN_WORKERS=1."""
    from .index.parallel import available_cores
    return 1 if os.environ.get("HPMAN_WORKERS") == "1" else min(2, available_cores())


def _source_verdict(source: str, filename: str) -> Optional[Issue]:
    """The syntax verdict on a text given to parse_source (a NUL byte: at its line)."""
    if "\0" in source:
        line = source.count("\n", 0, source.index("\0"))
        return Issue("syntax-error", "error", "cannot parse: source code cannot contain null bytes",
                     (line, 0, line, 0))
    return syntax_verdict(source, filename)


def _raise_file_verdict(facts: FileFacts, filename: str, source: str) -> None:
    """A file that cannot be read (OSError) or parsed (SyntaxError), whatever manager it uses."""
    whole = [i for i in facts.issues if i.severity == "error" and i.manager is None]
    if not whole:
        return
    issue = min(whole, key=lambda i: i.range)
    line = issue.range[0] + 1
    detail: Dict[str, Any] = issue.data if isinstance(issue.data, dict) else {}
    if "errno" in detail:
        raise OSError(detail["errno"], detail["strerror"], filename)
    message = issue.message
    if message.startswith("cannot parse: "):
        message = message[len("cannot parse: "):]
    elif message.startswith("cannot decode: "):
        message = "cannot decode source: " + message[len("cannot decode: "):]
    lines = source.split("\n")
    text = lines[line - 1] if line - 1 < len(lines) else None
    cls = _SYNTAX_CLASSES.get(detail.get("class", ""), SyntaxError)   # IndentationError, TabError as Python raised
    raise cls(message, (filename, line, issue.range[1] + 1, text))


_SYNTAX_CLASSES: Dict[str, Type[SyntaxError]] = {"IndentationError": IndentationError, "TabError": TabError}


def _raise_call_issue(issue: Issue, filename: str, source: str) -> None:
    """The exception hpman 0.13 raised for a bad call of the manager."""
    line = issue.range[0] + 1
    if issue.code == "bad-arguments":
        raise BadArgumentsException(
            "number of positional args should be in range [1, 2], (was {} args), {}:L{}".format(
                issue.data, filename, line))
    if issue.code == "non-literal-name":
        raise NotLiteralNameException("hp-name should be literal-string: {}:L{}".format(filename, line))
    if issue.code == "non-literal-hint":
        raise NotLiteralEvaluable("Value of hint keyword `{}` is not literal evaluable: \n{}".format(
            issue.data, SourceHelper.format_given_filename_and_source_and_lineno(filename, source, line)))


def _events(facts: FileFacts, placeholder: str) -> Sequence[Union[Occurrence, Issue]]:
    """This manager's occurrences and bad calls in one file, in the order hpman 0.13 met them:
    the facts' order key when every event has one, else their position."""
    occurrences = [o for o in facts.in_order() if o.manager == placeholder]
    issues = [i for i in facts.issues if i.manager == placeholder and i.severity == "error"]
    if not issues:
        return occurrences
    events = occurrences + issues
    if all(getattr(e, "order", None) is not None for e in events):
        return sorted(events, key=lambda e: e.order or ())   # (`or ()` for the type checker: none is None)
    return sorted(events, key=lambda e: e.call if isinstance(e, Occurrence) else e.range)


class _Pusher:
    """Replays hpman 0.13's pushes of parsed occurrences to raise what it raised, where it did:
    a duplicate default at the second one (against every file pushed before), a leaf that is
    also a tree when the leaf is pushed after its branch, or at the end of the file that made
    a branch of a leaf (0.13's validate())."""

    def __init__(self, files: _Files, separator: str) -> None:
        self.separator = separator
        self.defaults: Dict[str, Tuple[str, str, Occurrence]] = {}   # name -> (display, source, its first default)
        self.prefixes: Set[str] = set()
        self.names: Set[str] = set()
        for display, source, facts in files.values():
            for occ in facts.occurrences:
                self._add(occ, display, source)

    def _add(self, occ: Occurrence, display: str, source: str) -> None:
        if occ.has_default and occ.name not in self.defaults:
            self.defaults[occ.name] = (display, source, occ)
        if occ.name not in self.names:
            self.names.add(occ.name)
            self.prefixes.update(_name_prefixes(occ.name, self.separator))

    def push_file(self, facts: FileFacts, display: str, source: str, placeholder: str) -> List[Occurrence]:
        """Push one file's events; returns its occurrences of this manager, in order."""
        _raise_file_verdict(facts, display, source)
        pushed = []
        for event in _events(facts, placeholder):
            if isinstance(event, Issue):
                _raise_call_issue(event, display, source)
                continue
            occ = event
            if occ.has_default:
                first = self.defaults.get(occ.name)
                if first is not None:
                    raise DoubleAssignmentException(duplicate_message(
                        _context(first[0], first[1], first[2]), _context(display, source, occ)))
            self._add(occ, display, source)
            if occ.name in self.defaults and occ.name in self.prefixes:
                raise ImpossibleTree("node `{}` has is both a leaf and a tree.".format(occ.name))
            pushed.append(occ)
        for occ in pushed:
            for prefix in _name_prefixes(occ.name, self.separator):
                if prefix in self.defaults:
                    raise ImpossibleTree("node `{}` has is both a leaf and a tree.".format(prefix))
        return pushed


def _name_prefixes(name: str, separator: str) -> List[str]:
    parts = name.split(separator)
    return [separator.join(parts[:i]) for i in range(1, len(parts))]


def _context(display: str, source: str, occ: Occurrence) -> str:
    if ipynb.is_notebook(display):   # `nb.ipynb:cell 3:2` and the lines of that cell
        return ipynb.format_context(display, source, occ.line + 1)
    return SourceHelper.format_given_filename_and_source_and_lineno(display, source, occ.line + 1)
