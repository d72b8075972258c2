"""One `hpman sweep` worker: ask Optuna for values, run the command, tell it the result.

Any number of workers (on any number of machines) may share a study through its
storage. `--trials N` is the study's total: a worker stops when N trials have finished
(complete, pruned, or failed by the program), so four workers given `--trials 40` run
40 trials between them, not 160. Trials are counted in order of their numbers, which
the storage hands out one at a time: a worker whose new trial is beyond the N-th marks
it surplus (hidden from `sweep show`) and stops, so no race ends with 41.

A trial whose worker dies stops beating; another worker fails it and Optuna queues a
copy with the same values (RetryHeartbeatStaleTrialCallback), which the next `ask`
takes. Such failures and Ctrl-C interruptions do not use up the budget. A worker
whose budget is reached still waits while other workers' trials run, since one of
them may yet die and need its re-run.
"""
import ast
import os
import shutil
import tempfile
from typing import Any, Callable, Dict, List, Optional, Sequence

from ..index.space import CATEGORICAL, INT, Dimension
from ..trial import ENV_VALUES, ENV_VALUES_MANAGER
from . import runner
from .storage import SweepError, import_optuna, open_storage

# user attributes of a trial (few: each one set is a write to the storage)
TRIAL = "hpman.trial"           # at the start: {"values": {name: repr(value)}, "log": path}
RESULT = "hpman.result"         # at the end: {"seconds", and on failure "failure", "exit_code", "stderr_tail"}
SURPLUS = "hpman.surplus"       # asked beyond the budget by a racing worker: not a trial
INTERRUPTED = "hpman.interrupted"

#: Objects notified of each trial (the hook for run records): optional methods
#: `trial_started(ctx)` (may add to `ctx.env`) and `trial_finished(ctx, frozen_trial)`.
trial_hooks: List[Any] = []


class Plan:
    """What a worker does: the space, the fixed values, the command and the study."""

    def __init__(self, space: List[Dimension], fixed: Dict[str, Any], manager: str, command: Sequence[str],
                 trials: int, storage_url: str, study: str, root: str, direction: str = "minimize",
                 pruner: str = "median", seed: Optional[int] = None, timeout: Optional[float] = None,
                 heartbeat: int = 10) -> None:
        self.space, self.fixed, self.manager, self.command = space, fixed, manager, list(command)
        self.trials, self.storage_url, self.study, self.root = trials, storage_url, study, root
        self.direction, self.pruner, self.seed = direction, pruner, seed
        self.timeout, self.heartbeat = timeout, heartbeat


class TrialContext:
    """One trial as the hooks see it."""

    def __init__(self, plan: Plan, number: int, values: Dict[str, Any], env: Dict[str, str],
                 log_path: Optional[str]) -> None:
        self.plan, self.number, self.values, self.env, self.log_path = plan, number, values, env, log_path
        self.study = plan.study
        self.command = plan.command


def write_values(path: str, values: Dict[str, Any]) -> None:
    """Write `values` ({dotted name: value}) to `path` in the core values format (by extension,
    atomically), which every front end reads; a one-line SweepError when it cannot."""
    from ..values import ValuesError, save
    try:
        save(path, values)
    except ValuesError as exc:
        raise SweepError(str(exc)) from None


