"""Log a manager's hyperparameters to MLflow, within MLflow's limits.

    import hpman.mlflow
    hpman.mlflow.log_params(_)        # the active run, or a new one

Every value becomes a param under its dotted name and its origin (`command line --lr`,
`default at train.py:3`, ...) a tag `hpman.origin.<name>`. MLflow refuses a key over 250
characters or with characters other than letters, digits, `_ - . / ` and space, a value
over 6,000 characters, more than 100 params or tags per request, and a param logged twice
with another value. So: such a key is shortened and made unique with a hash of the name;
a long value is truncated with a marker; the full names and values of those entries go
to the artifact `hpman/params.json`; requests carry at most 100 params and 100 tags; and
params the run already has with the same value are not sent again (another value is an
error before anything is sent). The run record itself goes to `hpman/record/`.

MLflow is an optional extra (`pip install 'hpman[mlflow]'`) imported only here, when
called. Without a tracking URI MLflow uses its default local store (`mlflow.db` in the
working directory for MLflow 3), no server needed.
"""
import hashlib
import json
import os
import posixpath
import re
import sys
import tempfile
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

from . import records

if TYPE_CHECKING:   # MLflow is imported when called (see _require_mlflow); the sweep is not imported at all
    from mlflow import MlflowClient
    from mlflow.entities import Param, RunTag
    from optuna.trial import FrozenTrial

    from .hpm_db import HyperParameterOccurrence
    from .sweep.worker import TrialContext

MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_PER_REQUEST = 100
ARTIFACT = "hpman/params.json"
RECORD_ARTIFACTS = "hpman/record"
ORIGIN_TAG = "hpman.origin."
MARKER = " ...[truncated: the full value is in the artifact {}]".format(ARTIFACT)
PARENT_TAG = "mlflow.parentRunId"   # MLflow's own tag for nested runs

_KEY_CHARS = re.compile(r"^[/\w.\- ]*$")
_BAD_CHAR = re.compile(r"[^\w.\- ]")


class MlflowLoggingError(ValueError):
    """Params that MLflow would refuse (a value differing from the one the run has)."""


def _require_mlflow() -> None:
    """A clear ImportError, before anything is done, when the optional extra is missing."""
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise ImportError("hpman.mlflow needs MLflow: pip install 'hpman[mlflow]'") from None


def _client(client: Optional["MlflowClient"]) -> "MlflowClient":
    """`client`, else a new MlflowClient (MLflow's tracking URI and environment)."""
    _require_mlflow()
    from mlflow import MlflowClient
    return client or MlflowClient()


def _valid_key(key: str) -> bool:
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY_CHARS.match(key):
        return False
    norm = posixpath.normpath(key)
    return norm == key and norm != "." and not norm.startswith("..") and not norm.startswith("/")


def mlflow_key(name: str, prefix: str = "") -> str:
    """`prefix + name` when MLflow accepts it as a key; else a readable, unique stand-in:
    the name with refused characters as `_`, cut to fit, plus 12 hex digits of its hash."""
    key = prefix + name
    if _valid_key(key):
        return key
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    clean = _BAD_CHAR.sub("_", key)[:MAX_KEY_LENGTH - len(digest) - 1] + "-" + digest
    return clean if _valid_key(clean) else "_" + clean[1:]


def value_text(value: Any) -> str:
    """A value as MLflow shows it: a string as it is, anything else as its Python literal."""
    return value if isinstance(value, str) else repr(value)


def _fit(text: str, limit: int, marker: str = MARKER) -> str:
    return text if len(text) <= limit else text[:limit - len(marker)] + marker


class Entry:
    """One hyperparameter as logged: its key, the full and the logged text, its origin tag."""

    __slots__ = ("name", "key", "full", "logged", "tag_key", "tag")

    def __init__(self, name: str, value: Any, origin: Optional[records.Origin]) -> None:
        self.name = name
        self.key = mlflow_key(name)
        self.full = value_text(value)
        self.logged = _fit(self.full, MAX_PARAM_VALUE_LENGTH)
        self.tag_key = mlflow_key(name, ORIGIN_TAG)
        self.tag = _fit(records.describe(origin), MAX_TAG_VALUE_LENGTH, "...")

    @property
    def adjusted(self) -> bool:
        """Whether MLflow shows something other than the name and the value in full."""
        return self.key != self.name or self.logged != self.full


def plan(manager: records.RecordSource) -> List[Entry]:
    """What `log_params` logs for `manager`, one Entry per value, in the manager's order."""
    return _entries(manager.get_values(), records.origins_of(manager))


def _entries(values: Dict[str, Any], origins: Dict[str, records.Origin]) -> List[Entry]:
    entries = [Entry(name, value, origins.get(name)) for name, value in values.items()]
    seen: Dict[str, str] = {}
    for e in entries:
        for key in (e.key, e.tag_key):
            if key in seen and seen[key] != e.name:   # a hash collision: never log one over the other
                raise MlflowLoggingError("hyperparameters `{}` and `{}` would both be the MLflow key `{}`".format(
                    seen[key], e.name, key))
            seen[key] = e.name
    return entries


