"""Run records: which values a run used, where each one came from, and which code ran.

A run record is a directory holding

* `values.yaml`: the values, in the format `--hp-save` writes, so `--hp-load`, `hpman
  --values` and the editor's `hpman.valuesFile` read it as they read any values file;
* `record.json`: the run (start time, command line, working directory, git commit and
  whether the tree was dirty) and, per name, its origin.

An origin is a small JSON object whose `kind` says where a value came from: `default`
(with `file` and `line`: the `_('lr', 0.1)` that gives it), `values-file` (`file`),
`command-line` (`option`), `set_value`, `sweep-trial` (`study`, `trial`), or `call` (a value
given to `_()` in code that was never parsed, so its place is unknown).

`record.json` is written last and both files atomically, so a directory with a
`record.json` is a complete record.
"""
import datetime
import json
import os
import shlex
import subprocess
import sys
from typing import Any, Dict, List, Optional, Protocol, Sequence, Tuple

from .hpm_db import HyperParameterOccurrence, P

RECORD_FILE = "record.json"
VALUES_FILE = "values.yaml"
FORMAT = "hpman-run-record"
VERSION = 1
GIT_TIMEOUT = 10.0   # seconds: a hung git (a network filesystem, a lock) must not hang the run
MAX_RECORD_BYTES = 64 * 1024 * 1024

Origin = Dict[str, Any]


class RecordSource(Protocol):
    """What a record is made from: a HyperParameterManager, or a stand-in holding a trial's values."""

    def get_values(self) -> Dict[str, Any]: ...

    def setter_origin(self, name: str) -> Optional[Origin]: ...

    @property
    def db(self) -> Sequence[HyperParameterOccurrence]: ...   # parsed rows first, in file and line order


class RecordError(Exception):
    """A record or values file that cannot be read or written (one line, naming the file)."""


# -- origins --------------------------------------------------------------------------------
def _display_path(path: Optional[str]) -> Optional[str]:
    """A source path as the record shows it: relative to the working directory when inside it."""
    if not path or path.startswith("<"):
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith(os.pardir) else rel


def origins_of(manager: RecordSource) -> Dict[str, Origin]:
    """Per name that has a value, where that value came from (see the module docstring)."""
    defaults: Dict[str, Origin] = {}
    for row in manager.db:   # parsed rows come first, in file and line order
        if (row.priority == P.PRIORITY_PARSED_FROM_SOURCE_CODE and row.has_default_value and row.name is not None
                and row.name not in defaults):
            defaults[row.name] = {"kind": "default", "file": _display_path(row.filename), "line": row.lineno}
    out: Dict[str, Origin] = {}
    for name in manager.get_values():
        origin = manager.setter_origin(name)
        if origin is None:
            origin = defaults.get(name, {"kind": "call"})
        out[name] = origin
    return out


def describe(origin: Optional[Origin]) -> str:
    """One human line for an origin: `default at train.py:3`, `command line --lr`, ..."""
    if not origin:
        return "-"
    kind = origin.get("kind")
    if kind == "default":
        if origin.get("file"):
            return "default at {}:{}".format(origin["file"], origin.get("line"))
        return "default"
    if kind == "values-file":
        return "values file {}".format(origin.get("file"))
    if kind == "command-line":
        return "command line {}".format(origin.get("option") or "").rstrip()
    if kind == "sweep-trial":
        return "sweep trial {}{}".format(origin.get("trial"), " of {}".format(origin["study"])
                                         if origin.get("study") else "")
    if kind == "call":
        return "value given to the call"
    return str(kind)


def sweep_trial_origin(study: Optional[str], trial: int) -> Origin:
    """The origin of a value a sweep trial chose (pass it to `set_values(..., origins=...)`)."""
    return {"kind": "sweep-trial", "study": study, "trial": trial}


