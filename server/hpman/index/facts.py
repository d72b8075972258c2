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
import symtable
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
                 "value", "default_text", "hints", "node", "order")

    def __init__(self, manager: str, name: str, path: str, call: Range, name_range: Range,
                 default_range: Optional[Range], value: Any, default_text: Optional[str],
                 hints: Dict[str, Any], node: Optional[ast.AST] = None, order: tuple = ()) -> None:
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

    def __getstate__(self):
        return tuple(getattr(self, s) if s != "node" else None for s in self.__slots__)

    def __setstate__(self, state):
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


def _walk_order(occ: Occurrence) -> tuple:
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
                 manager: Optional[str] = None, order: Optional[tuple] = None) -> None:
        self.code = code
        self.severity = severity
        self.message = message
        self.range = rng
        self.data = data
        # the manager whose call this is about (None: about the whole file, e.g. a syntax error),
        # so that `hp.parse_file` raises for hp's bad calls and not for `_`'s
        self.manager = manager
        self.order = order   # a bad call's place in `ast.walk` order (see Occurrence.order), else None

    def __getstate__(self):
        return (self.code, self.severity, self.message, self.range, self.data, self.manager, self.order)

    def __setstate__(self, state):
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

    def __getstate__(self):
        return (self.path, self.occurrences, self.issues, self.managers, self.verified)

    def __setstate__(self, state):
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


# -- per-statement extraction --------------------------------------------------

END = (1 << 60, 0)   # a position after everything: where code in function bodies looks names up
MGR, OTHER, ALIAS, IMPORT = "manager", "other", "alias", "import"


class _Scope:
    """One scope of a parsed piece and its bindings of candidate names, in position order.

    Function bodies run after the code around them (`later`): a name they take
    from an enclosing scope is looked up as it stands at that scope's end.
    """

    __slots__ = ("kind", "parent", "bindings", "positions", "free", "later")

    def __init__(self, kind: str, parent: Optional["_Scope"], later: bool = False) -> None:
        self.kind = kind            # "module", "function", "class" or "comprehension"
        self.parent = parent
        self.bindings: Dict[str, List["_Binding"]] = {}
        self.positions: Dict[str, List[Tuple[int, int]]] = {}
        self.free: set = set()      # names declared global or nonlocal here
        self.later = later

    def seal(self) -> None:
        """Sort the bindings by position once the scope's statements are all recorded."""
        for alias, found in self.bindings.items():
            found.sort(key=lambda b: b.pos)
            self.positions[alias] = [b.pos for b in found]


class _Binding:
    """A binding of a candidate name: to a manager (`kind` MGR, `value` its name), to
    another candidate name (ALIAS, `value` (scope, name, position) of the right-hand
    side), to a name imported from another module (IMPORT: it may re-export a manager),
    or to anything else (OTHER). `pos` is where it takes effect."""

    __slots__ = ("alias", "kind", "value", "scope", "pos", "range")

    def __init__(self, alias: str, kind: str, value: Any, scope: _Scope, pos: Tuple[int, int], rng: Range) -> None:
        self.alias = alias
        self.kind = kind
        self.value = value
        self.scope = scope
        self.pos = pos
        self.range = rng


class _Call:
    __slots__ = ("alias", "node", "scope", "pos", "path")

    def __init__(self, alias: str, node: ast.Call, scope: _Scope, pos: Tuple[int, int], path: Any) -> None:
        self.alias = alias
        self.node = node
        self.scope = scope
        self.pos = pos      # where the callee is looked up (END inside a function body)
        self.path = path    # (child index, parent path) up to ((line, col) of the top statement, None)


class _Piece:
    """What one top-level statement holds, with lines relative to its first line."""

    __slots__ = ("calls", "bindings")

    def __init__(self, calls: List[Tuple[str, _Scope, Tuple[int, int], Any, tuple]], bindings: List[_Binding]) -> None:
        self.calls = calls          # (alias, scope, position, raw occurrence tuple or Issue, walk order)
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