def _run_tags(data: Dict[str, Any]) -> Dict[str, str]:
    """Tags of the run from a record's data: start, command line, git commit and dirty flag."""
    tags = {"hpman.started": str(data.get("started")), "hpman.command": str(data.get("command"))}
    git = data.get("git")
    if isinstance(git, dict) and git.get("commit"):
        tags["hpman.git.commit"] = str(git["commit"])
        tags["hpman.git.dirty"] = str(bool(git.get("dirty"))).lower()
    return {k: _fit(v, MAX_TAG_VALUE_LENGTH, "...") for k, v in tags.items()}


def _run_id(run_id: Optional[str]) -> str:
    if run_id is not None:
        return run_id
    import mlflow
    run = mlflow.active_run() or mlflow.start_run()
    found: str = run.info.run_id   # (MLflow's RunInfo does not type its fields)
    return found


def log_params(manager: records.RecordSource, run_id: Optional[str] = None,
               client: Optional["MlflowClient"] = None, *, record: bool = True) -> Dict[str, str]:
    """Log every value of `manager` as a param of the run `run_id` (default: the active run,
    started if there is none), origins as tags; returns `{MLflow key: hyperparameter name}`.

    Calling it again on the same run sends only what is new; a value that changed since is
    an MlflowLoggingError naming it, raised before anything is sent. `record=False` skips
    the run-record artifacts."""
    _require_mlflow()
    run_id = _run_id(run_id)
    entries = plan(manager)
    with tempfile.TemporaryDirectory(prefix="hpman-record-") as tmp:
        if record:
            records.write_record(manager, tmp)
            data = records.load(tmp).run or {}
        else:
            data = records.build_record(manager)[1]
        return _log(_client(client), run_id, entries, data, tmp if record else None)


def log_record(path: str, run_id: Optional[str] = None, client: Optional["MlflowClient"] = None) -> Dict[str, str]:
    """`log_params` from a run record (its directory or record.json) instead of a live manager:
    what a sweep logs for each trial, whose program wrote the record."""
    _require_mlflow()
    loaded = records.load(path)
    if loaded.run is None:
        raise records.RecordError("`{}` is not a run record".format(path))
    entries = _entries(loaded.values, loaded.origins)
    paths = records.record_paths(path)
    if paths is None:   # (its record.json removed since it was read)
        raise records.RecordError("`{}` is not a run record".format(path))
    directory = os.path.dirname(paths[0])
    return _log(_client(client), _run_id(run_id), entries, loaded.run, directory)


def _log(client: "MlflowClient", run_id: str, entries: List[Entry], data: Dict[str, Any],
         record_dir: Optional[str]) -> Dict[str, str]:
    from mlflow.entities import Param, RunTag
    have = client.get_run(run_id).data.params
    for e in entries:
        if e.key in have and have[e.key] != e.logged:
            raise MlflowLoggingError("`{}` was logged to run {} as {!r}; MLflow keeps a param's first value, so "
                                     "{!r} cannot be logged (start another run)".format(
                                         e.name, run_id, _fit(have[e.key], 80, "..."), _fit(e.logged, 80, "...")))
    params = [Param(e.key, e.logged) for e in entries if e.key not in have]
    tags = [RunTag(e.tag_key, e.tag) for e in entries] + [RunTag(k, v) for k, v in _run_tags(data).items()]
    for chunk_params, chunk_tags in _requests(params, tags):
        client.log_batch(run_id, params=chunk_params, tags=chunk_tags)
    adjusted = {e.key: {"name": e.name, "value": e.full} for e in entries if e.adjusted}
    if adjusted:
        client.log_dict(run_id, adjusted, ARTIFACT)
    if record_dir is not None:
        client.log_artifacts(run_id, record_dir, RECORD_ARTIFACTS)
    return {e.key: e.name for e in entries}


def _requests(params: List["Param"], tags: List["RunTag"]) -> List[Tuple[List["Param"], List["RunTag"]]]:
    """(params, tags) per `log_batch` request: at most MAX_PER_REQUEST of each."""
    count = max(len(params), len(tags))
    return [(params[i:i + MAX_PER_REQUEST], tags[i:i + MAX_PER_REQUEST])
            for i in range(0, count, MAX_PER_REQUEST)]


def read_params(run_id: str, client: Optional["MlflowClient"] = None) -> Dict[str, str]:
    """`{hyperparameter name: full value text}` of a run logged by `log_params`: the params,
    with the shortened keys and truncated values put back from `hpman/params.json`."""
    client = _client(client)
    run = client.get_run(run_id)
    params = dict(run.data.params)
    adjusted = {}
    names = {a.path for a in client.list_artifacts(run_id, "hpman")}
    if ARTIFACT in names:
        with tempfile.TemporaryDirectory(prefix="hpman-params-") as tmp:
            path = client.download_artifacts(run_id, ARTIFACT, tmp)
            with open(path, encoding="utf-8") as f:
                adjusted = json.load(f)
    out = {}
    for key, text in params.items():
        if key in adjusted:
            out[adjusted[key]["name"]] = adjusted[key]["value"]
        else:
            out[key] = text
    return out


