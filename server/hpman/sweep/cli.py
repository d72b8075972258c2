"""`hpman sweep`: search the hyperparameters whose hints describe a space, on Optuna.

    hpman sweep [PATH...] --trials N [--storage URL] [--study NAME] [--only GLOB] [--fix NAME=VALUE] -- CMD...
    hpman sweep show [PATH] [--storage URL] [--study NAME] [--format table|json]
    hpman sweep best [PATH] [--storage URL] [--study NAME] [--save FILE]
"""
import argparse
import ast
import fnmatch
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Sequence, Set, Tuple

from ..index.model import ERROR
from ..index.problems import all_problems
from ..index.queries import default_of, search_space

if TYPE_CHECKING:
    from .worker import Plan

from .storage import SweepError, default_study, default_url, find_study, import_optuna, open_storage, project_root

USAGE = """hpman sweep [PATH...] --trials N [options] -- COMMAND...
       hpman sweep show [PATH] [--storage URL] [--study NAME] [--format table|json]
       hpman sweep best [PATH] [--storage URL] [--study NAME] [--save FILE]"""

_SWEEP_CODES = {"bad-range", "empty-range", "bad-log", "bad-step"}


def _storage_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--storage", metavar="URL", help="an Optuna RDB URL (default: sqlite under PATH/.hpman/)")
    p.add_argument("--study", metavar="NAME", help="the study's name (default: the project folder's name)")


def run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hpman sweep", usage=USAGE, description=(
        "Run COMMAND once per trial with values chosen by Optuna for the hyperparameters whose hints "
        "(choices=, range=, log=, step=) describe a search space. The program reports its metric with "
        "hpman.report(value)."))
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to index (default: .)")
    p.add_argument("--trials", type=int, required=True, metavar="N",
                   help="trials in the study in all (shared by every worker on the study)")
    _storage_options(p)
    p.add_argument("--only", action="append", default=[], metavar="GLOB", help="sweep only matching names")
    p.add_argument("--fix", action="append", default=[], metavar="NAME=VALUE", help="hold a name at a value")
    p.add_argument("--direction", choices=["minimize", "maximize"], default="minimize")
    p.add_argument("--pruner", choices=["median", "hyperband", "none"], default="median",
                   help="stops trials whose intermediate reports lag (default: median)")
    p.add_argument("--seed", type=int, help="the sampler's seed")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="stop a trial after this long (it fails)")
    p.add_argument("--heartbeat", type=int, default=10, metavar="SECONDS",
                   help="how often a worker marks its trial alive; a trial silent for 3 beats is re-run")
    p.add_argument("--manager", metavar="NAME", help="the manager (default: `_` or the only one)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching paths")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not write the index cache")
    p.add_argument("--mlflow", action="store_true", help="log each trial to MLflow: one nested run per trial under "
                   "one parent run for the study (MLflow's default store unless MLFLOW_TRACKING_URI is set)")
    p.add_argument("--mlflow-experiment", metavar="NAME", help="the MLflow experiment (default: MLflow's default)")
    return p


def _read_parser(name: str, help_text: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hpman sweep " + name, description=help_text)
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="the project (default: .)")
    _storage_options(p)
    return p


def main(argv: Sequence[str]) -> int:
    argv = list(argv)
    if argv and argv[0] in ("show", "best"):
        return _read_main(argv[0], argv[1:])
    if "--" in argv:
        cut = argv.index("--")
        options, command = argv[:cut], argv[cut + 1:]
    else:
        options, command = argv, []
    parser = run_parser()
    args = parser.parse_args(options)
    if not command:
        parser.error("give the command to run after `--`, e.g. hpman sweep . --trials 20 -- python train.py")
    if args.trials < 1:
        parser.error("--trials must be at least 1")
    if args.heartbeat < 1:
        parser.error("--heartbeat must be at least 1 second")
    try:
        from .progress import Progress
        from .worker import run_sweep
        plan = make_plan(args, command)
        return _run_recorded(plan, Progress(), run_sweep, args)
    except SweepError as exc:
        parser.exit(2, "hpman sweep: error: {}\n".format(exc))
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130