def _order_key(path: Any) -> tuple:
    """The position of a call in `ast.walk` order (breadth first: less nested calls first,
    then by the path of child indices), as hpman 0.13 met the calls: (depth, line, col, indices...)."""
    parts = []
    while path[1] is not None:
        parts.append(path[0])
        path = path[1]
    line, col = path[0]
    parts.reverse()
    return (len(parts) + 1, line, col) + tuple(parts)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_TRY = (ast.Try, ast.TryStar) if sys.version_info >= (3, 11) else (ast.Try,)


class _Walker:
    """Finds manager calls and bindings of candidate names in one statement.

    In scoped mode it follows Python's scopes and the order of bindings: every
    call is recorded with the scope and position at which its callee is looked
    up, every binding with the scope and position at which it takes effect; the
    file-level resolver (_Resolver) then decides which calls are a manager's.
    """

    def __init__(self, names: FrozenSet[str], scoped: bool, lines: Sequence[str], offset: int = 0) -> None:
        self.names = names
        self.scoped = scoped
        self.lines = lines
        self.offset = offset  # added to the lines of positions (members of a big class: see _parse_class_members)
        # 1-based lines where a candidate name appears: subtrees elsewhere are skipped
        self.hot = [i + 1 for i, line in enumerate(lines) if find_tokens(line, names)]
        self.module = _Scope("module", None)
        self.calls: List[_Call] = []
        self.bindings: List[_Binding] = []
        self._pending: Optional[List[Tuple[ast.AST, _Scope, Any]]] = None
        self._fallback: Dict[int, set] = {}   # id(node in an except handler) -> names it may not rebind

    def rng(self, node: ast.AST) -> Range:
        lines = self.lines
        sl, el = node.lineno - 1, node.end_lineno - 1
        return (sl, utf8_to_char(lines[sl], node.col_offset), el, utf8_to_char(lines[el], node.end_col_offset))

    def pos(self, node: ast.AST) -> Tuple[int, int]:
        return node.lineno - 1 + self.offset, node.col_offset

    def end(self, node: ast.AST) -> Tuple[int, int]:
        return node.end_lineno - 1 + self.offset, node.end_col_offset

    # bindings ------------------------------------------------------------
    def _bind(self, alias: str, kind: str, value: Any, node: ast.AST, scope: _Scope, pos: Tuple[int, int]) -> None:
        if alias in self.names and alias not in self._fallback.get(id(node), ()):
            b = _Binding(alias, kind, value, scope, pos, _shift(self.rng(node), self.offset))
            self.bindings.append(b)
            scope.bindings.setdefault(alias, []).append(b)

    def _value_kind(self, value: ast.AST, scope: _Scope) -> Tuple[str, Any]:
        """What assigning `value` binds: a manager, an alias of a candidate name, or something else."""
        mgr = _manager_of_value(value)
        if mgr is not None:
            return MGR, mgr
        if isinstance(value, ast.Name) and value.id in self.names:
            return ALIAS, (scope, value.id, self.pos(value))
        return OTHER, None

    def statement_bindings(self, stmt: ast.AST, scope: _Scope) -> None:
        """Record what `stmt` binds in its own scope (not inside nested scopes)."""
        handled = set()
        for node in self._scope_nodes(stmt):
            if id(node) in handled:
                continue
            if isinstance(node, _TRY):
                self._note_fallbacks(node)
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    alias = a.asname or a.name
                    if node.module == MANAGER_MODULE and node.level == 0:
                        self._bind(alias, MGR, a.name, node, scope, self.end(node))
                    else:
                        self._bind(alias, IMPORT, None, node, scope, self.end(node))
            elif isinstance(node, ast.Import):
                for a in node.names:
                    self._bind(a.asname or a.name.partition(".")[0], IMPORT, None, node, scope, self.end(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._bind(node.name, OTHER, None, node, scope, self.end(node))
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) \
                    and getattr(node, "value", None) is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                kind, value = self._value_kind(node.value, scope)
                for target in targets:
                    for n in ast.walk(target):
                        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                            handled.add(id(n))
                            simple = n is target
                            self._bind(n.id, kind if simple else OTHER, value if simple else None, n, scope,
                                       self.end(node))
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                for n in ast.walk(node.target):
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                        handled.add(id(n))
                        self._bind(n.id, OTHER, None, n, scope, self.end(node.iter))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self._bind(node.id, OTHER, None, node, scope, self.end(node))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self._bind(node.name, OTHER, None, node, scope,
                           self.end(node.type) if node.type is not None else self.pos(node))
            elif _is_match_capture(node):
                self._bind(node.name, OTHER, None, node, scope, self.end(node))

    def _note_fallbacks(self, node: ast.AST) -> None:
        """`try: from hpman.m import _` / `except ImportError: _ = ...`: the handler's bindings of
        the imported names are a fallback for when hpman is missing, not a rebinding."""
        names = {a.asname or a.name for s in node.body
                 if isinstance(s, ast.ImportFrom) and s.module == MANAGER_MODULE and s.level == 0
                 for a in s.names} & self.names
        if names:
            for handler in node.handlers:
                for n in ast.walk(handler):
                    self._fallback.setdefault(id(n), set()).update(names)

    def _fill(self, scope: _Scope, body: Sequence[ast.AST]) -> None:
        """Record the bindings and global/nonlocal declarations of a scope's statements."""
        for stmt in body:
            for n in self._scope_nodes(stmt):
                if isinstance(n, (ast.Global, ast.Nonlocal)):
                    scope.free.update(n.names)
        for stmt in body:
            self.statement_bindings(stmt, scope)
        scope.seal()

    # traversal -----------------------------------------------------------
    def visit_module_statement(self, stmt: ast.stmt, path: Any = None) -> None:
        if path is None:
            path = ((stmt.lineno - 1 + self.offset, stmt.col_offset), None)
        if self.scoped:
            self.statement_bindings(stmt, self.module)
            self.visit(stmt, self.module, path)
        else:
            self._calls_in(stmt, path)

    def _calls_in(self, root: ast.AST, path: Any) -> None:
        """Without scopes, the calls are all there is to find: a plain walk of the hot
        subtrees; a call in a function body looks its callee up at the module's end."""
        names, is_hot, calls, module = self.names, self.is_hot, self.calls, self.module
        stack = [(root, path, False)] if is_hot(root) else []
        while stack:
            node, path, later = stack.pop()
            cls = node.__class__
            if cls is ast.Call:
                func = node.func
                if func.__class__ is ast.Name and func.id in names:
                    calls.append(_Call(func.id, node, module, END if later else self.pos(node), path))
            body = None
            if not later and cls in _FUNCTIONS:
                body = {id(b) for b in (node.body if cls is not ast.Lambda else [node.body])}
            children = _child_keys(node)
            for j in range(len(children) - 1, -1, -1):
                child, i = children[j]
                if is_hot(child):
                    stack.append((child, (i, path), later or (body is not None and id(child) in body)))

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

    def visit(self, node: ast.AST, scope: _Scope, path: Any) -> None:
        """Visit `node` and what it contains, without recursion.

        Deep but valid expressions (a chain of 1,000 `+`, a long method chain)
        must not hit the recursion limit: the handlers below schedule the
        nodes they would visit, and this loop visits them depth first.
        """
        if self._pending is not None:  # called from a handler: schedule
            self._pending.append((node, scope, path))
            return
        stack = [(node, scope, path)]
        try:
            while stack:
                item, item_scope, item_path = stack.pop()
                self._pending = pending = []
                self._visit_one(item, item_scope, item_path)
                stack.extend(reversed(pending))
        finally:
            self._pending = None

    def _visit_one(self, node: ast.AST, scope: _Scope, path: Any) -> None:
        if not self.is_hot(node):
            return
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in self.names:
                self.calls.append(_Call(func.id, node, scope, self.pos(node), path))
        if self.scoped:
            if isinstance(node, _FUNCTIONS):
                self._visit_function(node, scope, path)
                return
            if isinstance(node, ast.ClassDef):
                self._visit_class(node, scope, path)
                return
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                self._visit_comprehension(node, scope, path)
                return
        for child, key in _child_keys(node):
            self.visit(child, scope, (key, path))

    def _visit_function(self, node: ast.AST, scope: _Scope, path: Any) -> None:
        index = _child_index(node)
        args = node.args
        args_path = (index[id(args)], path)
        args_index = _child_index(args)
        for d in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self.visit(d, scope, (args_index[id(d)], args_path))
        if not isinstance(node, ast.Lambda):
            for d in node.decorator_list:
                self.visit(d, scope, (index[id(d)], path))
            for a in _all_args(args):
                if a.annotation is not None:
                    self.visit(a.annotation, scope, (_child_index(a)[id(a.annotation)], (args_index[id(a)], args_path)))
            if node.returns is not None:
                self.visit(node.returns, scope, (index[id(node.returns)], path))
        inner = _Scope("function", scope, later=True)
        for a in _all_args(args):
            self._bind(a.arg, OTHER, None, a, inner, (-1, -1))
        body = node.body if isinstance(node.body, list) else [node.body]
        self._fill(inner, body)
        for stmt in body:
            self.visit(stmt, inner, (index[id(stmt)], path))

    def _visit_class(self, node: ast.ClassDef, scope: _Scope, path: Any) -> None:
        index = _child_index(node)
        for d in node.decorator_list + node.bases:
            self.visit(d, scope, (index[id(d)], path))
        for k in node.keywords:
            self.visit(k.value, scope, (0, (index[id(k)], path)))
        inner = _Scope("class", scope)
        self._fill(inner, node.body)
        for stmt in node.body:
            self.visit(stmt, inner, (index[id(stmt)], path))

    def _visit_comprehension(self, node: ast.AST, scope: _Scope, path: Any) -> None:
        index = _child_index(node)
        inner = _Scope("comprehension", scope)
        for gen in node.generators:
            for n in ast.walk(gen.target):
                if isinstance(n, ast.Name):
                    self._bind(n.id, OTHER, None, n, inner, self.end(gen.iter))
        inner.seal()
        for i, gen in enumerate(node.generators):
            gen_path = (index[id(gen)], path)
            gen_index = _child_index(gen)
            self.visit(gen.iter, scope if i == 0 else inner, (gen_index[id(gen.iter)], gen_path))
            for cond in gen.ifs:
                self.visit(cond, inner, (gen_index[id(cond)], gen_path))
        for part in ("elt", "key", "value"):
            sub = getattr(node, part, None)
            if sub is not None:
                self.visit(sub, inner, (index[id(sub)], path))

    def piece(self, keep_nodes: bool, delta: int = 0) -> _Piece:
        """The calls and bindings found, as a piece (raw ranges shifted by `delta` lines)."""
        lines = self.lines
        calls = []
        for c in self.calls:
            raw = _call_to_raw(c, self, lines, keep_nodes)
            calls.append((c.alias, c.scope, c.pos, _shift_raw(raw, delta) if delta else raw, _order_key(c.path)))
        return _Piece(calls, self.bindings)


def _child_keys(node: ast.AST) -> List[Tuple[ast.AST, int]]:
    """The children of `node` with keys in `ast.iter_child_nodes` order: their index, except
    for a class body's statements, keyed by their place relative to the class, so that the
    members of a big class parsed one by one (_parse_class_members) get the same keys."""
    if node.__class__ is not ast.ClassDef:
        return [(child, i) for i, child in enumerate(ast.iter_child_nodes(node))]
    head = len(node.bases) + len(node.keywords)
    body_end = head + len(node.body)
    out = []
    for i, child in enumerate(ast.iter_child_nodes(node)):
        if i < head:
            key = i
        elif i < body_end:
            key = _member_key(child.lineno - node.lineno, child.col_offset)
        else:
            key = _AFTER_BODY + i
        out.append((child, key))
    return out


def _member_key(line: int, col: int) -> int:
    return _BODY + line * _COLUMNS + col


_COLUMNS = 1 << 24
_BODY = 1 << 40
_AFTER_BODY = 1 << 62


def _child_index(node: ast.AST) -> Dict[int, int]:
    """{id(child): its key among the children of `node`} (see _child_keys)."""
    return {id(child): key for child, key in _child_keys(node)}


class _Resolver:
    """Decides, for the calls of one file, which manager each callee is (or none).

    Module-level bindings come from every piece of the file and are ordered by
    position: a module-level call sees the binding in force at its line, a call
    inside a function the bindings as they stand at the module's end. A name
    not bound yet is `initial`'s (the runtime's placeholder:
    `_.parse_source('_("a", 1)')` counts, as in 0.13) unless the module imports
    it from hpman further down; so is a name imported from another module
    (`from config import _` may re-export it).
    """

    _MAX_STEPS = 1_000_000

    def __init__(self, groups, initial: Dict[str, str]) -> None:
        found: Dict[str, List[Tuple[Tuple[int, int], int, _Binding]]] = {}
        for first, piece in groups:
            for b in piece.bindings:
                if b.scope.kind == "module":
                    found.setdefault(b.alias, []).append(((b.pos[0] + first, b.pos[1]), first, b))
        self.module: Dict[str, Tuple[List[Tuple[int, int]], List[Tuple[int, _Binding]]]] = {}
        for alias, items in found.items():
            items.sort(key=lambda item: item[0])
            self.module[alias] = ([p for p, _f, _b in items], [(f, b) for _p, f, b in items])
        self.initial = initial
        # names the module imports from hpman: above that import they are not bound yet
        self.imported = {alias for alias, (_p, items) in self.module.items() if any(b.kind == MGR for _f, b in items)}
        self.memo: Dict[Tuple[int, int], Tuple[Optional[str], Optional[_Binding], int]] = {}

    def _find(self, first: int, scope: _Scope, name: str, pos: Tuple[int, int]):
        """(binding, its piece's first line) that `name` means at `pos` of `scope`, else
        (None, manager or None) for a name that is unbound there."""
        p = pos
        s = scope
        while s.kind != "module":
            positions = s.positions.get(name) if name not in s.free else None
            if positions:
                i = bisect.bisect_right(positions, p) - 1
                if i >= 0:
                    return s.bindings[name][i], first
                if s.kind != "class":  # a local that is not bound yet: not the manager
                    return _Unbound(s.bindings[name][0]), first
            if s.later:
                p = END
            parent = s.parent
            if s.kind != "class":   # functions and comprehensions do not see a class body's names
                while parent.kind == "class":
                    parent = parent.parent
            s = parent
        at = p if p == END else (p[0] + first, p[1])
        entry = self.module.get(name)
        if entry is not None:
            i = bisect.bisect_right(entry[0], at) - 1
            if i < 0:   # above the module's first binding: unbound where an hpman import follows
                return None, (None if name in self.imported else self.initial.get(name))
            bfirst, b = entry[1][i]
            return b, bfirst
        return None, self.initial.get(name)

    def resolve(self, first: int, scope: _Scope, name: str, pos: Tuple[int, int]):
        """(manager or None, the binding that decided it or None, that binding's first line)."""
        chain = []
        result = None
        for _step in range(self._MAX_STEPS):
            b, where = self._find(first, scope, name, pos)
            if b is None:
                result = (where, None, 0)
                break
            if isinstance(b, _Unbound):
                result = (None, b.binding, where)
                break
            key = (id(b), where)
            known = self.memo.get(key)
            if known is not None:
                result = known
                break
            chain.append(key)
            if b.kind == ALIAS:
                scope, name, pos = b.value
                first = where
                continue
            if b.kind == MGR:
                result = (b.value, b, where)
            else:
                result = (self.initial.get(b.alias) if b.kind == IMPORT else None, b, where)
            break
        if result is None:
            result = (None, None, 0)
        for key in chain:
            self.memo[key] = result
        return result

    def manager_names(self, groups) -> set:
        """The candidate names that some binding of the file makes a manager."""
        out = set()
        for first, piece in groups:
            for b in piece.bindings:
                if b.alias in out:
                    continue
                if b.kind == MGR:
                    out.add(b.alias)
                elif b.kind == ALIAS and self.resolve(first, *b.value)[0] is not None:
                    out.add(b.alias)
        return out

    def final(self, names: Iterable[str]) -> Dict[str, str]:
        """alias -> manager at the module's end (what code in functions sees)."""
        out = {}
        module = _Scope("module", None)
        for name in names:
            mgr = self.resolve(0, module, name, END)[0]
            if mgr is not None:
                out[name] = mgr
        return out


class _Unbound:
    """A local name looked up before its scope binds it."""

    __slots__ = ("binding",)

    def __init__(self, binding: _Binding) -> None:
        self.binding = binding


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
    if not 1 <= len(positional) <= 2:   # `_('lr', *x)`: two arguments, the default not a literal (as 0.13)
        return Issue("bad-arguments", ERROR,
                     "`{}(...)` takes a name and at most one default value ({} positional arguments given)"
                     .format(call.alias, len(positional)), call_range, len(positional))
    name_node = positional[0]
    if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)):
        return Issue("non-literal-name", ERROR, "the hyperparameter name must be a literal string",
                     rng(name_node))
    hints: Dict[str, Any] = {}
    for kw in node.keywords:
        value = _literal(kw.value)
        if kw.arg is None and not (isinstance(value, dict) and all(isinstance(k, str) for k in value)):
            value = NotLiteralEvaluable()   # `**x`: only a literal dict of hints can be read
        if isinstance(value, NotLiteralEvaluable):
            label = kw.arg if kw.arg is not None else "**"
            return Issue("non-literal-hint", ERROR,
                         "hint `{}` of `{}` is not a literal".format(label, name_node.value),
                         rng(kw.value), label)
        if kw.arg is None:
            hints.update(value)   # `**{'help': 'h'}` gives the call help='h'
        else:
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
    return walker.piece(keep_nodes)


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
    __slots__ = ("message", "line", "col", "kind")

    def __init__(self, message: str, line: int, col: int, kind: str = "SyntaxError") -> None:
        self.message, self.line, self.col = message, line, col
        self.kind = kind   # the class Python raised (IndentationError, TabError), for parse_file


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
        kind = type(exc).__name__ if type(exc) in (IndentationError, TabError) else "SyntaxError"
        return _SyntaxFailure(exc.msg or "invalid syntax", max((exc.lineno or 1) - 1, 0),
                              max((exc.offset or 1) - 1, 0), kind)
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
                digest = zlib.crc32(self.text[begin:end].encode("utf-8", "surrogatepass"))
                if i - first + 1 >= _BLOCK_CAP or digest % 32 == 0:
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
    calls: List[Tuple[str, _Scope, Tuple[int, int], Any, tuple]] = []
    bindings: List[_Binding] = []
    for i in sorted(hot):
        begin = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else len(body)
        member = body[begin:end]
        tree = _parse("if 1:\n" + member, path)
        if isinstance(tree, _SyntaxFailure) or len(tree.body) != 1 or not isinstance(tree.body[0], ast.If):
            return None
        lines = ("if 1:\n" + member).split("\n")
        delta = header_lines + body.count("\n", 0, begin) - 1
        walker = _Walker(names, scoped, lines, delta)
        for stmt in tree.body[0].body:
            if scoped:
                before = len(walker.bindings)
                walker.statement_bindings(stmt, walker.module)
                if len(walker.bindings) > before:
                    return None  # a class-level binding hides the manager for the class body
            # the member's place in the class, which is the chunk's first statement (line 0)
            member_key = _member_key(stmt.lineno - 1 + delta, stmt.col_offset)
            walker.visit(stmt, walker.module, (member_key, ((0, 0), None)))
        piece = walker.piece(keep_nodes, delta)
        calls.extend(piece.calls)
        bindings.extend(piece.bindings)
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