# -- sweeps: one parent run, one nested run per trial -----------------------------------------
def _experiment_id(client: "MlflowClient", experiment: Optional[str]) -> str:
    name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME")
    if not name:
        return os.environ.get("MLFLOW_EXPERIMENT_ID") or "0"   # MLflow's "Default" experiment
    found = client.get_experiment_by_name(name)
    return found.experiment_id if found is not None else client.create_experiment(name)


def start_parent(run_name: str, experiment: Optional[str] = None, client: Optional["MlflowClient"] = None,
                 tags: Optional[Dict[str, str]] = None) -> str:
    """Create the parent run of a sweep; returns its run id (end it with `end_run`)."""
    client = _client(client)
    run = client.create_run(_experiment_id(client, experiment), run_name=run_name, tags=dict(tags or {}))
    run_id: str = run.info.run_id
    return run_id


def log_trial(source: Union[str, "os.PathLike[str]", records.RecordSource], parent_run_id: str, trial: int,
              metrics: Optional[Dict[str, float]] = None, client: Optional["MlflowClient"] = None,
              status: str = "FINISHED") -> str:
    """One nested run under `parent_run_id` for a sweep trial: the params of `source` (a
    manager, as `log_params`, or a run record's path, as `log_record`), `metrics`, ended with
    `status`. Returns the trial's run id."""
    client = _client(client)
    parent = client.get_run(parent_run_id)
    run = client.create_run(parent.info.experiment_id, run_name="trial {}".format(trial),
                            tags={PARENT_TAG: parent_run_id, "hpman.trial": str(trial)})
    run_id: str = run.info.run_id
    try:
        if isinstance(source, (str, os.PathLike)):
            log_record(os.fspath(source), run_id, client)
        else:
            log_params(source, run_id, client)
        for key, value in (metrics or {}).items():
            client.log_metric(run_id, mlflow_key(key), float(value))
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, status)
    return run_id


class SweepRuns:
    """The hook behind `hpman sweep --mlflow` (hpman.sweep.worker.trial_hooks): one parent
    run for the study (found again by its tags, so every worker and every rerun of the study
    adds to the same one) and, as each trial ends, one nested run from the trial's run record
    (see records.SweepTrialRecords) with the objective as the metric `objective`."""

    _STATUS = {"complete": "FINISHED", "pruned": "KILLED"}

    def __init__(self, study: str, experiment: Optional[str] = None, client: Optional["MlflowClient"] = None) -> None:
        self.study = study
        self.experiment = experiment
        self.client = client
        self.parent: Optional[str] = None

    def start(self) -> str:
        client = self.client = _client(self.client)
        experiment_id = _experiment_id(client, self.experiment)
        if "'" not in self.study:
            found = client.search_runs([experiment_id], "tags.`hpman.sweep` = '{}'".format(self.study),
                                       max_results=1)
            if found:
                self.parent = found[0].info.run_id
                return self.parent
        self.parent = client.create_run(experiment_id, run_name=self.study,
                                        tags={"hpman.sweep": self.study}).info.run_id
        return self.parent

    def trial_finished(self, ctx: "TrialContext", frozen: "FrozenTrial") -> None:
        if self.parent is None:
            self.parent = self.start()
        state = frozen.state.name.lower()
        metrics = {"objective": frozen.value} if frozen.value is not None else {}
        directory = records.sweep_trial_dir(ctx.plan.root, ctx.study, ctx.number)
        source: Union[str, records.RecordSource] = directory
        if not os.path.isfile(os.path.join(directory, records.RECORD_FILE)):
            source = _TrialValues(ctx)   # no record (the program failed early): the values the trial chose
        try:
            log_trial(source, self.parent, ctx.number, metrics, self.client, self._STATUS.get(state, "FAILED"))
        except Exception as exc:   # MLflow trouble must not stop the sweep: its results are in the study
            sys.stderr.write("hpman sweep: warning: MLflow logging of trial {} failed: {}\n".format(
                ctx.number, " ".join(str(exc).split())[:300]))

    def end(self, exit_code: int = 0) -> None:
        if self.parent is not None:
            end_run(self.parent, "FINISHED" if exit_code == 0 else "FAILED", self.client)


class _TrialValues:
    """A stand-in manager for a trial without a run record: its chosen values, as sweep-trial origins."""

    def __init__(self, ctx: "TrialContext") -> None:
        self._values = dict(ctx.values)
        self._origin = records.sweep_trial_origin(ctx.study, ctx.number)

    def get_values(self) -> Dict[str, Any]:
        return dict(self._values)

    def setter_origin(self, name: str) -> Optional[records.Origin]:
        return dict(self._origin) if name in self._values else None

    @property
    def db(self) -> Sequence["HyperParameterOccurrence"]:
        return []


def end_run(run_id: str, status: str = "FINISHED", client: Optional["MlflowClient"] = None) -> None:
    """End a run made by `start_parent` (status FINISHED, FAILED or KILLED)."""
    _client(client).set_terminated(run_id, status)
