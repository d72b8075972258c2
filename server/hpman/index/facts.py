"""The one parser: module text → hyperparameter facts with exact ranges.

Used by the runtime (`HyperParameterManager.parse_source`, placeholder mode:
every bare call of the placeholder counts, as in hpman 0.13) and by the
workspace index (import-aware mode: a module's calls count for the managers it
imports from hpman, following Python's scoping rules).

Only the top-level statements that mention a relevant name are parsed (see
chunks.py); the results of each statement are kept by text so that, after an
edit, only the statements whose text changed are parsed again.
"""
import ast
import bisect
import functools
import re
import sys
import warnings
import zlib
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from ..primitives import EmptyValue, NotLiteralEvaluable
from .chunks import starts_after_edit, statement_starts
from .positions import Range, utf8_to_char

EMPTY = EmptyValue()

ERROR, WARNING, INFO = "error", "warning", "information"
MANAGER_MODULE = "hpman.m"
MANAGER_CLASS = "HyperParameterManager"


class Occurrence:
    """One call of a manager in the source: `_('name', default, **hints)`."""

    __slots__ = ("manager", "name", "path", "call", "name_range", "default_range",
                 "value", "default_text", "hints", "node")

    def __init__(self, manager: str, name: str, path: str, call: Range, name_range: Range,
                 default_range: Optional[Range], value: Any, default_text: Optional[str],
                 hints: Dict[str, Any], node: Optional[ast.AST] = None) -> None:
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

    def __getstate__(self):
        return tuple(getattr(self, s) if s != "node" else None for s in self.__slots__)

    def __setstate__(self, state):
        for slot, value in zip(self.__slots__, state):
            setattr(self, slot, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Occurrence):
            return NotImplemented
        # every slot but the AST node; the value by kind (a NotLiteralEvaluable equals no other instance)
        fields = ("manager", "name", "path", "call", "name_range", "default_range", "default_text", "hints")
        return (all(getattr(self, f) == getattr(other, f) for f in fields)
                and _same(self.value, other.value))

    def __repr__(self) -> str:
        return "Occurrence({!r}, {!r}, {}:{})".format(self.manager, self.name, self.path, self.call[0] + 1)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (EmptyValue, NotLiteralEvaluable)):
        return type(a) is type(b)
    return type(a) is type(b) and a == b


class Issue:
    """A problem found inside one file, independent of every other file."""

    __slots__ = ("code", "severity", "message", "range", "data", "manager")

    def __init__(self, code: str, severity: str, message: str, rng: Range, data: Any = None,
                 manager: Optional[str] = None) -> None:
        self.code = code
        self.severity = severity
        self.message = message
        self.range = rng
        self.data = data
        # the manager whose call this is about (None: about the whole file, e.g. a syntax error),
        # so that `hp.parse_file` raises for hp's bad calls and not for `_`'s
        self.manager = manager

    def __getstate__(self):
        return (self.code, self.severity, self.message, self.range, self.data, self.manager)

    def __setstate__(self, state):
        self.code, self.severity, self.message, self.range, self.data, self.manager = state

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

    def __getstate__(self):
        return (self.path, self.occurrences, self.issues, self.managers, self.verified)

    def __setstate__(self, state):
        self.path, self.occurrences, self.issues, self.managers, self.verified = state
        self._reach = None

    def in_order(self) -> List[Occurrence]:
        """The occurrences in the order the runtime registers them (its get_values order), which
        `hpman list` follows too: one function, so the two cannot list names differently."""
        return self.occurrences

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


# -- per-statement extraction --------------------------------------------------

class _Binding:
    """A binding of a candidate name: to a manager (its name) or to something else (None)."""

    __slots__ = ("alias", "manager", "module_level", "range")

    def __init__(self, alias: str, manager: Optional[str], module_level: bool, rng: Range) -> None:
        self.alias = alias
        self.manager = manager
        self.module_level = module_level
        self.range = rng


class _Call:
    __slots__ = ("alias", "node", "shadowed")

    def __init__(self, alias: str, node: ast.Call, shadowed: Any) -> None:
        self.alias = alias
        self.node = node
        # False: the module's binding; True: hidden by a local binding;
        # a str: the manager that an enclosing scope imports locally (`from hpman.m import _` in a def)
        self.shadowed = shadowed


