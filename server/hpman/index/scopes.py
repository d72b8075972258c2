"""Which calls count for which manager: a walk of a parsed piece that records the candidate
names' bindings and calls in their scopes (_Walker), the resolution of each call against the
bindings in the order Python runs them (_Resolver), and the calls turned into raw occurrences."""
import ast
import bisect
import itertools
import sys
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

from ..primitives import NotLiteralEvaluable
from .chunks import _calls_only, find_tokens
from .model import EMPTY, ERROR, MANAGER_CLASS, MANAGER_MODULE, Issue
from .positions import Range, utf8_to_char

if TYPE_CHECKING:
    from typing import Protocol, TypeGuard

    class _Located(Protocol):
        """A node with a place in the source: statements, expressions, arguments, handlers, patterns.
        (The parser gives every node it makes an end; typeshed allows None for nodes built by hand.)"""

        @property
        def lineno(self) -> int: ...
        @property
        def col_offset(self) -> int: ...
        @property
        def end_lineno(self) -> Optional[int]: ...
        @property
        def end_col_offset(self) -> Optional[int]: ...

    class _Capture(_Located, Protocol):
        """A match pattern that binds a name (`case x`, `case [*rest]`, `case _ as x`)."""

        @property
        def name(self) -> str: ...

    class _TryLike(Protocol):
        """`try` and (3.11) `try`/`except*`: the statements and handlers _note_fallbacks reads."""

        @property
        def body(self) -> List[ast.stmt]: ...
        @property
        def handlers(self) -> List[ast.ExceptHandler]: ...

Pos = Tuple[int, int]
"""(0-based line, column): where a binding takes effect or a name is looked up."""
_Path = Union[Tuple[int, "_Path"], Tuple[Pos, None]]
"""Where a node is in its statement: (child key, parent's path), up to ((line, col) of the top statement, None)."""
RawOccurrence = Tuple[str, Range, Range, Optional[Range], Any, Optional[str], Dict[str, Any], Optional[ast.expr]]
"""A call as (name, call range, name range, default range, value, default text, hints, default node)."""
Raw = Union[RawOccurrence, Issue]
OrderKey = Tuple[int, ...]
"""(depth, line, col, child indices...): a call's place in `ast.walk` order (see _order_key)."""
Target = Tuple["_Scope", str, Pos]
"""What an alias binding's right-hand side names: (scope, candidate name, position)."""
BindingValue = Union[str, Target, None]
"""A binding's value: the manager's name (MGR), the target (ALIAS), else None."""
PieceCall = Tuple[str, "_Scope", Pos, Raw, OrderKey]
"""A call of a candidate name in a piece: (alias, scope, position, raw occurrence or Issue, walk order)."""
Groups = Sequence[Tuple[int, "_Piece"]]
"""The parsed pieces of a file: (first line, piece), in order."""
Resolution = Tuple[Optional[str], Optional["_Binding"], int]
"""(manager or None, the binding that decided it or None, that binding's piece's first line)."""
_Visit = Tuple[ast.AST, "_Scope", _Path]

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
        self.positions: Dict[str, List[Pos]] = {}
        self.free: Set[str] = set()  # names declared global or nonlocal here
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

    def __init__(self, alias: str, kind: str, value: BindingValue, scope: _Scope, pos: Pos, rng: Range) -> None:
        self.alias = alias
        self.kind = kind
        self.value = value
        self.scope = scope
        self.pos = pos
        self.range = rng


class _Call:
    __slots__ = ("alias", "node", "scope", "pos", "path")

    def __init__(self, alias: str, node: ast.Call, scope: _Scope, pos: Pos, path: _Path) -> None:
        self.alias = alias
        self.node = node
        self.scope = scope
        self.pos = pos      # where the callee is looked up (END inside a function body)
        self.path = path    # (child index, parent path) up to ((line, col) of the top statement, None)


