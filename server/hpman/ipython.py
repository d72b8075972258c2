"""The IPython extension: `%load_ext hpman`, then the `%hpman` line magic, whose commands
(list, tree, show, set, load, save, parse) are listed in `HpmanMagics.hpman`'s docstring,
which `%hpman help` and `%hpman?` print.

`-m NAME` (before the command) picks the manager: a variable of the session
holding one, else `hpman.m.NAME`. Without it, the one manager the session
holds is used. Every mistake is one `UsageError` line.

IPython binds `_` to the last output. It leaves a `_` the user bound alone,
except when that `_` was itself the last output (showing the manager, or
`_.set_value(...)` at the end of a cell, which returns it): the next output
then replaces hpman's `_`. The extension catches that replacement, puts the
manager back and says so once. A `_` rebound by the user's own code
(`for _ in range(3)`) is left alone, with a one-time note. In notebooks,
`from hpman.m import hp` avoids the clash altogether.
"""
import ast
import inspect
import io
import re
import shlex
import sys
from typing import Any, Callable, Dict, List, NoReturn, Optional, Set, Tuple

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, line_magic, magics_class

from . import m as hpm_module
from .manager import HyperParameterManager
from .primitives import EmptyValue, ImpossibleTree

UNDERS = ("_", "__", "___")
CLOBBERED_NOTE = ("hpman: IPython set `{name}` to the last output, replacing the hpman manager; `{name}` is the "
                  "manager again (the output stays in `Out`). In notebooks, `from hpman.m import hp` avoids this.")
REBOUND_NOTE = ("hpman: `{name}` is no longer the hpman manager `{placeholder}` (now {what}); "
                "`from hpman.m import {placeholder}` gets it back. In notebooks, `from hpman.m import hp` "
                "avoids the clash.")


def _fail(message: object) -> NoReturn:
    """Stop the magic with one UsageError line (`message` is a text or an exception)."""
    raise UsageError("hpman: " + " ".join(str(message).split()))


class UnderscoreGuard:
    """Keeps a manager the user bound to `_`, `__` or `___` there.

    IPython's displayhook binds `_` to each output unless the user bound `_`
    themselves, a check that fails when the user's `_` was itself the last
    output. The guard wraps the displayhook's namespace update: when the update
    replaces a manager the user bound (not one IPython bound as an output), the
    manager goes back at once and the user is told, once. After each cell, a
    manager the user's own code replaced (`for _ in ...`) earns a one-time note.
    """

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell
        self.by_ipython: Dict[str, Any] = {}   # what the displayhook last bound to each name
        self.before: Dict[str, HyperParameterManager] = {}
        self.noted: Set[str] = set()
        self.hook = shell.displayhook
        self.original: Callable[[Any], None] = self.hook.update_user_ns
        # this one displayhook's method, wrapped (an instance attribute over the class's method)
        self.hook.update_user_ns = self.update_user_ns  # type: ignore[method-assign]

    def remove(self) -> None:
        if self.hook.__dict__.get("update_user_ns") == self.update_user_ns:
            del self.hook.update_user_ns

    def _user_managers(self) -> Dict[str, HyperParameterManager]:
        ns = self.shell.user_ns
        return {u: ns[u] for u in UNDERS
                if isinstance(ns.get(u), HyperParameterManager) and ns[u] is not self.by_ipython.get(u, _MISSING)}

    def update_user_ns(self, result: Any) -> None:
        ns = self.shell.user_ns
        mine = self._user_managers()
        before = {u: ns.get(u, _MISSING) for u in UNDERS}
        self.original(result)
        for u in UNDERS:
            now = ns.get(u, _MISSING)
            if now is not before[u]:
                self.by_ipython[u] = now
        for name, manager in mine.items():
            if ns.get(name, _MISSING) is not manager:
                ns[name] = manager
                self._note("clobbered", CLOBBERED_NOTE.format(name=name))

    def pre_run_cell(self, *args: Any) -> None:
        self.before = self._user_managers()

    def post_run_cell(self, *args: Any) -> None:
        ns = self.shell.user_ns
        for name, manager in self.before.items():
            now = ns.get(name, _MISSING)
            if now is manager or now is self.by_ipython.get(name, _MISSING):
                continue
            what = "deleted" if now is _MISSING else "bound to a value of type `{}`".format(type(now).__name__)
            self._note("rebound:" + name, REBOUND_NOTE.format(name=name, placeholder=manager.placeholder, what=what))
        self.before = {}

    def _note(self, kind: str, text: str) -> None:
        if kind in self.noted:
            return
        self.noted.add(kind)
        print(text, file=sys.stderr)


