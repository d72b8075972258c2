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
from typing import Any, Callable, List, Optional

ENV_VALUES = "HPMAN_VALUES"
ENV_VALUES_MANAGER = "HPMAN_VALUES_MANAGER"
ENV_REPORT_FD = "HPMAN_REPORT_FD"
MAX_VALUES_BYTES = 16 * 1024 * 1024

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
    """Set the values of the file named by HPMAN_VALUES on `manager`, once per manager."""
    path = os.environ.get(ENV_VALUES)
    if not path or getattr(manager, "_env_values_applied", False):
        return
    if manager.placeholder != (os.environ.get(ENV_VALUES_MANAGER) or "_"):
        return
    manager._env_values_applied = True
    manager.set_values(read_values(path))


def read_values(path: str) -> dict:
    """{dotted name: value} of a YAML values file (nested or flat keys), read bounded and safely."""
    from .index.values import ValuesFile
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_VALUES_BYTES + 1)
    except OSError as exc:
        raise ValuesFileError("{}={}: cannot read: {}".format(ENV_VALUES, path, exc.strerror or exc)) from None
    if len(data) > MAX_VALUES_BYTES:
        raise ValuesFileError("{}={}: larger than {} MiB; not read".format(ENV_VALUES, path, MAX_VALUES_BYTES >> 20))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValuesFileError("{}={}: not UTF-8 ({})".format(ENV_VALUES, path, exc.reason)) from None
    parsed = ValuesFile.parse(path, text)
    if parsed.error is not None:
        message, rng = parsed.error
        raise ValuesFileError("{}:{}: {}".format(path, rng[0] + 1, message))
    return {entry.name: entry.value for entry in parsed.entries}