class _Piece:
    """What one top-level statement holds, with lines relative to its first line."""

    __slots__ = ("calls", "bindings")

    def __init__(self, calls: List[PieceCall], bindings: List[_Binding]) -> None:
        self.calls = calls          # (alias, scope, position, raw occurrence tuple or Issue, walk order)
        self.bindings = bindings


def _manager_of_value(node: ast.expr) -> Optional[str]:
    """The manager name of `HyperParameterManager('x')` / `hpman.HyperParameterManager('x')`."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    fname = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    arg = node.args[0]
    if fname == MANAGER_CLASS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


def _order_key(path: _Path) -> OrderKey:
    """The position of a call in `ast.walk` order (breadth first: less nested calls first,
    then by the path of child indices), as hpman 0.13 met the calls: (depth, line, col, indices...)."""
    parts: List[int] = []
    while path[1] is not None:
        parts.append(path[0])
        path = path[1]
    line, col = path[0]
    parts.reverse()
    return (len(parts) + 1, line, col) + tuple(parts)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
if sys.version_info >= (3, 11):
    _TRY = (ast.Try, ast.TryStar)
else:
    _TRY = (ast.Try,)


class _Walker:
    """Finds manager calls and bindings of candidate names in one statement.

    In scoped mode it follows Python's scopes and the order of bindings: every
    call is recorded with the scope and position at which its callee is looked
    up, every binding with the scope and position at which it takes effect; the
    file-level resolver (_Resolver) then decides which calls are a manager's.
    """

    def __init__(self, names: FrozenSet[str], scoped: bool, lines: Sequence[str], offset: int = 0,
                 text: Optional[str] = None) -> None:
        self.names = names
        self.scoped = scoped
        self.lines = lines
        self.offset = offset  # added to the lines of positions (members of a big class: see _parse_class_members)
        # 1-based lines where a candidate name appears: subtrees elsewhere are skipped
        self.hot = _hot_lines("\n".join(lines) if text is None else text, names)
        self.module = _Scope("module", None)
        self.calls: List[_Call] = []
        self.bindings: List[_Binding] = []
        self._pending: Optional[List[_Visit]] = None
        self._fallback: Dict[int, Set[str]] = {}   # id(node in an except handler) -> names it may not rebind

    # the ignores: a parsed node's end is never None (see _Located)
    def rng(self, node: "_Located") -> Range:
        lines = self.lines
        sl, el = node.lineno - 1, node.end_lineno - 1  # type: ignore[operator]
        return (sl, utf8_to_char(lines[sl], node.col_offset),
                el, utf8_to_char(lines[el], node.end_col_offset))  # type: ignore[arg-type]

    def pos(self, node: "_Located") -> Pos:
        return node.lineno - 1 + self.offset, node.col_offset

    def end(self, node: "_Located") -> Pos:
        return node.end_lineno - 1 + self.offset, node.end_col_offset  # type: ignore[operator, return-value]

    # bindings ------------------------------------------------------------
    def _bind(self, alias: str, kind: str, value: BindingValue, node: "_Located", scope: _Scope, pos: Pos) -> None:
        if alias in self.names and alias not in self._fallback.get(id(node), ()):
            b = _Binding(alias, kind, value, scope, pos, _shift(self.rng(node), self.offset))
            self.bindings.append(b)
            scope.bindings.setdefault(alias, []).append(b)

    def _value_kind(self, value: ast.expr, scope: _Scope) -> Tuple[str, BindingValue]:
        """What assigning `value` binds: a manager, an alias of a candidate name, or something else."""
        mgr = _manager_of_value(value)
        if mgr is not None:
            return MGR, mgr
        if isinstance(value, ast.Name) and value.id in self.names:
            return ALIAS, (scope, value.id, self.pos(value))
        return OTHER, None

    def statement_bindings(self, stmt: Union[ast.stmt, ast.expr], scope: _Scope) -> None:
        """Record what `stmt` (a lambda's body: an expression) binds in its own scope (not inside nested scopes)."""
        handled: Set[int] = set()
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
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
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

    def _note_fallbacks(self, node: "_TryLike") -> None:
        """`try: from hpman.m import _` / `except ImportError: _ = ...`: the handler's bindings of
        the imported names are a fallback for when hpman is missing, not a rebinding."""
        names = {a.asname or a.name for s in node.body
                 if isinstance(s, ast.ImportFrom) and s.module == MANAGER_MODULE and s.level == 0
                 for a in s.names} & self.names
        if names:
            for handler in node.handlers:
                for n in ast.walk(handler):
                    self._fallback.setdefault(id(n), set()).update(names)

    def _fill(self, scope: _Scope, body: Sequence[Union[ast.stmt, ast.expr]]) -> None:
        """Record the bindings and global/nonlocal declarations of a scope's statements."""
        for stmt in body:
            for n in self._scope_nodes(stmt):
                if isinstance(n, (ast.Global, ast.Nonlocal)):
                    scope.free.update(n.names)
        for stmt in body:
            self.statement_bindings(stmt, scope)
        scope.seal()

    # traversal -----------------------------------------------------------
    def visit_module_statement(self, stmt: ast.stmt, path: Optional[_Path] = None) -> None:
        if path is None:
            path = ((stmt.lineno - 1 + self.offset, stmt.col_offset), None)
        if self.scoped:
            self.statement_bindings(stmt, self.module)
            self.visit(stmt, self.module, path)
        else:
            self._calls_in(stmt, path)

    def _calls_in(self, root: ast.stmt, path: _Path) -> None:
        """Without scopes, the calls are all there is to find: a plain walk of the hot
        subtrees; a call in a function body looks its callee up at the module's end."""
        names, is_hot, calls, module = self.names, self.is_hot, self.calls, self.module
        stack: List[Tuple[ast.AST, _Path, bool]] = [(root, path, False)] if is_hot(root) else []
        while stack:
            node, path, later = stack.pop()
            cls = node.__class__
            # the ignores: `cls` is node's class, which mypy does not narrow node by
            if cls is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                if func.__class__ is ast.Name and func.id in names:
                    calls.append(_Call(func.id, node, module, END if later else self.pos(node), path))  # type: ignore[arg-type]
            body = None
            if not later and cls in _FUNCTIONS:
                body = {id(b) for b in (node.body if cls is not ast.Lambda else [node.body])}  # type: ignore[attr-defined]
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
        return i < len(hot) and hot[i] <= node.end_lineno  # type: ignore[attr-defined]  # a node with a lineno has an end

    def _scope_nodes(self, stmt: ast.AST) -> Iterator[ast.AST]:
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
            stack.extend(child for child in _children(node) if is_hot(child))

    def visit(self, node: ast.AST, scope: _Scope, path: _Path) -> None:
        """Visit `node` and what it contains, without recursion.

        Deep but valid expressions (a chain of 1,000 `+`, a long method chain)
        must not hit the recursion limit: the handlers below schedule the
        nodes they would visit, and this loop visits them depth first.
        """
        if self._pending is not None:  # called from a handler: schedule
            self._pending.append((node, scope, path))
            return
        stack: List[_Visit] = [(node, scope, path)]
        pending: List[_Visit]
        try:
            while stack:
                item, item_scope, item_path = stack.pop()
                self._pending = pending = []
                self._visit_one(item, item_scope, item_path)
                stack.extend(reversed(pending))
        finally:
            self._pending = None

    def _visit_one(self, node: ast.AST, scope: _Scope, path: _Path) -> None:
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

    def _visit_function(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda], scope: _Scope,
                        path: _Path) -> None:
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
        body: Sequence[Union[ast.stmt, ast.expr]] = node.body if isinstance(node.body, list) else [node.body]
        self._fill(inner, body)
        for stmt in body:
            self.visit(stmt, inner, (index[id(stmt)], path))

    def _visit_class(self, node: ast.ClassDef, scope: _Scope, path: _Path) -> None:
        index = _child_index(node)
        for d in node.decorator_list + node.bases:
            self.visit(d, scope, (index[id(d)], path))
        for k in node.keywords:
            self.visit(k.value, scope, (0, (index[id(k)], path)))
        inner = _Scope("class", scope)
        self._fill(inner, node.body)
        for stmt in node.body:
            self.visit(stmt, inner, (index[id(stmt)], path))

    def _visit_comprehension(self, node: Union[ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp],
                             scope: _Scope, path: _Path) -> None:
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
        calls: List[PieceCall] = []
        for c in self.calls:
            raw = _call_to_raw(c, self, lines, keep_nodes)
            calls.append((c.alias, c.scope, c.pos, _shift_raw(raw, delta) if delta else raw, _order_key(c.path)))
        return _Piece(calls, self.bindings)