_MISSING = object()


@magics_class
class HpmanMagics(Magics):
    @line_magic
    def hpman(self, line: str) -> None:
        """Manage the session's hyperparameters (`%hpman help` prints this too).

        %hpman list [yaml|json|detail]    the values (as `--hp-list` prints them)
        %hpman tree                       dotted names as a tree, with values
        %hpman show NAME                  value, type, default and every occurrence
        %hpman set NAME=VALUE ...         set values (Python literals), all or none
        %hpman load FILE [--format F]     load a values file (hpargparse's formats and rules)
        %hpman save FILE [--format F]     save the values (atomic; yaml, json or pickle)
        %hpman parse PATH ...             parse files, folders or notebooks for their defaults

        `-m NAME` before the command picks the manager when the session holds several.
        """
        try:
            words = shlex.split(line, posix=True) if line.strip() else []
        except ValueError as exc:
            _fail("cannot split the arguments: {}".format(exc))
        count = len(words)
        manager_name = None
        if words[:1] in (["-m"], ["--manager"]):
            if len(words) < 2:
                _fail("-m needs a manager name")
            manager_name, words = words[1], words[2:]
        elif words and words[0].startswith(("-m=", "--manager=")):
            manager_name, words = words[0].split("=", 1)[1], words[1:]
        if not words or words[0] in ("-h", "--help", "help"):
            print(inspect.cleandoc(HpmanMagics.hpman.__doc__ or ""))
            return
        command, args = words[0], words[1:]
        handler = getattr(self, "cmd_" + command, None)
        if handler is None:
            _fail("unknown command `{}` (choose from list, tree, show, set, load, save, parse)".format(command))
        # `set` reads its values from the line as typed (quotes in them are Python's, not the shell's)
        rest = _text_after(line, count - len(words) + 1) if command == "set" else None
        handler(self.manager(manager_name), args, rest)

    # -- which manager ---------------------------------------------------------------
    def manager(self, name: Optional[str]) -> HyperParameterManager:
        assert self.shell is not None   # (a registered magic always has its shell)
        ns = self.shell.user_ns
        if name is not None:
            value = ns.get(name)
            if isinstance(value, HyperParameterManager):
                return value
            if not name.isidentifier():
                _fail("`{}` is not a manager name".format(name))
            named: HyperParameterManager = getattr(hpm_module, name)   # hpman.m's module __getattr__
            return named
        found: Dict[int, Tuple[str, HyperParameterManager]] = {}
        for key, value in list(ns.items()):
            if isinstance(value, HyperParameterManager) and not _hidden(key):
                found.setdefault(id(value), (key, value))
        if not found:
            for key, value in vars(hpm_module).items():
                if isinstance(value, HyperParameterManager):
                    found.setdefault(id(value), (key, value))
        if len(found) == 1:
            return next(iter(found.values()))[1]
        if not found:
            _fail("no hpman manager in this session: `from hpman.m import hp` first (or name one with -m NAME)")
        names = sorted({key for key, _v in found.values()})
        _fail("several managers ({}): choose one with -m NAME".format(", ".join("`{}`".format(n) for n in names)))

    # -- commands --------------------------------------------------------------------
    def cmd_list(self, mgr: HyperParameterManager, args: List[str], _rest: Optional[str]) -> None:
        from .values.detail import default_sources, detail_table
        from .values.texts import list_json, list_yaml
        fmt = args[0] if args else "yaml"
        if len(args) > 1 or fmt not in ("yaml", "json", "detail"):
            _fail("usage: %hpman list [yaml|json|detail]")
        values = mgr.get_values()
        if fmt == "detail":
            text = detail_table(mgr)
        elif fmt == "json":
            text = list_json(values, default_sources(mgr))
        else:
            text = list_yaml(values, default_sources(mgr))
        sys.stdout.write(text)

    def cmd_tree(self, mgr: HyperParameterManager, args: List[str], _rest: Optional[str]) -> None:
        if args:
            _fail("usage: %hpman tree")
        from .display import value_text
        from .values.detail import default_sources
        from .values.texts import tree_lines
        values = mgr.get_values()
        sources = default_sources(mgr)
        sep = mgr.separator
        tree: Dict[str, Any] = {}
        for name in sorted(values):
            level = tree
            for part in name.split(sep):
                level = level.setdefault(part, {})

        def text(node: Tuple[str, str, Dict[str, Any]]) -> str:
            full, key, _kids = node
            return key + (" = " + value_text(values[full], source=sources.get(full)) if full in values else "")

        def children(node: Tuple[str, str, Dict[str, Any]]) -> List[Tuple[str, str, Dict[str, Any]]]:
            full, _key, kids = node
            return [(full + sep + k, k, v) for k, v in kids.items()]

        print("\n".join([mgr.placeholder] + tree_lines([(k, k, v) for k, v in tree.items()], text, children)))

    def cmd_show(self, mgr: HyperParameterManager, args: List[str], _rest: Optional[str]) -> None:
        if len(args) != 1:
            _fail("usage: %hpman show NAME")
        from .display import location, type_text, value_text
        from .values.detail import default_sources
        name = args[0]
        sources = default_sources(mgr)
        value = mgr.get_value(name, raise_exception=False)
        if isinstance(value, EmptyValue):
            _fail("no hyperparameter named `{}`{}".format(name, _did_you_mean(name, mgr)))
        if isinstance(value, dict) and name not in mgr.get_values():   # a branch: its subtree
            print("{} (a tree of {} values)".format(name, len([n for n in mgr.get_values()
                                                                 if n.startswith(name + mgr.separator)])))
            for sub, sub_value in sorted(mgr.get_values().items()):
                if sub.startswith(name + mgr.separator):
                    print("  {} = {}  ({})".format(sub, value_text(sub_value, source=sources.get(sub)),
                                                   type_text(sub_value)))
            return
        print("{} = {}  ({})".format(name, value_text(value, source=sources.get(name)), type_text(value)))
        from .hpm_db import P
        origin: Dict[Optional[P], str] = {P.PRIORITY_PARSED_FROM_SOURCE_CODE: "default",
                                          P.PRIORITY_SET_FROM_CALLABLE: "runtime _()",
                                          P.PRIORITY_SET_FROM_SETTER: "set_value"}
        for row in [r for r in mgr.db if r.name == name]:
            kind = origin.get(row.priority, str(row.priority))
            where = location(row)
            if where is None:
                print("  {}: {}".format(kind, value_text(row.value, source=sources.get(name))))
            else:
                used = isinstance(row.value, EmptyValue)
                shown = "(use)" if used else value_text(row.value, source=sources.get(name))
                print("  {}: {} at {}".format(kind if not isinstance(row.value, EmptyValue) else "use", shown, where))
            if row.hints:
                print("    hints: " + ", ".join("{}={!r}".format(k, v) for k, v in sorted(row.hints.items())))

    def cmd_set(self, mgr: HyperParameterManager, _args: List[str], rest: Optional[str]) -> None:
        pairs = parse_assignments(rest or "")
        if not pairs:
            _fail("usage: %hpman set NAME=VALUE [NAME=VALUE ...] (values are Python literals)")
        from .values.literals import ConversionError, from_loaded
        known = mgr.get_values()
        values = {}
        for name, value in pairs:
            if name in known and not isinstance(known[name], EmptyValue):
                try:
                    value = from_loaded(known[name], value)
                except ConversionError as exc:
                    _fail("Error parsing hyperparameter `{}`: {}".format(name, exc))
            values[name] = value
        try:
            mgr.set_values(values)
        except (ImpossibleTree, TypeError, ValueError, KeyError) as exc:
            _fail(exc.args[0] if exc.args else exc)
        new = [n for n in values if n not in known and not _is_branch(n, known, mgr.separator)]
        for name in new:
            hint = _did_you_mean(name, mgr, exclude=name)
            print("hpman: `{}` is not used by any code run or parsed so far{}".format(name, hint), file=sys.stderr)

    def cmd_load(self, mgr: HyperParameterManager, args: List[str], _rest: Optional[str]) -> None:
        path, fmt = _file_and_format(args, "load")
        from .values.assign import read_values
        from .values.safeio import ValuesError
        try:
            values = read_values(path, mgr, fmt)
            mgr.set_values(values)
        except (ValuesError, ImpossibleTree) as exc:
            _fail(exc)
        print("hpman: loaded {} value{} from {}".format(len(values), "" if len(values) == 1 else "s", path))

    def cmd_save(self, mgr: HyperParameterManager, args: List[str], _rest: Optional[str]) -> None:
        path, fmt = _file_and_format(args, "save")
        from .values.safeio import ValuesError
        from .values.store import save
        values = mgr.get_values()
        try:
            skipped = save(path, values, fmt)
        except ValuesError as exc:
            _fail(exc)
        for name in skipped:
            print("hpman: not saving `{}`: its value is not a literal".format(name), file=sys.stderr)
        count = len(values) - len(skipped)
        print("hpman: saved {} value{} to {}".format(count, "" if count == 1 else "s", path))

    def cmd_parse(self, mgr: HyperParameterManager, args: List[str], _rest: Optional[str]) -> None:
        if not args:
            _fail("usage: %hpman parse PATH [PATH ...] (files, folders or notebooks)")
        from .primitives import BadArgumentsException, DoubleAssignmentException, NotLiteralNameException
        try:
            mgr.parse_file(args)
        except (FileNotFoundError, SyntaxError, DoubleAssignmentException, ImpossibleTree,
                NotLiteralNameException, BadArgumentsException) as exc:
            text = str(exc).strip().split("\n")
            if isinstance(exc, FileNotFoundError):
                text = ["no such file or directory: {}".format(exc.args[-1] if exc.args else exc)]
            elif isinstance(exc, SyntaxError) and exc.filename:
                text = ["{}: {}".format(_where(exc.filename, exc.lineno), exc.msg)]
            elif isinstance(exc, (NotLiteralNameException, BadArgumentsException)):
                text = [re.sub(r"(\S+\.ipynb):L(\d+)", lambda m: _where(m.group(1), int(m.group(2))), text[0])]
            elif isinstance(exc, DoubleAssignmentException):
                heads = [text[i + 1] for i, l in enumerate(text[:-1]) if l.endswith(" occurrence:")]
                text = ["duplicated default values at {}".format(" and ".join(heads[:2]))]
            _fail(text[0] if len(text) == 1 else "; ".join(t for t in text if t))