# -- the run ----------------------------------------------------------------------------------
def _git(args: List[str], cwd: str) -> Optional[str]:
    try:
        done = subprocess.run(["git"] + args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def git_state(directory: str) -> Optional[Dict[str, Any]]:
    """{"commit", "dirty"} of the git work tree holding `directory`, or None outside git (or
    without git). Dirty means a tracked file differs from the commit; untracked files
    (outputs, logs) do not count."""
    commit = _git(["rev-parse", "HEAD"], directory)
    if commit is None:
        return None
    status = _git(["status", "--porcelain", "--untracked-files=no"], directory)
    return {"commit": commit.strip(), "dirty": bool(status and status.strip())}


def now() -> str:
    """The current time as the record writes it (ISO 8601, UTC)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _code_directory(manager: RecordSource) -> str:
    """Where the code lives (for git): the first parsed file's directory, else the working one."""
    for row in manager.db:
        filename: Optional[str] = row.filename
        if filename and not filename.startswith("<") and os.path.exists(filename):
            return os.path.dirname(os.path.abspath(filename))
    return os.getcwd()


def build_record(manager: RecordSource, *, argv: Optional[Sequence[str]] = None, started: Optional[str] = None,
                 extra: Optional[Dict[str, Any]] = None) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(values, record data) of the manager as it is now: what `write_record` writes."""
    from .values_io import literal_values
    argv = list(sys.argv if argv is None else argv)
    values, skipped = literal_values(manager.get_values())
    data: Dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "values_file": VALUES_FILE,
        "started": started or now(), "argv": argv, "command": shlex.join(argv), "cwd": os.getcwd(),
        "git": git_state(_code_directory(manager)),
        "origins": origins_of(manager), "not_saved": skipped,
    }
    if extra:
        data.update(extra)
    return values, data


def write_record(manager: RecordSource, directory: str, *, argv: Optional[Sequence[str]] = None,
                 started: Optional[str] = None, extra: Optional[Dict[str, Any]] = None) -> str:
    """Write the run record of `manager` into `directory` (made if missing); returns the
    directory. `extra` adds top-level keys to record.json (a sweep: {"sweep": {...}})."""
    from .values_io import write_atomic, yaml_text
    values, data = build_record(manager, argv=argv, started=started, extra=extra)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise RecordError("cannot make the record directory `{}`: {}".format(directory, exc.strerror or exc)) from None
    write_atomic(os.path.join(directory, VALUES_FILE), yaml_text(values).encode("utf-8"))
    text = json.dumps(data, indent=2, ensure_ascii=False, default=repr) + "\n"
    write_atomic(os.path.join(directory, RECORD_FILE), text.encode("utf-8"))
    return directory


# -- reading -----------------------------------------------------------------------------------
class Loaded:
    """A values file or a run record, read back: values, origins (empty for a plain values
    file) and the run data (None for a plain values file)."""

    def __init__(self, path: str, values: Dict[str, Any], origins: Dict[str, Origin],
                 run: Optional[Dict[str, Any]]) -> None:
        self.path = path
        self.values = values
        self.origins = origins
        self.run = run


def record_paths(path: str) -> Optional[Tuple[str, str]]:
    """(record.json, values file) when `path` is a run record (its directory or its
    record.json), else None."""
    if os.path.isdir(path):
        record = os.path.join(path, RECORD_FILE)
    elif os.path.basename(path) == RECORD_FILE:
        record = path
    else:
        return None
    if not os.path.isfile(record):
        if os.path.isdir(path):
            raise RecordError("`{}` is a directory without a {} (not a run record)".format(path, RECORD_FILE))
        return None
    data = _read_record_json(record)
    values = os.path.join(os.path.dirname(record), str(data.get("values_file") or VALUES_FILE))
    return record, values


def _read_record_json(path: str) -> Dict[str, Any]:
    try:
        from .values_io import read_bounded
        data = json.loads(read_bounded(path, MAX_RECORD_BYTES).decode("utf-8"))
    except OSError as exc:
        raise RecordError("cannot read `{}`: {}".format(path, exc.strerror or exc)) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RecordError("`{}` is not a run record: {}".format(path, " ".join(str(exc).split()))) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RecordError("`{}` is not a run record (no \"format\": \"{}\")".format(path, FORMAT))
    if not isinstance(data.get("origins", {}), dict):
        raise RecordError("`{}`: \"origins\" must be a mapping of names to origins".format(path))
    return data


def load(path: str) -> Loaded:
    """Read a values file (YAML, JSON or pickle, nested or flat) or a run record."""
    from .values_io import read_values
    paths = record_paths(path)
    if paths is None:
        return Loaded(path, read_values(path), {}, None)
    record, values_path = paths
    data = _read_record_json(record)
    origins = {str(k): v for k, v in data.get("origins", {}).items() if isinstance(v, dict)}
    run = {k: v for k, v in data.items() if k not in ("origins",)}
    return Loaded(path, read_values(values_path, set(origins)), origins, run)


# -- diff --------------------------------------------------------------------------------------
MISSING = object()


def diff(a: Loaded, b: Loaded) -> List[Dict[str, Any]]:
    """The names whose values differ or that only one side has, in sorted order: per name
    `name`, `a`, `b` (MISSING when absent), `origin_a`, `origin_b`."""
    rows = []
    for name in sorted(set(a.values) | set(b.values)):
        va, vb = a.values.get(name, MISSING), b.values.get(name, MISSING)
        if va is not MISSING and vb is not MISSING and _same(va, vb):
            continue
        rows.append({"name": name, "a": va, "b": vb, "origin_a": a.origins.get(name), "origin_b": b.origins.get(name)})
    return rows


def _same(x: Any, y: Any) -> bool:
    """Equal values of the same type (1 and 1.0, or True and 1, differ for a run)."""
    if type(x) is not type(y):
        return False
    if isinstance(x, (list, tuple)):
        return len(x) == len(y) and all(_same(i, j) for i, j in zip(x, y))
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    if isinstance(x, float) and x != x and y != y:
        return True
    return bool(x == y)


# -- HPMAN_RECORD ------------------------------------------------------------------------------
ENVIRONMENT_VARIABLE = "HPMAN_RECORD"


def record_at_exit(managers: Dict[str, Any], directory: str) -> str:
    """Write a run record into `directory` when the interpreter exits (how `HPMAN_RECORD=DIR`
    works for programs that do not use hpargparse): of the manager `_` in `managers` (the
    namespace of hpman.m), else of the first one made. Returns the start time it will record."""
    import atexit
    started = now()

    def write() -> None:
        from .manager import HyperParameterManager
        made = [m for m in managers.values() if isinstance(m, HyperParameterManager)]
        chosen = managers.get("_") if isinstance(managers.get("_"), HyperParameterManager) else None
        if chosen is None and made:
            chosen = made[0]
        if chosen is None:
            return
        from .values_io import ValuesFileError
        try:
            write_record(chosen, directory, started=started)
        except (RecordError, ValuesFileError) as exc:
            sys.stderr.write("hpman: cannot write the run record ({}={}): {}\n".format(
                ENVIRONMENT_VARIABLE, directory, exc))

    atexit.register(write)
    return started


# -- the editor's overlay ----------------------------------------------------------------------
def values_path_for(path: str) -> str:
    """The values file to overlay for `path`: a run record (its directory or record.json)
    means its values.yaml; anything else is itself. Never raises (the overlay reports
    problems of the values file it then fails to read)."""
    try:
        paths = record_paths(path)
    except (RecordError, OSError):
        return os.path.join(path, VALUES_FILE) if os.path.isdir(path) else path
    return paths[1] if paths is not None else path


def record_beside(values_path: str) -> Optional[Dict[str, Any]]:
    """The record.json data of the run record whose values file is `values_path`, or None
    (no record there, or not one that names this file)."""
    record = os.path.join(os.path.dirname(values_path), RECORD_FILE)
    if not os.path.isfile(record):
        return None
    try:
        data = _read_record_json(record)
    except RecordError:
        return None
    if os.path.basename(values_path) != str(data.get("values_file") or VALUES_FILE):
        return None
    data["directory"] = os.path.dirname(values_path)
    return data


# -- hpman sweep ---------------------------------------------------------------------------------
def sweep_trial_dir(root: str, study: str, trial: int) -> str:
    """Where a sweep trial's run record goes: <project>/.hpman/sweep-runs/<study>/trial-<n>."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(study)).lstrip(".") or "study"
    return os.path.join(root, ".hpman", "sweep-runs", safe, "trial-{}".format(trial))


class SweepTrialRecords:
    """A hook of `hpman sweep` (hpman.sweep.worker.trial_hooks): each trial's program writes
    its run record (through HPMAN_RECORD, so the trial's values say "sweep trial N of
    STUDY"), and when the trial ends the record gets the outcome under "sweep"."""

    def trial_started(self, ctx: Any) -> None:
        ctx.env[ENVIRONMENT_VARIABLE] = sweep_trial_dir(ctx.plan.root, ctx.study, ctx.number)

    def trial_finished(self, ctx: Any, frozen: Any) -> None:
        path = os.path.join(sweep_trial_dir(ctx.plan.root, ctx.study, ctx.number), RECORD_FILE)
        if not os.path.isfile(path):
            return   # the program ended before hpman wrote its record (it failed early)
        from .values_io import ValuesFileError, write_atomic
        try:
            data = _read_record_json(path)
            data["sweep"] = {"study": ctx.study, "trial": ctx.number, "state": frozen.state.name.lower(),
                             "value": frozen.value, "log": ctx.log_path}
            write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False, default=repr) + "\n").encode("utf-8"))
        except (RecordError, ValuesFileError) as exc:
            sys.stderr.write("hpman sweep: warning: cannot complete the run record of trial {}: {}\n".format(
                ctx.number, exc))
