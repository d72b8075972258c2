"""Where a sweep's study lives: an Optuna RDB storage, by default SQLite under `.hpman/`.

Optuna is imported only here and in worker.py, only by `hpman sweep`, so the rest of
hpman never pays for it (and works without the `sweep` extra installed).
"""
import os
import random
import time
import warnings
from typing import Any, Dict, List, Optional

DEFAULT_DB = os.path.join(".hpman", "sweeps.db")
MAX_RETRY = 3


class SweepError(Exception):
    """A sweep that cannot start or a study that cannot be read (one line, exit status 2)."""


def import_optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise SweepError("sweeps need Optuna: pip install 'hpman[sweep]' "
                         "(from a clone: pip install '.[sweep]')") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # heartbeats and ask/tell are experimental in Optuna; their warnings are noise for our users
    warnings.filterwarnings("ignore", module=r"optuna(\.|$)")
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message=r"Heartbeat of storage")
    return optuna


def project_root(paths: List[str]) -> str:
    """The folder a sweep belongs to: the first PATH (its folder when it is a file), else `.`."""
    first = paths[0] if paths else "."
    first = os.path.abspath(first)
    return first if os.path.isdir(first) else os.path.dirname(first)


def default_url(root: str) -> str:
    return "sqlite:///" + os.path.join(root, DEFAULT_DB)


def default_study(root: str) -> str:
    return os.path.basename(root.rstrip(os.sep)) or "sweep"


def normalize_url(url: str) -> str:
    """`postgresql://…` through psycopg 3 when psycopg2 (SQLAlchemy's default driver) is missing."""
    if url.startswith(("postgresql://", "postgres://")):
        import importlib.util
        if importlib.util.find_spec("psycopg2") is None:
            return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def open_storage(url: str, heartbeat: Optional[int] = None) -> Any:
    """An RDBStorage; with `heartbeat` seconds, a trial whose worker stops beating for three
    heartbeats is failed and queued again (up to MAX_RETRY times)."""
    optuna = import_optuna()
    url = normalize_url(url)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    kwargs: Dict[str, Any] = {}
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        kwargs["engine_kwargs"] = {"creator": _sqlite_connector(url[len("sqlite:///"):])}
    if heartbeat is not None:
        kwargs.update(heartbeat_interval=heartbeat, grace_period=3 * heartbeat)
        try:   # Optuna >= 4.9; before, the same callback was RetryFailedTrialCallback
            from optuna.storages import RetryHeartbeatStaleTrialCallback
            kwargs["heartbeat_stale_trial_callback"] = RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)
        except ImportError:
            from optuna.storages import RetryFailedTrialCallback
            kwargs["failed_trial_callback"] = RetryFailedTrialCallback(max_retry=MAX_RETRY)
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return optuna.storages.RDBStorage(url, **kwargs)
        except ImportError as exc:
            raise SweepError("cannot open the storage {}: a driver is missing ({})".format(
                _shown(url), exc)) from None
        except Exception as exc:  # SQLAlchemy's errors: a bad URL, a server that refuses, …
            if attempt + 1 < _OPEN_ATTEMPTS and any(m in str(exc) for m in _RACES):
                # workers started together on a fresh database all create its tables at once
                time.sleep(0.2 + random.random())
                continue
            raise SweepError("cannot open the storage {}: {}".format(_shown(url), _first_line(exc))) from None
    raise AssertionError("unreachable")


_OPEN_ATTEMPTS = 6
_RACES = ("duplicate key", "already exists", "UniqueViolation", "UNIQUE constraint failed", "database is locked",
          "deadlock")


def _sqlite_connector(path: str) -> Any:
    """Connections in WAL mode: workers on one machine read while one writes, and a commit
    does not wait for the disk twice (`synchronous=NORMAL` is still safe in WAL mode)."""
    import sqlite3

    def connect() -> Any:
        conn = sqlite3.connect(path, timeout=60, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    return connect


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _shown(url: str) -> str:
    """The URL without its password."""
    head, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        rest = user + ":***@" + rest.split("@", 1)[1]
    return head + sep + rest


def find_study(storage: Any, wanted: Optional[str], default: str) -> str:
    """The study to show: `wanted`, else the default name, else the only study there is."""
    optuna = import_optuna()
    names: List[str] = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
    if wanted is not None:
        if wanted not in names:
            raise SweepError("no study named `{}` in the storage (studies: {})".format(
                wanted, ", ".join(names) or "none"))
        return wanted
    if default in names:
        return default
    if len(names) == 1:
        return names[0]
    if not names:
        raise SweepError("no sweep has run here yet (no study in the storage)")
    raise SweepError("several studies in the storage ({}); choose one with --study".format(", ".join(names)))