def _build(path: str, groups, resolver: _Resolver, accept) -> Tuple[List[Occurrence], List[Issue], Dict]:
    """Occurrences and call issues of the calls that resolve to an accepted manager, and, for
    the others, {binding key: (binding, first line, [lines of the calls it took])}."""
    occurrences: List[Occurrence] = []
    issues: List[Issue] = []
    taken: Dict[Tuple[int, int], Tuple[_Binding, int, List[int]]] = {}
    for first, piece in groups:
        for alias, scope, pos, raw, order in piece.calls:
            manager, binding, bfirst = resolver.resolve(first, scope, alias, pos)
            if manager is None or not accept(manager):
                if manager is None and binding is not None:
                    line = (raw.range[0] if isinstance(raw, Issue) else raw[1][0]) + first
                    taken.setdefault((id(binding), bfirst), (binding, bfirst, []))[2].append(line)
                continue
            if isinstance(raw, Issue):
                issues.append(Issue(raw.code, raw.severity, raw.message, _shift(raw.range, first), raw.data, manager,
                                    (order[0], order[1] + first) + order[2:]))
                continue
            name, call, name_range, default_range, value, text, hints, node = raw
            if node is not None and first:
                ast.increment_lineno(node, first)
            occurrences.append(Occurrence(
                manager, name, path, _shift(call, first), _shift(name_range, first),
                _shift(default_range, first) if default_range else None, value, text, hints, node,
                (order[0], order[1] + first) + order[2:]))
    occurrences.sort(key=lambda o: o.call)
    return occurrences, issues, taken


