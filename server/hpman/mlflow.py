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
import tempfile
from typing import Any, Dict, List, Optional, Tuple

from . import records

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


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError:
        raise ImportError("hpman.mlflow needs MLflow: pip install 'hpman[mlflow]'") from None
    return mlflow


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


def plan(manager: Any) -> List[Entry]:
    """What `log_params` logs for `manager`, one Entry per value, in the manager's order."""
    origins = records.origins_of(manager)
    entries = [Entry(name, value, origins.get(name)) for name, value in manager.get_values().items()]
    seen: Dict[str, str] = {}
    for e in entries:
        for key in (e.key, e.tag_key):
            if key in seen and seen[key] != e.name:   # a hash collision: never log one over the other
                raise MlflowLoggingError("hyperparameters `{}` and `{}` would both be the MLflow key `{}`".format(
                    seen[key], e.name, key))
            seen[key] = e.name
    return entries


def _run_tags(manager: Any) -> Dict[str, str]:
    _values, data = records.build_record(manager)
    tags = {"hpman.started": data["started"], "hpman.command": data["command"]}
    if data.get("git"):
        tags["hpman.git.commit"] = data["git"]["commit"]
        tags["hpman.git.dirty"] = str(data["git"]["dirty"]).lower()
    return {k: _fit(v, MAX_TAG_VALUE_LENGTH, "...") for k, v in tags.items()}


def log_params(manager: Any, run_id: Optional[str] = None, client: Any = None, *,
               record: bool = True) -> Dict[str, str]:
    """Log every value of `manager` as a param of the run `run_id` (default: the active run,
    started if there is none), origins as tags; returns `{MLflow key: hyperparameter name}`.

    Calling it again on the same run sends only what is new; a value that changed since is
    an MlflowLoggingError naming it, raised before anything is sent. `record=False` skips
    the run-record artifacts."""
    mlflow = _mlflow()
    from mlflow.entities import Param, RunTag
    if run_id is None:
        run = mlflow.active_run() or mlflow.start_run()
        run_id = run.info.run_id
    client = client or mlflow.MlflowClient()
    entries = plan(manager)
    have = client.get_run(run_id).data.params
    for e in entries:
        if e.key in have and have[e.key] != e.logged:
            raise MlflowLoggingError("`{}` was logged to run {} as {!r}; MLflow keeps a param's first value, so "
                                     "{!r} cannot be logged (start another run)".format(
                                         e.name, run_id, _fit(have[e.key], 80, "..."), _fit(e.logged, 80, "...")))
    params = [Param(e.key, e.logged) for e in entries if e.key not in have]
    tags = [RunTag(e.tag_key, e.tag) for e in entries] + [RunTag(k, v) for k, v in _run_tags(manager).items()]
    for chunk_params, chunk_tags in _requests(params, tags):
        client.log_batch(run_id, params=chunk_params, tags=chunk_tags)
    adjusted = {e.key: {"name": e.name, "value": e.full} for e in entries if e.adjusted}
    if adjusted:
        client.log_dict(run_id, adjusted, ARTIFACT)
    if record:
        with tempfile.TemporaryDirectory(prefix="hpman-record-") as tmp:
            records.write_record(manager, tmp)
            client.log_artifacts(run_id, tmp, RECORD_ARTIFACTS)
    return {e.key: e.name for e in entries}


def _requests(params: List[Any], tags: List[Any]) -> List[Tuple[List[Any], List[Any]]]:
    """(params, tags) per `log_batch` request: at most MAX_PER_REQUEST of each."""
    count = max(len(params), len(tags))
    return [(params[i:i + MAX_PER_REQUEST], tags[i:i + MAX_PER_REQUEST])
            for i in range(0, count, MAX_PER_REQUEST)]


def read_params(run_id: str, client: Any = None) -> Dict[str, str]:
    """`{hyperparameter name: full value text}` of a run logged by `log_params`: the params,
    with the shortened keys and truncated values put back from `hpman/params.json`."""
    mlflow = _mlflow()
    client = client or mlflow.MlflowClient()
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
def _experiment_id(client: Any, experiment: Optional[str]) -> str:
    name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME")
    if not name:
        return os.environ.get("MLFLOW_EXPERIMENT_ID") or "0"   # MLflow's "Default" experiment
    found = client.get_experiment_by_name(name)
    return found.experiment_id if found is not None else client.create_experiment(name)


def start_parent(run_name: str, experiment: Optional[str] = None, client: Any = None,
                 tags: Optional[Dict[str, str]] = None) -> str:
    """Create the parent run of a sweep; returns its run id (end it with `end_run`)."""
    mlflow = _mlflow()
    client = client or mlflow.MlflowClient()
    run = client.create_run(_experiment_id(client, experiment), run_name=run_name, tags=dict(tags or {}))
    return run.info.run_id


def log_trial(manager: Any, parent_run_id: str, trial: int, metrics: Optional[Dict[str, float]] = None,
              client: Any = None, status: str = "FINISHED") -> str:
    """One nested run under `parent_run_id` for a sweep trial: the manager's params (as
    `log_params`), `metrics`, ended with `status`. Returns the trial's run id."""
    mlflow = _mlflow()
    client = client or mlflow.MlflowClient()
    parent = client.get_run(parent_run_id)
    run = client.create_run(parent.info.experiment_id, run_name="trial {}".format(trial),
                            tags={PARENT_TAG: parent_run_id, "hpman.trial": str(trial)})
    run_id = run.info.run_id
    try:
        log_params(manager, run_id, client)
        for key, value in (metrics or {}).items():
            client.log_metric(run_id, mlflow_key(key), float(value))
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, status)
    return run_id


def end_run(run_id: str, status: str = "FINISHED", client: Any = None) -> None:
    """End a run made by `start_parent` (status FINISHED, FAILED or KILLED)."""
    (client or _mlflow().MlflowClient()).set_terminated(run_id, status)