def _where(path: str, lineno: Optional[int]) -> str:
    """`nb.ipynb:cell 3:2` for a line of a notebook's code (as parse_file numbers it), else `path:line`."""
    from .index import ipynb
    source = None
    if ipynb.is_notebook(path):
        try:
            with open(path, "rb") as f:
                source = ipynb.parse_notebook(f.read()).text
        except (OSError, ipynb.NotebookError):
            source = None
    return ipynb.where(path, source, lineno)


def _text_after(line: str, count: int) -> str:
    """What follows the first `count` shell words of `line` (split as shlex.split does), as typed."""
    stream = io.StringIO(line)
    lexer = shlex.shlex(stream, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    for _ in range(count):
        lexer.get_token()
    return line[stream.tell():]   # (a StringIO's position is the index of the next character)


def _hidden(key: str) -> bool:
    """Output-cache names (`_5`, `_i3`, ...) are aliases, not the session's own variables."""
    return re.fullmatch(r"_(i{0,3}\d*|[ih]{1,3}|oh|dh)", key) is not None and key not in UNDERS


def _is_branch(name: str, known: Dict[str, Any], sep: str) -> bool:
    return any(k.startswith(name + sep) for k in known)


def _did_you_mean(name: str, mgr: HyperParameterManager, exclude: Optional[str] = None) -> str:
    from .values.texts import did_you_mean
    return did_you_mean(name, [n for n in mgr.get_values() if n != exclude])


def _file_and_format(args: List[str], verb: str) -> Tuple[str, str]:
    from .values.store import FORMAT_CHOICES
    fmt = "auto"
    rest = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-f", "--format"):
            if i + 1 >= len(args):
                _fail("{} needs a format after {}".format(verb, arg))
            fmt = args[i + 1]
            i += 2
            continue
        if arg.startswith("--format="):
            fmt = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    if len(rest) != 1:
        _fail("usage: %hpman {} FILE [--format {}]".format(verb, "|".join(FORMAT_CHOICES)))
    if fmt not in FORMAT_CHOICES:
        _fail("unknown format `{}` (choose from {})".format(fmt, ", ".join(FORMAT_CHOICES)))
    return rest[0], fmt


_NAME_EQ = re.compile(r"\s*([^\s=]+)\s*=")


def parse_assignments(text: str) -> List[Tuple[str, Any]]:
    """`a=1 b.c='x y' d=[1, 2]` → [(name, literal value)], names in order.

    Each value runs to the next ` name=` after which the value so far is a
    Python literal (so strings and lists may hold spaces and `=`)."""
    text = text.strip()
    out: List[Tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        m = _NAME_EQ.match(text, pos)
        if m is None:
            _fail("expected NAME=VALUE, got `{}`".format(text[pos:].split()[0]))
        name = m.group(1)
        start = m.end()
        ends = [b.start() for b in re.finditer(r"\s+[^\s=]+\s*=", text[start:])] + [len(text) - start]
        for end in ends:
            chunk = text[start:start + end].strip()
            if not chunk:
                continue
            try:
                value = ast.literal_eval(chunk)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            out.append((name, value))
            pos = start + end
            break
        else:
            chunk = text[start:start + ends[0]].strip()
            if not chunk:
                _fail("`{}` has no value (write {}=VALUE)".format(name, name))
            _fail("the value of `{}` is not a Python literal: {}".format(name, chunk))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


_GUARD = "_hpman_guard"   # the shell's attribute that holds the extension's UnderscoreGuard


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """`%load_ext hpman`: the `%hpman` magic and the `_` guard."""
    if getattr(ipython, _GUARD, None) is not None:
        return
    ipython.register_magics(HpmanMagics)
    guard = UnderscoreGuard(ipython)
    ipython.events.register("pre_run_cell", guard.pre_run_cell)
    ipython.events.register("post_run_cell", guard.post_run_cell)
    setattr(ipython, _GUARD, guard)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    guard: Optional[UnderscoreGuard] = getattr(ipython, _GUARD, None)
    if guard is None:
        return
    for event, callback in (("pre_run_cell", guard.pre_run_cell), ("post_run_cell", guard.post_run_cell)):
        try:
            ipython.events.unregister(event, callback)
        except ValueError:
            pass
    guard.remove()
    ipython.magics_manager.magics["line"].pop("hpman", None)
    setattr(ipython, _GUARD, None)
