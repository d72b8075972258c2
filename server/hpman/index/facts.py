"""The one parser: module text → hyperparameter facts with exact ranges.

Used by the runtime (`HyperParameterManager.parse_source`, placeholder mode:
every bare call of the placeholder counts, as in hpman 0.13) and by the
workspace index (import-aware mode: a module's calls count for the managers it
imports from hpman, following Python's scoping rules).

Only the top-level statements that mention a relevant name are parsed (see
chunks.py); the results of each statement are kept by text so that, after an
edit, only the statements whose text changed are parsed again.

This module assembles one file's facts; the parts live beside it: model.py (the
occurrences, issues and file facts it returns), scan.py (which statements are
parsed, and the cache of their results), scopes.py (which calls count for which
manager) and chunks.py (cutting the text, finding the names in it).
"""
import ast
import re
import symtable
import warnings
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from .chunks import _token_matches
from .model import (
    EMPTY,
    ERROR,
    INFO,
    MANAGER_CLASS,
    MANAGER_MODULE,
    WARNING,
    FileFacts,
    Issue,
    Occurrence,
    in_tree_order,
)
from .scan import PieceCache, _parse, _Scan, _SyntaxFailure
from .scopes import Groups, _Binding, _Resolver, _shift

# the index's data model is re-exported: most readers import it from here
__all__ = ["EMPTY", "ERROR", "INFO", "MANAGER_CLASS", "MANAGER_MODULE", "WARNING", "FileFacts", "Issue", "Occurrence",
           "in_tree_order", "PieceCache", "extract_placeholder", "extract_workspace", "syntax_verdict"]

Taken = Dict[Tuple[int, int], Tuple[_Binding, int, List[int]]]
"""{(id of a binding, its piece's first line): (binding, first line, [lines of the calls it took])}."""


def _build(path: str, groups: Groups, resolver: _Resolver,
           accept: Callable[[str], bool]) -> Tuple[List[Occurrence], List[Issue], Taken]:
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


def syntax_verdict(text: str, path: str, spans: Optional[List[Tuple[int, int]]] = None) -> Optional[Issue]:
    """The `syntax-error` issue of a whole module that does not parse, else None.

    The extraction parses only the statements that mention a manager; hpman 0.13 parsed
    every module whole, so a syntax error anywhere in a module that uses hpman made
    `parse_file` fail. This is that check, done once per content (the verdict is cached).
    The symbol table is built from the same parser's tree without turning it into Python
    objects: half the cost of `ast.parse`. Whatever it accepts parses; a module it refuses
    (some errors are the symbol table's own, like `nonlocal` at module level) is parsed
    for the verdict.

    `spans`: the runs of whole top-level statements the extraction did not parse (see
    _Scan.unparsed); only they are checked. Top-level statements that each parse, from a
    line start with no bracket, string or continuation open, parse together: the
    tokenizer's state at such a cut is the same alone and in the whole, and a module is a
    sequence of statements. When a run fails, the whole module decides (and says where).
    """
    if spans is not None:
        if all(_accepted(text[begin:end], path) for begin, end in spans):
            return None
    elif _accepted(text, path):
        return None
    tree = _parse(text, path)   # the parser itself decides (and says where)
    return _syntax_issue(tree) if isinstance(tree, _SyntaxFailure) else None


def _accepted(text: str, path: str) -> bool:
    """Whether the symbol table of `text` builds (so the text parses)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symtable.symtable(text, path, "exec")
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return False


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
        syntax = syntax_verdict(text, path, scan.unparsed())
        verified = True
    if syntax is not None:
        issues.append(syntax)
    issues.sort(key=lambda i: i.range)
    return FileFacts(path, occurrences, issues, resolver.final(names), verified)


def _aliases_from_text(text: str) -> Set[str]:
    """Names bound to a manager anywhere in the module (import or constructor)."""
    aliases: Set[str] = set()
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


def _assigned_aliases(text: str, base: Iterable[str]) -> Set[str]:
    """`base` and the names assigned from them, transitively (`h = _`, `a = b = hp`,
    `h: Callable = _`): the candidates whose bindings the walker then follows."""
    out = set(base)
    todo = set(out)
    while todo:
        found: Set[str] = set()
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


def _shadowing_issues(taken: Taken, manager_names: Set[str]) -> List[Issue]:
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