def _hot_lines(text: str, names: FrozenSet[str]) -> List[int]:
    """The 1-based lines of `text` on which one of `names` occurs, ascending."""
    hot: List[int] = []
    line, at = 1, 0
    for pos in find_tokens(text, names):
        line += text.count("\n", at, pos)
        at = pos
        if not hot or hot[-1] != line:
            hot.append(line)
    return hot


def _children(node: ast.AST) -> List[ast.AST]:
    """`list(ast.iter_child_nodes(node))`, in its order, without its two generators."""
    out: List[ast.AST] = []
    for field in node._fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def _child_keys(node: ast.AST) -> List[Tuple[ast.AST, int]]:
    """The children of `node` with keys in `ast.iter_child_nodes` order: their index, except
    for a class body's statements, keyed by their place relative to the class, so that the
    members of a big class parsed one by one (_parse_class_members) get the same keys."""
    if node.__class__ is not ast.ClassDef:
        return list(zip(_children(node), itertools.count()))
    head = len(node.bases) + len(node.keywords)
    body_end = head + len(node.body)
    out: List[Tuple[ast.AST, int]] = []
    for i, child in enumerate(_children(node)):
        if i < head:
            key = i
        elif i < body_end:   # the ignore: the children from `head` to `body_end` are the body's statements
            key = _member_key(child.lineno - node.lineno, child.col_offset)  # type: ignore[attr-defined]
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

    def __init__(self, groups: Groups, initial: Dict[str, str]) -> None:
        found: Dict[str, List[Tuple[Pos, int, _Binding]]] = {}
        for first, piece in groups:
            for b in piece.bindings:
                if b.scope.kind == "module":
                    found.setdefault(b.alias, []).append(((b.pos[0] + first, b.pos[1]), first, b))
        self.module: Dict[str, Tuple[List[Pos], List[Tuple[int, _Binding]]]] = {}
        for alias, items in found.items():
            items.sort(key=lambda item: item[0])
            self.module[alias] = ([p for p, _f, _b in items], [(f, b) for _p, f, b in items])
        self.initial = initial
        # names the module imports from hpman: above that import they are not bound yet
        self.imported = {alias for alias, (_p, items) in self.module.items() if any(b.kind == MGR for _f, b in items)}
        self.memo: Dict[Tuple[int, int], Resolution] = {}

    def _find(self, first: int, scope: _Scope, name: str,
              pos: Pos) -> Tuple[Union[_Binding, "_Unbound", None], int, Optional[str]]:
        """(binding, its piece's first line, None) that `name` means at `pos` of `scope`, else
        (None, 0, manager or None) for a name that is unbound there."""
        p = pos
        s = scope
        while s.kind != "module":
            positions = s.positions.get(name) if name not in s.free else None
            if positions:
                i = bisect.bisect_right(positions, p) - 1
                if i >= 0:
                    return s.bindings[name][i], first, None
                if s.kind != "class":  # a local that is not bound yet: not the manager
                    return _Unbound(s.bindings[name][0]), first, None
            if s.later:
                p = END
            # the ignores: only the module scope has no parent, and it ends the loop
            parent: _Scope = s.parent  # type: ignore[assignment]
            if s.kind != "class":   # functions and comprehensions do not see a class body's names
                while parent.kind == "class":
                    parent = parent.parent  # type: ignore[assignment]
            s = parent
        at = p if p == END else (p[0] + first, p[1])
        entry = self.module.get(name)
        if entry is not None:
            i = bisect.bisect_right(entry[0], at) - 1
            if i < 0:   # above the module's first binding: unbound where an hpman import follows
                return None, 0, (None if name in self.imported else self.initial.get(name))
            bfirst, b = entry[1][i]
            return b, bfirst, None
        return None, 0, self.initial.get(name)

    def resolve(self, first: int, scope: _Scope, name: str, pos: Pos) -> Resolution:
        """(manager or None, the binding that decided it or None, that binding's first line)."""
        chain: List[Tuple[int, int]] = []
        result: Optional[Resolution] = None
        for _step in range(self._MAX_STEPS):
            b, where, unbound = self._find(first, scope, name, pos)
            if b is None:
                result = (unbound, None, 0)
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
            # the ignores: `kind` says which type `value` has, which mypy cannot follow
            if b.kind == ALIAS:
                scope, name, pos = b.value  # type: ignore[misc, str-unpack, assignment]
                first = where
                continue
            if b.kind == MGR:
                result = (b.value, b, where)  # type: ignore[assignment]
            else:
                result = (self.initial.get(b.alias) if b.kind == IMPORT else None, b, where)
            break
        if result is None:
            result = (None, None, 0)
        for key in chain:
            self.memo[key] = result
        return result

    def manager_names(self, groups: Groups) -> Set[str]:
        """The candidate names that some binding of the file makes a manager."""
        out: Set[str] = set()
        for first, piece in groups:
            for b in piece.bindings:
                if b.alias in out:
                    continue
                if b.kind == MGR:
                    out.add(b.alias)
                # the ignore: an ALIAS binding's value is its Target (see resolve)
                elif b.kind == ALIAS and self.resolve(first, *b.value)[0] is not None:  # type: ignore[misc]
                    out.add(b.alias)
        return out

    def final(self, names: Iterable[str]) -> Dict[str, str]:
        """alias -> manager at the module's end (what code in functions sees)."""
        out: Dict[str, str] = {}
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