def _enter(hidden: FrozenSet[Any], local: Dict[str, Optional[str]]) -> FrozenSet[Any]:
    """The scope state inside a nested scope: `hidden` holds hidden names and (alias, manager)
    pairs for local manager imports; the nested scope's own bindings replace the outer ones."""
    if not local:
        return hidden
    kept = [e for e in hidden if (e[0] if isinstance(e, tuple) else e) not in local]
    kept.extend(alias if mgr is None else (alias, mgr) for alias, mgr in local.items())
    return frozenset(kept)


def _call_state(hidden: FrozenSet[Any], alias: str) -> Any:
    if alias in hidden:
        return True
    for e in hidden:
        if isinstance(e, tuple) and e[0] == alias:
            return e[1]
    return False


class _Piece:
    """What one top-level statement holds, with lines relative to its first line."""

    __slots__ = ("calls", "bindings")

    def __init__(self, calls: List[Tuple[str, bool, Any]], bindings: List[_Binding]) -> None:
        self.calls = calls          # (alias, shadowed, raw occurrence tuple or Issue)
        self.bindings = bindings


def _manager_of_value(node: ast.AST) -> Optional[str]:
    """The manager name of `HyperParameterManager('x')` / `hpman.HyperParameterManager('x')`."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    fname = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    arg = node.args[0]
    if fname == MANAGER_CLASS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


class _Walker:
    """Finds manager calls and bindings of candidate names in one statement.

    In scoped mode it follows Python's scopes: a function (or lambda,
    comprehension, class body) that binds a candidate name hides the module's
    binding inside it.
    """

    def __init__(self, names: FrozenSet[str], scoped: bool, lines: Sequence[str]) -> None:
        self.names = names
        self.scoped = scoped
        self.lines = lines
        # 1-based lines where a candidate name appears: subtrees elsewhere are skipped
        self.hot = [i + 1 for i, line in enumerate(lines) if find_tokens(line, names)]
        self.calls: List[_Call] = []
        self.bindings: List[_Binding] = []
        self._pending: Optional[List[Tuple[ast.AST, FrozenSet[str]]]] = None

    def rng(self, node: ast.AST) -> Range:
        lines = self.lines
        sl, el = node.lineno - 1, node.end_lineno - 1
        return (sl, utf8_to_char(lines[sl], node.col_offset), el, utf8_to_char(lines[el], node.end_col_offset))

    # bindings ------------------------------------------------------------
    def _bind(self, alias: str, manager: Optional[str], node: ast.AST, module_level: bool) -> None:
        if alias in self.names:
            self.bindings.append(_Binding(alias, manager, module_level, self.rng(node)))

    def statement_bindings(self, stmt: ast.AST, module_level: bool) -> None:
        """Record what `stmt` binds in its own scope (not inside nested scopes)."""
        handled = set()
        for node in self._scope_nodes(stmt):
            if id(node) in handled:
                continue
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    alias = a.asname or a.name
                    mgr = a.name if node.module == MANAGER_MODULE and node.level == 0 else None
                    self._bind(alias, mgr, node, module_level)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    self._bind(a.asname or a.name.partition(".")[0], None, node, module_level)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._bind(node.name, None, node, module_level)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                handled.add(id(node.targets[0]))
                self._bind(node.targets[0].id, _manager_of_value(node.value), node.targets[0], module_level)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                handled.add(id(node.target))
                self._bind(node.target.id, _manager_of_value(node.value), node.target, module_level)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self._bind(node.id, None, node, module_level)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self._bind(node.name, None, node, module_level)
            elif _is_match_capture(node):
                self._bind(node.name, None, node, module_level)

    # traversal -----------------------------------------------------------
    def visit_module_statement(self, stmt: ast.stmt) -> None:
        if self.scoped:
            self.statement_bindings(stmt, True)
            self.visit(stmt, frozenset())
        else:
            self._calls_in(stmt)

    def _calls_in(self, root: ast.AST) -> None:
        """Without scopes, the calls are all there is to find: a plain walk of the hot
        subtrees, in the same (source) order as `visit`."""
        names, is_hot, calls = self.names, self.is_hot, self.calls
        stack = [root] if is_hot(root) else []
        while stack:
            node = stack.pop()
            if node.__class__ is ast.Call:
                func = node.func
                if func.__class__ is ast.Name and func.id in names:
                    calls.append(_Call(func.id, node, False))
            children = [child for child in ast.iter_child_nodes(node) if is_hot(child)]
            children.reverse()
            stack.extend(children)

    def is_hot(self, node: ast.AST) -> bool:
        """Whether a candidate name appears within the lines of `node`."""
        start = getattr(node, "lineno", None)
        if start is None:
            return True
        decorators = getattr(node, "decorator_list", None)
        if decorators:  # a def's or class's lineno is the `def` line, below its decorators
            start = min(start, decorators[0].lineno)
        hot = self.hot
        i = bisect.bisect_left(hot, start)
        return i < len(hot) and hot[i] <= node.end_lineno

    def _scope_nodes(self, stmt: ast.AST):
        """The nodes of `stmt` in its own scope (a nested scope yields only itself), hot subtrees only."""
        stack = [stmt]
        is_hot = self.is_hot
        while stack:
            node = stack.pop()
            yield node
            if isinstance(node, _NESTED_SCOPES) and node is not stmt:
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is stmt:
                continue  # a def binds its name here; its body is another scope
            stack.extend(child for child in ast.iter_child_nodes(node) if is_hot(child))

    def visit(self, node: ast.AST, hidden: FrozenSet[str]) -> None:
        """Visit `node` and what it contains, in source order, without recursion.

        Deep but valid expressions (a chain of 1,000 `+`, a long method chain)
        must not hit the recursion limit: the handlers below schedule the
        nodes they would visit, and this loop visits them depth first.
        """
        if self._pending is not None:  # called from a handler: schedule
            self._pending.append((node, hidden))
            return
        stack = [(node, hidden)]
        try:
            while stack:
                item, item_hidden = stack.pop()
                self._pending = pending = []
                self._visit_one(item, item_hidden)
                stack.extend(reversed(pending))
        finally:
            self._pending = None

    def _visit_one(self, node: ast.AST, hidden: FrozenSet[str]) -> None:
        if not self.is_hot(node):
            return
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in self.names:
                self.calls.append(_Call(func.id, node, _call_state(hidden, func.id) if hidden else False))
        if self.scoped:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                self._visit_function(node, hidden)
                return
            if isinstance(node, ast.ClassDef):
                self._visit_class(node, hidden)
                return
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                self._visit_comprehension(node, hidden)
                return
        for child in ast.iter_child_nodes(node):
            self.visit(child, hidden)

    def _visit_function(self, node: ast.AST, hidden: FrozenSet[str]) -> None:
        args = node.args
        for d in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self.visit(d, hidden)
        if not isinstance(node, ast.Lambda):
            for d in node.decorator_list:
                self.visit(d, hidden)
            for a in _all_args(args):
                if a.annotation is not None:
                    self.visit(a.annotation, hidden)
            if node.returns is not None:
                self.visit(node.returns, hidden)
        params = {a.arg for a in _all_args(args)}
        for a in _all_args(args):
            self._bind(a.arg, None, a, False)
        body = node.body if isinstance(node.body, list) else [node.body]
        inner = _enter(hidden, self._local_names(body, params))
        for stmt in body:
            self.visit(stmt, inner)

    def _visit_class(self, node: ast.ClassDef, hidden: FrozenSet[str]) -> None:
        for d in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(d, hidden)
        local = _enter(hidden, self._local_names(node.body, set()))
        for stmt in node.body:
            # methods see the enclosing scope, not the class body's names
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.visit(stmt, hidden)
            else:
                self.visit(stmt, local)

    def _visit_comprehension(self, node: ast.AST, hidden: FrozenSet[str]) -> None:
        targets = set()
        for gen in node.generators:
            for n in ast.walk(gen.target):
                if isinstance(n, ast.Name):
                    targets.add(n.id)
        inner = _enter(hidden, {t: None for t in targets & self.names})
        for i, gen in enumerate(node.generators):
            self.visit(gen.iter, hidden if i == 0 else inner)
            for cond in gen.ifs:
                self.visit(cond, inner)
        for part in ("elt", "key", "value"):
            sub = getattr(node, part, None)
            if sub is not None:
                self.visit(sub, inner)

    def _local_names(self, body: List[ast.stmt], params: Iterable[str]) -> Dict[str, Optional[str]]:
        """Candidate names that a scope binds locally, recording the rebindings: alias -> None when
        the scope hides the manager, or -> the manager when the scope only imports it from hpman."""
        declared_global = set()
        for stmt in body:
            for n in self._scope_nodes(stmt):
                if isinstance(n, (ast.Global, ast.Nonlocal)):
                    declared_global.update(n.names)
        before = len(self.bindings)
        for stmt in body:
            self.statement_bindings(stmt, False)
        found: Dict[str, Optional[str]] = {}
        for b in self.bindings[before:]:
            # any other binding of the name in the scope hides the manager
            found[b.alias] = None if b.manager is None or found.get(b.alias, "") is None else b.manager
        found.update((p, None) for p in params if p in self.names)
        return {alias: mgr for alias, mgr in found.items() if alias not in declared_global}


def _all_args(args: ast.arguments) -> List[ast.arg]:
    out = list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)
    if args.vararg:
        out.append(args.vararg)
    if args.kwarg:
        out.append(args.kwarg)
    return out


def _is_match_capture(node: ast.AST) -> bool:
    return sys.version_info >= (3, 10) and isinstance(node, (ast.MatchAs, ast.MatchStar)) and bool(node.name)


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                  ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


# -- turning calls into occurrences -------------------------------------------

_LITERAL_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError, AttributeError)


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except _LITERAL_ERRORS:
        return NotLiteralEvaluable()


def _segment(lines: Sequence[str], rng: Range) -> str:
    sl, sc, el, ec = rng
    if sl == el:
        return lines[sl][sc:ec]
    return "\n".join([lines[sl][sc:]] + list(lines[sl + 1:el]) + [lines[el][:ec]])


def _call_to_raw(call: _Call, walker: _Walker, lines: Sequence[str], keep_node: bool):
    """A call as (name, call range, name range, default range, value, text, hints, node), or an Issue."""
    node = call.node
    rng = walker.rng
    call_range = rng(node)
    positional = node.args
    if any(isinstance(a, ast.Starred) for a in positional) or not 1 <= len(positional) <= 2:
        return Issue("bad-arguments", ERROR,
                     "`{}(...)` takes a name and at most one default value ({} positional arguments given)"
                     .format(call.alias, len(positional)), call_range, len(positional))
    name_node = positional[0]
    if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)):
        return Issue("non-literal-name", ERROR, "the hyperparameter name must be a literal string",
                     rng(name_node))
    hints: Dict[str, Any] = {}
    for kw in node.keywords:
        value = _literal(kw.value) if kw.arg is not None else NotLiteralEvaluable()
        if isinstance(value, NotLiteralEvaluable):
            label = kw.arg if kw.arg is not None else "**"
            return Issue("non-literal-hint", ERROR,
                         "hint `{}` of `{}` is not a literal".format(label, name_node.value),
                         rng(kw.value), label)
        hints[kw.arg] = value
    default_range = value_text = None
    value: Any = EMPTY
    default_node = None
    if len(positional) == 2:
        default_node = positional[1]
        default_range = rng(default_node)
        value = _literal(default_node)
        value_text = _segment(lines, default_range)
    return (name_node.value, call_range, rng(name_node), default_range, value, value_text, hints,
            default_node if keep_node else None)


def extract_piece(tree: ast.Module, lines: Sequence[str], names: FrozenSet[str], scoped: bool,
                  keep_nodes: bool = False) -> _Piece:
    """Facts of one parsed statement group, lines relative to it."""
    if scoped and _calls_only("\n".join(lines), names):
        scoped = False   # nothing here binds a candidate name: no scope can hide a manager
    walker = _Walker(names, scoped, lines)
    for stmt in tree.body:
        walker.visit_module_statement(stmt)
    calls = [(c.alias, c.shadowed, _call_to_raw(c, walker, lines, keep_nodes)) for c in walker.calls]
    return _Piece(calls, walker.bindings)


# -- whole files -----------------------------------------------------------------

class PieceCache:
    """Results of parsed statements by (text, names, mode), reused across edits."""

    def __init__(self) -> None:
        self.entries: Dict[Tuple[str, FrozenSet[str], bool], Any] = {}

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, value) -> None:
        self.entries[key] = value


class _SyntaxFailure:
    __slots__ = ("message", "line", "col")

    def __init__(self, message: str, line: int, col: int) -> None:
        self.message, self.line, self.col = message, line, col


def parse_module(text: str, filename: str) -> ast.Module:
    """`ast.parse`, without the warnings compiling emits for the code it reads (an invalid
    escape sequence is a SyntaxWarning since 3.12): they are the user's code's business, would
    land on our stderr with a chunk's line numbers, and under `-W error` would become errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename)