def _run_recorded(plan: Any, progress: Any, run_sweep: Any, args: argparse.Namespace) -> int:
    """Run the sweep with a run record per trial and, with --mlflow, an MLflow run per trial."""
    from ..records import SweepTrialRecords
    from .worker import trial_hooks
    hooks: List[Any] = [SweepTrialRecords()]
    runs = None
    if args.mlflow:
        from ..mlflow import SweepRuns
        try:
            runs = SweepRuns(plan.study, args.mlflow_experiment)
            runs.start()
        except ImportError as exc:
            raise SweepError(str(exc)) from None
        hooks.append(runs)
    trial_hooks.extend(hooks)
    code = 1
    try:
        code = int(run_sweep(plan, progress))
        return code
    finally:
        for hook in hooks:
            trial_hooks.remove(hook)
        if runs is not None:
            runs.end(code)


def _index(args: argparse.Namespace) -> Tuple[Any, str]:
    from ..cli import _manager, _UserError, _workspace
    ns = argparse.Namespace(paths=args.paths, exclude=args.exclude, values=None, no_cache=args.no_cache)
    try:
        ws = _workspace(ns)
        return ws, _manager(ws, args.manager)
    except _UserError as exc:
        raise SweepError(str(exc)) from None


def make_plan(args: argparse.Namespace, command: List[str]) -> "Plan":
    """The worker's plan: the space from the index (read once, here), narrowed by --only/--fix."""
    from .worker import Plan
    ws, manager = _index(args)
    _refuse_broken_hints(ws, manager, args.only)
    space = search_space(ws, manager)
    known = set(ws.names(manager))
    fixed = dict(_parse_fix(text, ws, manager, known) for text in args.fix)
    if args.only:
        space = [d for d in space if any(fnmatch.fnmatchcase(d.name, g) for g in args.only)]
    space = [d for d in space if d.name not in fixed]
    if not space:
        raise SweepError("nothing to sweep: no hyperparameter{} has a `choices=` or `range=` hint".format(
            " matching --only" if args.only else ""))
    _check_command(command)
    root = project_root(args.paths)
    return Plan(space, fixed, manager, command, args.trials, args.storage or default_url(root),
                args.study or default_study(root), root, args.direction, args.pruner, args.seed, args.timeout,
                args.heartbeat)