def _is_match_capture(node: ast.AST) -> "TypeGuard[_Capture]":
    return sys.version_info >= (3, 10) and isinstance(node, (ast.MatchAs, ast.MatchStar)) and bool(node.name)


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                  ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


# -- turning calls into occurrences -------------------------------------------

_LITERAL_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError, AttributeError)


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except _LITERAL_ERRORS:
        return NotLiteralEvaluable()


def _segment(lines: Sequence[str], rng: Range) -> str:
    sl, sc, el, ec = rng
    if sl == el:
        return lines[sl][sc:ec]
    return "\n".join([lines[sl][sc:]] + list(lines[sl + 1:el]) + [lines[el][:ec]])


def _call_to_raw(call: _Call, walker: _Walker, lines: Sequence[str], keep_node: bool) -> Raw:
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
    value = EMPTY
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
    text = "\n".join(lines)
    if scoped and _calls_only(text, names):
        scoped = False   # nothing here binds a candidate name: no scope can hide a manager
    walker = _Walker(names, scoped, lines, text=text)
    for stmt in tree.body:
        walker.visit_module_statement(stmt)
    return walker.piece(keep_nodes)






def _shift_raw(raw: Raw, delta: int) -> Raw:
    if isinstance(raw, Issue):
        return Issue(raw.code, raw.severity, raw.message, _shift(raw.range, delta), raw.data)
    name, call, name_range, default_range, value, text, hints, node = raw
    if node is not None and delta:
        ast.increment_lineno(node, delta)
    return (name, _shift(call, delta), _shift(name_range, delta),
            _shift(default_range, delta) if default_range else None, value, text, hints, node)


def _shift(rng: Range, lines: int) -> Range:
    return (rng[0] + lines, rng[1], rng[2] + lines, rng[3])
