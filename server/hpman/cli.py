"""`hpman`: list, tree, show and check the hyperparameters of a source tree, statically; `hpman sweep`
searches them (hpman/sweep/)."""
import argparse
import errno
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import __version__
from .index.ipynb import format_context, is_notebook
from .index.model import ERROR, WARNING
from .index.parallel import available_cores
from .index.problems import Problem, all_problems
from .index.queries import TreeNode, children_of, default_of, effective_value, name_tree, runtime_order
from .index.workspace import Workspace
from .primitives import EmptyValue, NotLiteralEvaluable
from .source_helper import SourceHelper
from .values import texts
from .values.safeio import ValuesError, drop_stdout, read_regular


def _rel(path: str) -> str:
    """A path as `hpman check` prints it: relative to the working directory, `../` at most once."""
    return texts.display_path(path, parents=1)


def _progress_printer() -> Optional[Callable[[int, int], None]]:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write("\rindexing {}/{} files".format(done, total))
        if done == total:
            sys.stderr.write("\r" + " " * 40 + "\r")
        sys.stderr.flush()
    return show


def _workspace(args: argparse.Namespace) -> Workspace:
    for path in args.paths:
        if not os.path.exists(path):
            raise _UserError("no such file or directory: {}".format(path))
    ws = Workspace(args.paths or ["."], exclude=args.exclude, cache=not args.no_cache, verify=True)
    ws.path_form = _rel   # messages name other files as the output names the file of each problem
    ws.scan(progress=_progress_printer(), workers=min(2, available_cores()))
    if args.values:
        from .records import values_path_for
        try:   # a missing file, a FIFO, a device, a huge file: a usage error (a run record: its values.yaml)
            read_regular(values_path_for(args.values))
        except ValuesError as exc:
            raise _UserError(str(exc)) from None
        ws.set_values_file(args.values)
        if args.command != "check" and ws.values_file is not None and ws.values_file.errors:
            message, rng = ws.values_file.errors[0]   # `check` reports these as problems
            raise _UserError("{}:{}: {}".format(_rel(ws.values_file.path), rng[0] + 1, message))
    return ws


class _UserError(Exception):
    """A mistake on the command line: printed as one line, exit status 2."""


def _manager(ws: Workspace, wanted: Optional[str]) -> str:
    managers = ws.managers()
    if wanted is not None:
        if managers and wanted not in managers:
            raise _UserError("no manager named `{}` (managers here: {})".format(wanted, ", ".join(managers)))
        return wanted
    return ws.default_manager()


def _values(ws: Workspace, manager: str, json_form: bool) -> Dict[str, Any]:
    """Each name's effective value as a listing shows it (`hpman.values.texts`, as `--hp-list`),
    in the order the runtime's get_values() lists them."""
    render = texts.json_value if json_form else texts.yaml_value
    out = {}
    for name in runtime_order(ws, manager):
        value, _src = effective_value(ws, (manager, name))
        if isinstance(value, EmptyValue):
            continue
        default = default_of(ws, (manager, name)) if isinstance(value, NotLiteralEvaluable) else None
        out[name] = render(value, default.default_text if default is not None else None)
    return out