def _parse(text: str, filename: str):
    try:
        return parse_module(text, filename)
    except SyntaxError as exc:
        return _SyntaxFailure(exc.msg or "invalid syntax", max((exc.lineno or 1) - 1, 0),
                              max((exc.offset or 1) - 1, 0))
    except (ValueError, MemoryError, RecursionError, OverflowError) as exc:
        return _SyntaxFailure(str(exc) or type(exc).__name__, 0, 0)


@functools.lru_cache(maxsize=256)
def _token_regex(names: FrozenSet[str]) -> "re.Pattern[str]":
    # no look-behind: a pattern that starts with a literal is searched much faster
    return re.compile(r"(?:{})(?!\w)".format("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))))


_CALL_AFTER = re.compile(r"[ \t]*\(")
_DEFINED_BEFORE = re.compile(r"(?<!\w)(?:def|class)[ \t]+$")


def _calls_only(text: str, names: FrozenSet[str]) -> bool:
    """Whether every candidate name in `text` is called right there (`_(` but not `def _(`).

    A called name is never a binding target, so such a text binds no candidate name and
    the scope analysis has nothing to find: the common case of a function that only uses
    hyperparameters. Names in strings and comments make this False, which is only slower.
    """
    for m in _token_matches(text, names):
        pos = m.start()
        if not _CALL_AFTER.match(text, m.end()) or _DEFINED_BEFORE.search(text, max(0, pos - 80), pos):
            return False
    return True


def _token_matches(text: str, names: FrozenSet[str], begin: int = 0, end: Optional[int] = None):
    """The matches of one of `names` as a whole identifier (not the tail of a longer one)."""
    for m in _token_regex(names).finditer(text, begin, len(text) if end is None else end):
        pos = m.start()
        if pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "_"):
            yield m


def find_tokens(text: str, names: FrozenSet[str], begin: int = 0, end: Optional[int] = None) -> List[int]:
    """Offsets where one of `names` occurs as a whole identifier."""
    return [m.start() for m in _token_matches(text, names, begin, end)]


_MAX_MERGES = 6
_DENSE_RUN = 16     # consecutive statements using a manager before they are parsed in blocks
_BLOCK_CAP = 256    # statements in one block at most


class _Scan:
    """Parses the pieces of one file that match a pattern, merging badly cut ones."""

    def __init__(self, text: str, path: str, cache: Optional[PieceCache],
                 previous: Optional[Tuple[str, List[int]]] = None) -> None:
        self.text = text
        self.path = path
        self.cache = cache
        starts = starts_after_edit(previous[0], previous[1], text) if previous is not None else None
        self.starts = statement_starts(text) if starts is None else starts
        self.last_line = (0, 0)
        self.failure: Optional[_SyntaxFailure] = None
        self.whole_tried = False

    def bounds(self, lo: int, hi: int) -> Tuple[int, int]:
        starts = self.starts
        return starts[lo], starts[hi + 1] if hi + 1 < len(starts) else len(self.text)

    def first_line(self, offset: int) -> int:
        """0-based line of an offset; offsets are asked in ascending order, so count from the last one."""
        last_offset, last_line = self.last_line
        if offset < last_offset:
            last_offset, last_line = 0, 0
        line = last_line + self.text.count("\n", last_offset, offset)
        self.last_line = (offset, line)
        return line

    def pieces_matching(self, names: FrozenSet[str]) -> List[int]:
        """Indices of the pieces in which one of `names` occurs."""
        found: List[int] = []
        starts = self.starts
        for pos in find_tokens(self.text, names):
            i = bisect.bisect_right(starts, pos) - 1
            if not found or found[-1] != i:
                found.append(i)
        return found

    def parse_group(self, i: int, names: FrozenSet[str], scoped: bool, keep_nodes: bool, floor: int = 0):
        """Parse piece i, widening it until it parses. Returns (lo, hi, piece) or None.

        The group never reaches below piece `floor`: the pieces before it already
        belong to a group, and taking them twice would report their calls twice.
        """
        lo = hi = i
        n = len(self.starts)
        for attempt in range(_MAX_MERGES + 1):
            begin, end = self.bounds(lo, hi)
            chunk = self.text[begin:end]
            key = (chunk, names, scoped)
            piece = self.cache.get(key) if (self.cache is not None and not keep_nodes) else None
            if piece is None:
                piece = _parse_class_members(chunk, self.path, names, scoped, keep_nodes) if lo == hi else None
                if piece is None:
                    tree = _parse(chunk, self.path)
                    if not isinstance(tree, _SyntaxFailure):
                        piece = extract_piece(tree, chunk.split("\n"), names, scoped, keep_nodes)
                if piece is not None and self.cache is not None and not keep_nodes:
                    self.cache.put(key, piece)
            if piece is not None:
                return lo, hi, piece
            if attempt % 2 == 0 and hi + 1 < n:
                hi += 1
            elif lo > floor:
                lo -= 1
            elif hi + 1 < n:
                hi += 1
            else:
                break
        return self._whole(names, scoped, keep_nodes)

    def _whole(self, names, scoped, keep_nodes):
        if self.whole_tried:
            return None
        self.whole_tried = True
        tree = _parse(self.text, self.path)
        if isinstance(tree, _SyntaxFailure):
            self.failure = tree
            return None
        self.starts = [0]
        return 0, 0, extract_piece(tree, self.text.split("\n"), names, scoped, keep_nodes)

    def parse_block(self, lo: int, hi: int, names: FrozenSet[str], scoped: bool, keep_nodes: bool):
        """Parse pieces lo..hi together (no widening); None when they do not parse as a block."""
        begin, end = self.bounds(lo, hi)
        chunk = self.text[begin:end]
        key = (chunk, names, scoped)
        piece = self.cache.get(key) if (self.cache is not None and not keep_nodes) else None
        if piece is None:
            tree = _parse(chunk, self.path)
            if isinstance(tree, _SyntaxFailure):
                return None
            piece = extract_piece(tree, chunk.split("\n"), names, scoped, keep_nodes)
            if self.cache is not None and not keep_nodes:
                self.cache.put(key, piece)
        return piece

    def dense_blocks(self, matching: List[int]) -> Dict[int, int]:
        """{first: last} for blocks of consecutive matching pieces worth one parse each.

        Many small statements that all use a manager parse much faster together.
        Blocks end where a piece's text hashes to a boundary (or at a size cap), so
        that an edit changes one block and the others stay cached.
        """
        blocks: Dict[int, int] = {}
        run_start = 0
        for k in range(1, len(matching) + 1):
            if k < len(matching) and matching[k] == matching[k - 1] + 1:
                continue
            run = matching[run_start:k]
            run_start = k
            if len(run) < _DENSE_RUN:
                continue
            first = run[0]
            for i in run:
                begin, end = self.bounds(i, i)
                if i - first + 1 >= _BLOCK_CAP or zlib.crc32(self.text[begin:end].encode("utf-8", "surrogatepass")) % 32 == 0:
                    blocks[first] = i
                    first = i + 1
            if first <= run[-1]:
                blocks[first] = run[-1]
        return blocks

    def collect(self, names: FrozenSet[str], scoped: bool, keep_nodes: bool):
        """(first line, piece) for each parsed group in which one of `names` occurs, in order."""
        out = []
        covered = -1
        matching = self.pieces_matching(names)
        blocks = self.dense_blocks(matching) if len(matching) >= _DENSE_RUN else {}
        for i in matching:
            if i <= covered:
                continue
            last = blocks.get(i)
            if last is not None and last > i:
                piece = self.parse_block(i, last, names, scoped, keep_nodes)
                if piece is not None:
                    covered = last
                    out.append((self.first_line(self.bounds(i, last)[0]), piece))
                    continue
            got = self.parse_group(i, names, scoped, keep_nodes, covered + 1)
            if got is None:
                if self.failure is not None and self.starts != [0]:
                    covered = i
                continue
            lo, hi, piece = got
            if self.starts == [0]:
                return [(0, piece)]
            covered = hi
            out.append((self.first_line(self.bounds(lo, hi)[0]), piece))
        return out


_CLASS_HEADER = re.compile(r"class\s+\w+\s*(?:\([^()\n]*\))?\s*:[ \t]*(?:#[^\n]*)?\n")
_INDENT = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*([ \t]+)\S")
_BIG_CLASS_LINES = 80


def _parse_class_members(chunk: str, path: str, names: FrozenSet[str], scoped: bool, keep_nodes: bool):
    """Facts of a large top-level class from only the members that mention a candidate name.

    A method sees the module scope, not the class body, so each hot member can be
    parsed alone (wrapped in `if 1:` to keep its indentation and columns). Returns
    None to ask for a parse of the whole class: small classes, unusual headers,
    a hot header, or a class-level binding of a candidate name.
    """
    header = _CLASS_HEADER.match(chunk)
    if header is None or chunk.count("\n", 0, 20000) < _BIG_CLASS_LINES:
        return None
    if find_tokens(chunk, names, 0, header.end()):
        return None
    indent_match = _INDENT.match(chunk, header.end())
    if indent_match is None:
        return None
    body_start = header.end()
    body = chunk[body_start:]
    starts = statement_starts(body, indent_match.group(1))
    hot = {bisect.bisect_right(starts, pos) - 1 for pos in find_tokens(body, names)}
    header_lines = chunk.count("\n", 0, body_start)
    calls: List[Tuple[str, bool, Any]] = []
    bindings: List[_Binding] = []
    for i in sorted(hot):
        begin = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else len(body)
        member = body[begin:end]
        tree = _parse("if 1:\n" + member, path)
        if isinstance(tree, _SyntaxFailure) or len(tree.body) != 1 or not isinstance(tree.body[0], ast.If):
            return None
        lines = ("if 1:\n" + member).split("\n")
        walker = _Walker(names, scoped, lines)
        for stmt in tree.body[0].body:
            if scoped:
                before = len(walker.bindings)
                walker.statement_bindings(stmt, False)
                if any(not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or b.alias == stmt.name
                       for b in walker.bindings[before:]):
                    return None  # a class-level binding hides the manager for the class body
            walker.visit(stmt, frozenset())
        delta = header_lines + body.count("\n", 0, begin) - 1
        for c in walker.calls:
            raw = _call_to_raw(c, walker, lines, keep_nodes)
            calls.append((c.alias, c.shadowed, _shift_raw(raw, delta)))
        for b in walker.bindings:
            bindings.append(_Binding(b.alias, b.manager, b.module_level, _shift(b.range, delta)))
    return _Piece(calls, bindings)


def _shift_raw(raw, delta: int):
    if isinstance(raw, Issue):
        return Issue(raw.code, raw.severity, raw.message, _shift(raw.range, delta), raw.data)
    name, call, name_range, default_range, value, text, hints, node = raw
    if node is not None and delta:
        ast.increment_lineno(node, delta)
    return (name, _shift(call, delta), _shift(name_range, delta),
            _shift(default_range, delta) if default_range else None, value, text, hints, node)


def _shift(rng: Range, lines: int) -> Range:
    return (rng[0] + lines, rng[1], rng[2] + lines, rng[3])


def _build(path: str, groups, resolve, keep_nodes: bool) -> Tuple[List[Occurrence], List[Issue]]:
    occurrences: List[Occurrence] = []
    issues: List[Issue] = []
    for first, piece in groups:
        for alias, shadowed, raw in piece.calls:
            manager = resolve(alias, shadowed)
            if manager is None:
                continue
            if isinstance(raw, Issue):
                issues.append(Issue(raw.code, raw.severity, raw.message, _shift(raw.range, first), raw.data, manager))
                continue
            name, call, name_range, default_range, value, text, hints, node = raw
            if node is not None and first:
                ast.increment_lineno(node, first)
            occurrences.append(Occurrence(
                manager, name, path, _shift(call, first), _shift(name_range, first),
                _shift(default_range, first) if default_range else None, value, text, hints, node))
    occurrences.sort(key=lambda o: o.call)
    return occurrences, issues


def _syntax_issue(failure: _SyntaxFailure) -> Issue:
    rng = (failure.line, failure.col, failure.line, failure.col + 1)
    return Issue("syntax-error", ERROR, "cannot parse: {}".format(failure.message), rng)


def extract_placeholder(text: str, path: str, placeholder: str, keep_nodes: bool = False) -> FileFacts:
    """The runtime's view of one module: the workspace extraction with `placeholder` bound to
    its manager from the module's start (see extract_workspace's `predeclared`)."""
    return extract_workspace(text, path, predeclared=placeholder)


def syntax_verdict(text: str, path: str) -> Optional[Issue]:
    """The `syntax-error` issue of a whole module that does not parse, else None.

    The extraction parses only the statements that mention a manager; hpman 0.13 parsed
    every module whole, so a syntax error anywhere in a module that uses hpman made
    `parse_file` fail. This is that check, done once per content (the verdict is cached).
    """
    tree = _parse(text, path)
    return _syntax_issue(tree) if isinstance(tree, _SyntaxFailure) else None


def extract_workspace(text: str, path: str, cache: Optional[PieceCache] = None,
                      starts: Optional[Dict[str, Tuple[str, List[int]]]] = None,
                      predeclared: Optional[str] = None, verify: bool = False) -> FileFacts:
    """Workspace mode: calls count for the managers the module imports from hpman.

    `starts` keeps each path's last text and statement starts, so that the next text of an
    edited document finds its starts from them (see chunks.starts_after_edit).
    `predeclared`: a manager name bound to itself before the module's first line, as the
    runtime's placeholder is (hpman 0.13 counted every bare call of it in every module); the
    module's own bindings still rebind it. `verify`: also check the whole module's syntax
    when it uses a manager (FileFacts.verified)."""
    if predeclared is None and "hpman" not in text:
        return FileFacts(path, [], [], {})
    scan = _Scan(text, path, cache, starts.get(path) if starts is not None else None)
    if starts is not None:
        starts[path] = (text, scan.starts)
    imported = _aliases_from_text(text)
    aliases = imported | {predeclared} if predeclared is not None else imported
    if not aliases:
        return FileFacts(path, [], [], {})
    names = frozenset(aliases)
    groups = scan.collect(names, True, False)
    bindings = [(first, b) for first, piece in groups for b in piece.bindings]
    final: Dict[str, Optional[str]] = {predeclared: predeclared} if predeclared is not None else {}
    for _first, b in bindings:
        if b.module_level:
            final[b.alias] = b.manager
    managers = {alias: mgr for alias, mgr in final.items() if mgr is not None}

    def resolve(alias: str, shadowed: Any) -> Optional[str]:
        if isinstance(shadowed, str):
            return shadowed  # imported from hpman.m in an enclosing function or class
        return None if shadowed else managers.get(alias)

    occurrences, issues = _build(path, groups, resolve, False)
    issues.extend(_shadowing_issues(bindings, managers, final, occurrences))
    syntax = _syntax_issue(scan.failure) if scan.failure is not None else None
    # a module uses hpman when it binds a manager from it, or (runtime) calls the placeholder
    uses = bool(imported) or bool(occurrences) or any(i.manager is not None for i in issues)
    verified = not uses or syntax is not None or (scan.whole_tried and scan.failure is None)
    if verify and not verified:
        syntax = syntax_verdict(text, path)
        verified = True
    if syntax is not None:
        issues.append(syntax)
    issues.sort(key=lambda i: i.range)
    return FileFacts(path, occurrences, issues, managers, verified)


def _aliases_from_text(text: str) -> set:
    """Names bound to a manager anywhere in the module (import or constructor)."""
    aliases = set()
    for m in _IMPORT_ALIAS.finditer(text):
        names = _COMMENT.sub("", m.group(1))
        for part in names.replace("(", " ").replace(")", " ").replace("\\", " ").split(","):
            words = part.split()
            if len(words) == 3 and words[1] == "as":
                aliases.add(words[2])
            elif len(words) == 1:
                aliases.add(words[0])
    if MANAGER_CLASS in text:
        aliases.update(m.group(1) for m in _CONSTRUCTED_ALIAS.finditer(text))
    return {a for a in aliases if a.isidentifier()}


_IMPORT_ALIAS = re.compile(r"from\s+hpman\.m\s+import\s+(\([^)]*\)|(?:[^\n#;\\]|\\\n)*)")
_COMMENT = re.compile(r"#[^\n]*")
_CONSTRUCTED_ALIAS = re.compile(r"^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]*\.)?" + MANAGER_CLASS + r"\s*\(", re.M)


def _shadowing_issues(bindings, managers, final, occurrences) -> List[Issue]:
    """`shadowed-manager`: a manager's name rebound in a module that uses it."""
    imported = {b.alias for _f, b in bindings if b.manager is not None}
    out = []
    for first, b in bindings:
        if b.alias not in imported or b.manager is not None:
            continue
        rng = _shift(b.range, first)
        if b.module_level:
            msg = "`{}` is rebound here, so this module's `{}` calls are not hpman's".format(b.alias, b.alias)
        else:
            msg = "`{}` is rebound here; calls of it in this scope are not hpman's".format(b.alias)
        out.append(Issue("shadowed-manager", WARNING, msg, rng, b.alias))
    return out
