"""The runtime's side of a sweep trial: values in, metric out.

`hpman sweep` runs the user's program once per trial with two environment variables:

* `HPMAN_VALUES` names a values file (YAML, as `--hp-save` writes). The first time a
  manager parses source (`parse_file` / `parse_source`), the file's values are set on it
  with the setter's priority: they beat the defaults in code and the values given to
  `_()` at runtime, and lose to whatever the program sets afterwards (`set_value`,
  hpargparse's `--hp-load` and command-line options). The variable works outside sweeps
  too: `HPMAN_VALUES=best.yaml python train.py`. `HPMAN_VALUES_MANAGER` names the manager
  it applies to (default `_`).
* `HPMAN_REPORT_FD` is a pipe to the sweep worker; `report()` writes one line to it.

Without these variables nothing here does anything, so a program runs the same in and
out of a sweep. This module imports nothing heavy: it is loaded by every `parse_file`.
"""
import json
import math
import os
import sys
from typing import Any, Callable, Dict, List, Optional

ENV_VALUES = "HPMAN_VALUES"
ENV_VALUES_MANAGER = "HPMAN_VALUES_MANAGER"
ENV_REPORT_FD = "HPMAN_REPORT_FD"

#: Called with (value, step) on every `report()`, in or out of a sweep (the hook for run records).
report_listeners: List[Callable[[float, Optional[int]], None]] = []


class ValuesFileError(ValueError):
    """The file named by HPMAN_VALUES cannot be applied (one line naming the file)."""


def report(value: Any, step: Optional[int] = None) -> None:
    """Report the trial's metric: `step=None` for the final value, an int step for an
    intermediate one (the sweep's pruner may then stop the program).

    A program that reports only intermediate values is judged by the last of them.
    Outside a sweep this only calls `report_listeners`.
    """
    number = float(value)
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, int) and not hasattr(step, "__index__"):
            raise TypeError("report(): step must be an int or None, not {!r}".format(step))
        step = int(step)
    for listener in list(report_listeners):
        listener(number, step)
    fd = os.environ.get(ENV_REPORT_FD)
    if not fd:
        return
    line = json.dumps({"value": number if math.isfinite(number) else repr(number), "step": step}) + "\n"
    try:
        os.write(int(fd), line.encode("ascii"))
    except (BrokenPipeError, ValueError):
        # the worker that started this trial is gone: nobody will read the result
        sys.stderr.write("hpman: the sweep that started this program has stopped; exiting\n")
        sys.stderr.flush()
        os._exit(3)
    except OSError:
        return


def apply_env_values(manager: Any) -> None:
    """Set the values of the file named by HPMAN_VALUES on `manager`, once per manager.

    In a sweep trial (HPMAN_TRIAL and HPMAN_STUDY set) the values are marked as the trial's,
    so that a run record says where they came from."""
    path = os.environ.get(ENV_VALUES)
    if not path or getattr(manager, "_env_values_applied", False):
        return
    if manager.placeholder != (os.environ.get(ENV_VALUES_MANAGER) or "_"):
        return
    manager._env_values_applied = True
    values = read_values(path, manager)
    trial, study = os.environ.get("HPMAN_TRIAL"), os.environ.get("HPMAN_STUDY")
    origins = None
    if trial is not None and trial.isdigit():
        from .records import sweep_trial_origin
        origins = {name: sweep_trial_origin(study, int(trial)) for name in values}
    manager.set_values(values, origins)


def read_values(path: str, manager: Any = None) -> Dict[str, Any]:
    """{dotted name: value} of a values file (nested or flat keys; YAML, JSON or pickle as
    `--hp-save` writes them), read bounded and safely. A name the manager knows takes its
    value whole (a dict value is not a subtree of names)."""
    from .values import ValuesError, load
    from .values.yamlfmt import DICT_ANNOTATION
    try:
        data = load(path)
    except ValuesError as exc:
        raise ValuesFileError("{}={}: {}".format(ENV_VALUES, path, exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValuesFileError("{}={}: a values file maps names to values, not a {}".format(
            ENV_VALUES, path, type(data).__name__))
    known = set(manager.get_values()) if manager is not None else set()
    sep = getattr(manager, "separator", ".")
    out: Dict[str, Any] = {}
    stack = [(data, "")]
    while stack:
        mapping, prefix = stack.pop()
        for key, value in mapping.items():
            name = prefix + sep + str(key) if prefix else str(key)
            if isinstance(value, dict) and value.get(DICT_ANNOTATION) is True:
                out[name] = {k: v for k, v in value.items() if k != DICT_ANNOTATION}
            elif isinstance(value, dict) and name not in known:
                stack.append((value, name))
            else:
                out[name] = value
    return out