def _syntax_issue(failure: _SyntaxFailure) -> Issue:
    rng = (failure.line, failure.col, failure.line, failure.col + 1)
    data = {"class": failure.kind} if failure.kind != "SyntaxError" else None
    return Issue("syntax-error", ERROR, "cannot parse: {}".format(failure.message), rng, data)


def _lone_cr_to_lf(text: str) -> str:
    """Python reads a lone CR as a line break (old Mac files); so do editors and LSP.
    CRLF stays as it is: its lines and columns are already right when split at LF."""
    if "\r" not in text:
        return text
    return _LONE_CR.sub("\n", text)


_LONE_CR = re.compile(r"\r(?!\n)")


def extract_placeholder(text: str, path: str, placeholder: str, keep_nodes: bool = False) -> FileFacts:
    """The runtime's view of one module: the workspace extraction with `placeholder` bound to
    its manager from the module's start (see extract_workspace's `predeclared`)."""
    return extract_workspace(text, path, predeclared=placeholder)


def syntax_verdict(text: str, path: str) -> Optional[Issue]:
    """The `syntax-error` issue of a whole module that does not parse, else None.

    The extraction parses only the statements that mention a manager; hpman 0.13 parsed
    every module whole, so a syntax error anywhere in a module that uses hpman made
    `parse_file` fail. This is that check, done once per content (the verdict is cached).
    The symbol table is built from the same parser's tree without turning it into Python
    objects: half the cost of `ast.parse`. Whatever it accepts parses; a module it refuses
    (some errors are the symbol table's own, like `nonlocal` at module level) is parsed
    for the verdict.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symtable.symtable(text, path, "exec")
        return None
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        pass
    tree = _parse(text, path)
    return _syntax_issue(tree) if isinstance(tree, _SyntaxFailure) else None


def extract_workspace(text: str, path: str, cache: Optional[PieceCache] = None,
                      starts: Optional[Dict[str, Tuple[str, List[int]]]] = None,
                      predeclared: Optional[str] = None, verify: bool = False,
                      keep_nodes: bool = False) -> FileFacts:
    """Calls count for the managers the module imports from hpman (or constructs), directly
    or through aliases, in the scopes and order where they are bound.

    `predeclared` is the runtime's placeholder: it is that manager wherever the module does
    not bind it at module level (`_.parse_source('_("a", 1)')` counts, as in 0.13) and where
    it is imported from another module (`from config import _` may re-export it).
    `starts` keeps each path's last text and statement starts, so that the next text of an
    edited document finds its starts from them (see chunks.starts_after_edit).
    `predeclared`: the runtime's placeholder: that manager wherever the module does not bind
    it at module level (`_.parse_source('_("a", 1)')` counts, as in hpman 0.13) and where it
    is imported from another module (`from config import _` may re-export it); the module's
    own bindings still rebind it. `verify`: also check the whole module's syntax when it uses
    a manager (FileFacts.verified)."""
    if predeclared is None and "hpman" not in text:
        return FileFacts(path, [], [], {})
    text = _lone_cr_to_lf(text)
    scan = _Scan(text, path, cache, starts.get(path) if starts is not None else None)
    if starts is not None:
        starts[path] = (text, scan.starts)
    imported = _aliases_from_text(text) if "hpman" in text or MANAGER_CLASS in text else set()
    aliases = imported | {predeclared} if predeclared is not None else imported
    if not aliases:
        return FileFacts(path, [], [], {})
    names = frozenset(_assigned_aliases(text, aliases))
    groups = scan.collect(names, True, keep_nodes)
    resolver = _Resolver(groups, {predeclared: predeclared} if predeclared is not None else {})
    occurrences, issues, taken = _build(path, groups, resolver, lambda manager: True)
    if predeclared is None:
        issues.extend(_shadowing_issues(taken, resolver.manager_names(groups)))
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
    return FileFacts(path, occurrences, issues, resolver.final(names), verified)


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
_ALIAS_HEAD = re.compile(r"[ \t]*(?:[^\W\d]\w*[ \t]*(?::[^=\n]*)?=[ \t]*)+")
_ALIAS_TARGET = re.compile(r"([^\W\d]\w*)[ \t]*(?::[^=\n]*)?=")
_ALIAS_TAIL = re.compile(r"[ \t]*(?:[;#\n]|$)")


def _assigned_aliases(text: str, base: Iterable[str]) -> set:
    """`base` and the names assigned from them, transitively (`h = _`, `a = b = hp`,
    `h: Callable = _`): the candidates whose bindings the walker then follows."""
    out = set(base)
    todo = set(out)
    while todo:
        found = set()
        for m in _token_matches(text, frozenset(todo)):
            if not _ALIAS_TAIL.match(text, m.end()):
                continue
            start = max(text.rfind("\n", 0, m.start()), text.rfind(";", 0, m.start())) + 1
            head = text[start:m.start()]
            if "=" not in head or not _ALIAS_HEAD.fullmatch(head):
                continue
            found.update(t for t in _ALIAS_TARGET.findall(head) if t not in out)
        out |= found
        todo = found
    return out


def _shadowing_issues(taken: Dict, manager_names: set) -> List[Issue]:
    """`shadowed-manager`: a binding of a manager's name to something else, reported only
    where calls of that name follow it (calls that look like hpman's but are not)."""
    out = []
    for binding, first, lines in taken.values():
        alias = binding.alias
        if alias not in manager_names:
            continue
        lines = sorted(set(lines))
        at = ", ".join(str(line + 1) for line in lines[:3]) + (" and {} more".format(len(lines) - 3)
                                                               if len(lines) > 3 else "")
        calls = "the `{}(...)` call at line {} is".format(alias, at) if len(lines) == 1 else \
            "the `{}(...)` calls at lines {} are".format(alias, at)
        where = "" if binding.scope.kind == "module" else " in this scope"
        msg = "`{}` is bound to something other than an hpman manager here{}, so {} not hpman's".format(
            alias, where, calls)
        out.append(Issue("shadowed-manager", WARNING, msg, _shift(binding.range, first), alias))
    return out