def _check_command(command: List[str]) -> None:
    """A command that cannot start would fail every trial the same way: say so once instead."""
    import shutil
    program = command[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        if not (os.path.isfile(program) and os.access(program, os.X_OK)):
            raise SweepError("cannot run `{}`: not an executable file".format(program))
    elif shutil.which(program) is None:
        raise SweepError("cannot run `{}`: not found on PATH".format(program))


def _refuse_broken_hints(ws: Any, manager: str, only: List[str]) -> None:
    """A sweep with a wrong `range=` would silently skip that name: say so and stop instead."""
    for p in all_problems(ws):
        name = p.data.get("name", "")
        if p.code in _SWEEP_CODES and p.severity == ERROR and p.data.get("manager") == manager and (
                not only or any(fnmatch.fnmatchcase(name, g) for g in only)):
            from ..cli import _rel
            raise SweepError("{}:{}:{}: {} {} (see hpman check)".format(
                _rel(p.path), p.range[0] + 1, p.range[1] + 1, p.code, p.message))


def _parse_fix(text: str, ws: Any, manager: str, known: Set[str]) -> Tuple[str, Any]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise SweepError("--fix takes NAME=VALUE, not `{}`".format(text))
    if name not in known:
        from ..index.problems import closest
        hint = closest(name, known)
        raise SweepError("--fix: no hyperparameter named `{}`{}".format(
            name, "; did you mean `{}`?".format(hint) if hint else ""))
    default = default_of(ws, (manager, name))
    if default is not None and isinstance(default.value, str):
        return name, raw
    try:
        return name, ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return name, raw


# -- reading a study ---------------------------------------------------------------------

def _read_main(name: str, argv: List[str]) -> int:
    if name == "show":
        p = _read_parser("show", "The trials of a study, best first.")
        p.add_argument("--format", choices=["table", "json"], default="table")
    else:
        p = _read_parser("best", "The best trial of a study; --save writes its values as a values file.")
        p.add_argument("--save", metavar="FILE", help="write the best values (YAML) for --hp-load and friends")
    args = p.parse_args(argv)
    try:
        study = _load_study(args)
        return cmd_show(study, args) if name == "show" else cmd_best(study, args)
    except SweepError as exc:
        p.exit(2, "hpman sweep {}: error: {}\n".format(name, exc))


def _load_study(args: argparse.Namespace) -> Any:
    optuna = import_optuna()
    if not os.path.exists(args.path):
        raise SweepError("no such file or directory: {}".format(args.path))
    root = project_root([args.path])
    url = args.storage or default_url(root)
    if args.storage is None and not os.path.exists(os.path.join(root, ".hpman", "sweeps.db")):
        raise SweepError("no sweep has run in {} (no .hpman/sweeps.db; give --storage?)".format(args.path))
    storage = open_storage(url)
    name = find_study(storage, args.study, default_study(root))
    return optuna.load_study(study_name=name, storage=storage)


def _rows(study: Any) -> List[Any]:
    """The trials that are trials (not surplus asks), best first: complete by value, then the rest."""
    from .worker import SURPLUS
    optuna = import_optuna()
    TrialState = optuna.trial.TrialState
    trials = [t for t in study.get_trials(deepcopy=False) if not t.user_attrs.get(SURPLUS)]
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    order = {TrialState.COMPLETE: 0, TrialState.PRUNED: 1, TrialState.RUNNING: 2, TrialState.WAITING: 3,
             TrialState.FAIL: 4}

    def key(t: Any) -> Tuple[int, float, int]:
        value = t.value if t.state == TrialState.COMPLETE and t.value is not None else 0.0
        return (order.get(t.state, 5), -value if maximize else value, t.number)
    return sorted(trials, key=key)


def _note(t: Any) -> str:
    from .worker import INTERRUPTED, result_of
    if t.user_attrs.get(INTERRUPTED):
        return "interrupted"
    if t.state.name == "FAIL":
        return result_of(t).get("failure") or "worker lost (queued again)"
    if t.state.name == "PRUNED" and t.intermediate_values:
        return "pruned at step {}".format(max(t.intermediate_values))
    if t.system_attrs.get("failed_trial") is not None:
        return "re-run of #{}".format(t.system_attrs["failed_trial"])
    return ""


def _jsonable(value: Any) -> Any:
    """JSON's types: tuples and sets as lists, other values JSON cannot hold as their text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=repr)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _jsonable(v) for k, v in value.items()}
    return repr(value)


def trial_json(t: Any) -> Dict[str, Any]:
    from .worker import decoded_values, info_of, result_of
    result = result_of(t)
    return {
        "number": t.number, "state": t.state.name.lower(), "value": t.value,
        "values": {k: _jsonable(v) for k, v in decoded_values(t).items()},
        "intermediate": {str(k): v for k, v in sorted(t.intermediate_values.items())},
        "seconds": result.get("seconds"), "note": _note(t),
        "exit_code": result.get("exit_code"), "stderr_tail": result.get("stderr_tail"),
        "log": info_of(t).get("log"), "retry_of": t.system_attrs.get("failed_trial"),
    }


def cmd_show(study: Any, args: argparse.Namespace) -> int:
    rows = _rows(study)
    if args.format == "json":
        print(json.dumps({"study": study.study_name, "direction": study.direction.name.lower(),
                          "trials": [trial_json(t) for t in rows]}, indent=2, ensure_ascii=False))
        return 0
    from tabulate import tabulate

    from .progress import short
    from .worker import decoded_values, result_of
    names = sorted({n for t in rows for n in decoded_values(t)})
    table = []
    for t in rows:
        values = decoded_values(t)
        seconds = result_of(t).get("seconds")
        table.append([t.number, t.state.name.lower(), "" if t.value is None else short(t.value),
                      "" if seconds is None else "{:.1f}".format(seconds)]
                     + [short(values[n]) if n in values else "" for n in names] + [_note(t)])
    print("study `{}` ({}): {} trials".format(study.study_name, study.direction.name.lower(), len(rows)))
    if table:
        print(tabulate(table, headers=["#", "state", "value", "seconds"] + names + ["note"], disable_numparse=True))
    return 0


def cmd_best(study: Any, args: argparse.Namespace) -> int:
    from .progress import short
    from .worker import best_trial, decoded_values, write_values
    best = best_trial(study)
    if best is None:
        raise SweepError("study `{}` has no complete trial yet".format(study.study_name))
    values = decoded_values(best)
    if args.save:
        try:
            write_values(args.save, values)
        except OSError as exc:
            raise SweepError("cannot write {}: {}".format(args.save, exc.strerror or exc)) from None
    print("best: #{} value {}".format(best.number, short(best.value)))
    for name in sorted(values):
        print("  {} = {!r}".format(name, values[name]))
    if args.save:
        print("saved to {}".format(args.save))
    return 0