def cmd_list(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    values = _values(ws, _manager(ws, args.manager), args.format == "json")
    if args.tree:
        values = texts.nest(values)
    if args.format == "json":
        print(json.dumps(values, indent=2, ensure_ascii=False, allow_nan=False))
    elif values:
        from .values.yamlfmt import yaml_text
        sys.stdout.write(yaml_text(values))
    return 0


def cmd_tree(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    managers = [args.manager] if args.manager else ws.managers()
    for manager in managers:
        print(manager)
        _print_tree(name_tree(ws, manager), "")
    return 0


def _print_tree(nodes: List[TreeNode], indent: str) -> None:
    def text(node: TreeNode) -> str:
        shown = node.label
        if node.value is not None:
            shown += " = " + node.value
        if node.problems:
            shown += "  [{} problem{}]".format(node.problems, "s" if node.problems > 1 else "")
        return shown
    for line in texts.tree_lines(nodes, text, children_of, indent):
        print(line)


def cmd_show(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    manager = _manager(ws, args.manager)
    key = (manager, args.name)
    occs = ws.occurrences_of(key)
    if not occs:
        raise _UserError("no hyperparameter named `{}`{}".format(
            args.name, texts.did_you_mean(args.name, ws.names(manager))))
    value, source = effective_value(ws, key)
    default = default_of(ws, key)
    shown = "(none)" if isinstance(value, EmptyValue) else texts.value_text(
        value, default.default_text if default is not None else None)
    print("{} = {}  ({}, from the {})".format(args.name, shown, type(value).__name__, source))
    for i, occ in enumerate(occs):
        mark = "default" if occ.has_default else "use"
        text = ws.text_of(occ.path) or ""
        if is_notebook(occ.path):   # `exp.ipynb:cell 3:2` and that cell's lines
            where, context = format_context(_rel(occ.path), text, occ.line + 1).split("\n", 1)
            print("occurrence[{}] ({}): {}".format(i, mark, where))
            print("\n".join("  " + row for row in context.split("\n")))
            continue
        print("occurrence[{}] ({}): {}:{}".format(i, mark, _rel(occ.path), occ.line + 1))
        print(SourceHelper(text).format_line_with_context(occ.line + 1, indent_spaces=2))
    return 0


def _problem_json(p: Problem) -> Dict[str, Any]:
    return {
        "path": _rel(p.path), "line": p.range[0] + 1, "column": p.range[1] + 1,
        "end_line": p.range[2] + 1, "end_column": p.range[3] + 1, "severity": p.severity, "code": p.code,
        "message": p.message,
        "related": [{"path": _rel(r.path), "line": r.range[0] + 1, "column": r.range[1] + 1, "message": r.message}
                    for r in p.related],
    }


def cmd_check(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    problems = all_problems(ws)
    if args.format == "json":
        print(json.dumps([_problem_json(p) for p in problems], indent=2, ensure_ascii=False))
    else:
        for p in problems:
            print("{}:{}:{}: {} {} {}".format(_rel(p.path), p.range[0] + 1, p.range[1] + 1, p.severity, p.code,
                                             p.message))
    failing = {ERROR, WARNING} if args.strict else {ERROR}
    return 1 if any(p.severity in failing for p in problems) else 0


def _plain(value: Any) -> Any:
    """For `hpman diff --format json`: JSON types where they exist, the Python literal text
    otherwise (a tuple stays distinguishable from a list there)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return repr(value)
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    return repr(value)


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two values files or run records; exit 1 when they differ (for scripts)."""
    from . import records
    from .values_io import ValuesFileError
    try:
        a, b = records.load(args.a), records.load(args.b)
    except (records.RecordError, ValuesFileError) as exc:
        raise _UserError(str(exc)) from None
    rows = records.diff(a, b)
    if args.format == "json":
        def side(value: Any) -> Any:
            return None if value is records.MISSING else _plain(value)
        print(json.dumps({"a": args.a, "b": args.b, "equal": not rows, "differences": [
            {"name": r["name"], "a": side(r["a"]), "b": side(r["b"]), "in_a": r["a"] is not records.MISSING,
             "in_b": r["b"] is not records.MISSING, "origin_a": r["origin_a"], "origin_b": r["origin_b"]}
            for r in rows]}, indent=2, ensure_ascii=False))
    elif rows:
        from tabulate import tabulate

        def shown(value: Any) -> str:
            return "(absent)" if value is records.MISSING else repr(value)
        table = [[r["name"], shown(r["a"]), shown(r["b"]), records.describe(r["origin_a"]),
                  records.describe(r["origin_b"])] for r in rows]
        print(tabulate(table, headers=["name", "A", "B", "origin in A", "origin in B"], disable_numparse=True))
        print("{} name{} differ{} (A = {}, B = {})".format(len(rows), "s" if len(rows) != 1 else "",
                                                           "" if len(rows) != 1 else "s", args.a, args.b))
    else:
        print("no differences ({} names)".format(len(a.values)))
    return 1 if rows else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hpman", description="Static view of the hyperparameters in a source tree.")
    parser.add_argument("--version", action="version", version="hpman " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    common.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching paths")
    common.add_argument("--values", metavar="FILE",
                        help="a values file (YAML, JSON or pickle, as --hp-save writes) that overrides defaults")
    common.add_argument("--manager", metavar="NAME", help="the manager (default: `_` or the only one)")
    common.add_argument("--no-cache", action="store_true", help="ignore and do not write the index cache")

    p = sub.add_parser("list", parents=[common], help="values of the hyperparameters (YAML or JSON)")
    p.add_argument("--format", choices=["yaml", "json"], default="yaml")
    p.add_argument("--tree", action="store_true", help="nest dotted names")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("tree", parents=[common], help="names as an indented tree with values")
    p.set_defaults(func=cmd_tree)
    p = sub.add_parser("show", parents=[common], help="every occurrence of one name, with context")
    p.add_argument("name")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("check", parents=[common], help="report problems; exit 1 on errors")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("diff", help="names whose values differ between two values files or run records; "
                                    "exit 1 when they differ")
    p.add_argument("a", metavar="A", help="a values file, or a run record (its directory or record.json)")
    p.add_argument("b", metavar="B", help="the same, to compare with A")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_diff)
    # parsed by hpman.sweep.cli (main() hands it the rest of the command line); listed here for --help
    sub.add_parser("sweep", add_help=False, help="search hyperparameters with Optuna (hpman sweep --help)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sweep":
        from .sweep.cli import main as sweep_main
        try:
            return sweep_main(argv[1:])
        except BrokenPipeError:
            return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()
        return code
    except _UserError as exc:
        parser.exit(2, "hpman: error: {}\n".format(exc))
    except BrokenPipeError:
        drop_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as exc:   # stdout on a full disk (`hpman list > /dev/full`) and the like
        if exc.errno not in _WRITE_ERRORS:
            raise
        drop_stdout()
        sys.stderr.write("hpman: error: cannot write the output: {}\n".format(exc.strerror or exc))
        return 1


_WRITE_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


if __name__ == "__main__":
    sys.exit(main())