def _primitive(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


class _Space:
    """The plan's dimensions as Optuna distributions, and trial params back to values."""

    def __init__(self, optuna: Any, dims: List[Dimension]) -> None:
        D = optuna.distributions
        self.distributions: Dict[str, Any] = {}
        self.decode: Dict[str, Dict[Any, Any]] = {}
        for dim in dims:
            if dim.kind == CATEGORICAL:
                choices = list(dim.choices or [])
                if all(_primitive(c) for c in choices):
                    self.distributions[dim.name] = D.CategoricalDistribution(choices)
                else:   # Optuna stores only plain choices: store their text, hand out the value
                    self.decode[dim.name] = {repr(c): c for c in choices}
                    self.distributions[dim.name] = D.CategoricalDistribution([repr(c) for c in choices])
            elif dim.kind == INT:
                self.distributions[dim.name] = D.IntDistribution(dim.low, dim.high, log=dim.log, step=dim.step or 1)
            else:
                self.distributions[dim.name] = D.FloatDistribution(float(dim.low), float(dim.high), log=dim.log,
                                                                   step=dim.step)

    def values(self, params: Dict[str, Any]) -> Dict[str, Any]:
        out = {}
        for name, value in params.items():
            table = self.decode.get(name)
            out[name] = table.get(value, value) if table is not None else value
        return out


def takes_slot(trial: Any, TrialState: Any) -> bool:
    """Whether a trial counts in the study's budget of `--trials`."""
    attrs = trial.user_attrs
    if attrs.get(SURPLUS) or attrs.get(INTERRUPTED):
        return False
    if trial.state == TrialState.FAIL:
        return "failure" in result_of(trial)   # heartbeat failures were queued again; they do not count
    return True


def result_of(trial: Any) -> Dict[str, Any]:
    """How the trial's program ended, as recorded (empty while it runs or when its worker died)."""
    result = trial.user_attrs.get(RESULT)
    return result if isinstance(result, dict) else {}


def info_of(trial: Any) -> Dict[str, Any]:
    info = trial.user_attrs.get(TRIAL)
    return info if isinstance(info, dict) else {}


def decoded_values(trial: Any) -> Dict[str, Any]:
    """The values a stored trial ran with (swept and fixed)."""
    out = {}
    for name, text in (info_of(trial).get("values") or {}).items():
        try:
            out[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            out[name] = text
    if not out:
        out = dict(trial.params)
    return out


def _pruner(optuna: Any, name: str) -> Any:
    if name == "none":
        return optuna.pruners.NopPruner()
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)


def open_study(plan: Plan) -> Any:
    optuna = import_optuna()
    storage = open_storage(plan.storage_url, heartbeat=plan.heartbeat)
    sampler = optuna.samplers.TPESampler(seed=plan.seed, n_startup_trials=10)
    try:
        return optuna.create_study(storage=storage, study_name=plan.study, direction=plan.direction,
                                   sampler=sampler, pruner=_pruner(optuna, plan.pruner), load_if_exists=True)
    except ValueError as exc:   # e.g. an existing study with another direction
        raise SweepError("study `{}`: {}".format(plan.study, exc)) from None


def run_sweep(plan: Plan, progress: Any) -> int:
    """Run trials until the study has `plan.trials`; 0, or 130 after Ctrl-C."""
    optuna = import_optuna()
    TrialState = optuna.trial.TrialState
    study = open_study(plan)
    if study.direction.name.lower() != plan.direction:
        raise SweepError("study `{}` {}s its value; this sweep would {} it (use --direction {}, or another "
                         "--study)".format(plan.study, study.direction.name.lower(), plan.direction,
                                           study.direction.name.lower()))
    space = _Space(optuna, plan.space)
    workdir = tempfile.mkdtemp(prefix="hpman-sweep-")
    logs = os.path.join(plan.root, ".hpman", "sweep-logs", _safe(plan.study))
    os.makedirs(logs, exist_ok=True)
    progress.start(plan, _done(study.get_trials(deepcopy=False), TrialState))
    with runner.CtrlC() as ctrl_c:
        try:
            return _trials_loop(plan, study, space, workdir, logs, progress, ctrl_c)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _trials_loop(plan: Plan, study: Any, space: "_Space", workdir: str, logs: str, progress: Any,
                 ctrl_c: runner.CtrlC) -> int:
    """Ask, run and tell until the budget is spent (0) or Ctrl-C is pressed (130)."""
    optuna = import_optuna()
    from optuna.storages import fail_stale_trials
    TrialState = optuna.trial.TrialState
    storage = study._storage
    while True:
        if ctrl_c.count:
            progress.interrupted()
            return 130
        fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        counted = [t for t in trials if takes_slot(t, TrialState)]
        waiting = any(t.state == TrialState.WAITING for t in counted)
        if len(counted) >= plan.trials and not waiting:
            if any(t.state == TrialState.RUNNING for t in counted):
                progress.waiting()
                ctrl_c.wait(plan.heartbeat)
                continue
            break
        trial = study.ask(space.distributions)
        storage.record_heartbeat(trial._trial_id)
        if not _in_budget(study, trial.number, plan.trials, TrialState):
            trial.set_user_attr(SURPLUS, True)
            study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
            continue
        done = _done(trials, TrialState)
        if _run_one(plan, study, trial, space, workdir, logs, progress, done, ctrl_c) == "interrupted":
            progress.interrupted()
            return 130
    progress.finish(study)
    return 0


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "study"


def _done(trials: List[Any], TrialState: Any) -> int:
    finished = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    return sum(1 for t in trials if t.state in finished and takes_slot(t, TrialState))


def _in_budget(study: Any, number: int, budget: int, TrialState: Any) -> bool:
    """Whether trial `number` is among the first `budget` trials that count."""
    rank = sum(1 for t in study.get_trials(deepcopy=False) if t.number <= number and takes_slot(t, TrialState))
    return rank <= budget


def _run_one(plan: Plan, study: Any, trial: Any, space: _Space, workdir: str, logs: str, progress: Any,
             done: int, ctrl_c: Optional[runner.CtrlC] = None) -> str:
    """Run one trial to its end and tell the study; the trial's final state name."""
    optuna = import_optuna()
    TrialState = optuna.trial.TrialState
    values = dict(plan.fixed)
    values.update(space.values(trial.params))
    values_path = os.path.join(workdir, "trial-{}.yaml".format(trial.number))
    write_values(values_path, values)
    log_path = os.path.join(logs, "trial-{}.log".format(trial.number))
    trial.set_user_attr(TRIAL, {"values": {name: repr(v) for name, v in values.items()}, "log": log_path})
    env = dict(os.environ)
    env.update({ENV_VALUES: values_path, ENV_VALUES_MANAGER: plan.manager, "HPMAN_TRIAL": str(trial.number),
                "HPMAN_STUDY": plan.study})
    ctx = TrialContext(plan, trial.number, values, env, log_path)
    _notify("trial_started", ctx)
    progress.trial_started(trial.number, values, done)
    storage = study._storage

    def beat() -> None:
        try:
            storage.record_heartbeat(trial._trial_id)
        except Exception:  # a storage hiccup must not kill the trial; the next beat may pass
            pass

    def on_report(value: float, step: Optional[int]) -> bool:
        if step is None or step < 0:
            return False
        try:
            trial.report(value, step)
            return bool(trial.should_prune())
        except Exception:  # a step reported twice, a trial failed meanwhile, …
            return False

    try:
        outcome = runner.run(plan.command, env, on_report, beat, plan.heartbeat, log_path, plan.timeout,
                             ctrl_c)
    except KeyboardInterrupt:
        trial.set_user_attr(INTERRUPTED, True)
        study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
        return "interrupted"
    finally:
        try:
            os.remove(values_path)
        except OSError:
            pass
    result: Dict[str, Any] = {"seconds": round(outcome.seconds, 3)}
    failure = outcome.failure()
    value = outcome.value
    if failure is None and value is not None and value != value:
        failure = "reported NaN"
    if outcome.stopped != "pruned" and failure is not None:
        result.update(failure=failure, exit_code=outcome.exit_code, stderr_tail=outcome.stderr_tail)
    trial.set_user_attr(RESULT, result)
    if outcome.stopped == "pruned":
        frozen = study.tell(trial, state=TrialState.PRUNED, skip_if_finished=True)
    elif failure is not None:
        frozen = study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
    else:
        frozen = study.tell(trial, value, skip_if_finished=True)
    _notify("trial_finished", ctx, frozen)
    trials = study.get_trials(deepcopy=False)
    progress.trial_finished(frozen, _done(trials, TrialState), best_trial(study, trials))
    state: str = frozen.state.name
    return state.lower()


def _notify(method: str, *args: Any) -> None:
    for hook in list(trial_hooks):
        fn: Optional[Callable[..., None]] = getattr(hook, method, None)
        if fn is not None:
            fn(*args)


def best_trial(study: Any, trials: Optional[List[Any]] = None) -> Optional[Any]:
    """The best complete trial (of `trials`, else of the study), or None."""
    optuna = import_optuna()
    if trials is None:
        trials = study.get_trials(deepcopy=False)
    done = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE and t.value is not None]
    if not done:
        return None
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    return (max if maximize else min)(done, key=lambda t: (t.value, -t.number) if maximize else (t.value, t.number))
