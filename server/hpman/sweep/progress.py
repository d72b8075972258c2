"""What a worker prints: on a terminal a status line kept at the bottom (trial n of N,
best so far) under one line per finished trial; when piped, only the plain lines."""
import sys
import time
from typing import Any, Dict, Optional, TextIO


def short(value: Any) -> str:
    if isinstance(value, float):
        return "{:.6g}".format(value)
    return repr(value)


def values_text(values: Dict[str, Any], limit: int = 80) -> str:
    text = " ".join("{}={}".format(k, short(v)) for k, v in sorted(values.items()))
    return text if len(text) <= limit else text[:limit - 1] + "…"


_COLORS = {"best": "32", "pruned": "33", "fail": "31"}


class Progress:
    def __init__(self, stream: Optional[TextIO] = None, tty: Optional[bool] = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total = 0
        self.study = ""
        self.best: Optional[Any] = None
        self.current: Optional[str] = None
        self.started = time.monotonic()
        self.status_shown = False

    # -- output -----------------------------------------------------------------
    def _line(self, text: str, color: str = "") -> None:
        if self.tty and self.status_shown:
            self.stream.write("\r\x1b[K")
        if self.tty and color:
            text = "\x1b[{}m{}\x1b[0m".format(_COLORS[color], text)
        self.stream.write(text + "\n")
        self.status_shown = False
        self._status()

    def _status(self) -> None:
        if not self.tty or self.current is None:
            self.stream.flush()
            return
        elapsed = int(time.monotonic() - self.started)
        best = "no best yet"
        if self.best is not None:
            best = "best {} (#{})".format(short(self.best.value), self.best.number)
        text = "\x1b[1;36m{} · {} · {} · {}:{:02d}\x1b[0m".format(self.current, self.study, best, elapsed // 60,
                                                              elapsed % 60)
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self.status_shown = True

    # -- events -----------------------------------------------------------------
    def start(self, plan: Any, done: int) -> None:
        self.total, self.study = plan.trials, plan.study
        dims = ", ".join(d.name for d in plan.space)
        self._line("sweep `{}`: {} trials ({} done), searching {}".format(plan.study, plan.trials, done, dims))

    def trial_started(self, number: int, values: Dict[str, Any], done: int) -> None:
        self.current = "trial {} of {} (#{})".format(min(done + 1, self.total), self.total, number)
        self._status()

    def trial_finished(self, trial: Any, done: int, best: Optional[Any]) -> None:
        from .worker import decoded_values, result_of
        self.best = best
        self.current = "{} of {} done".format(done, self.total)
        state = trial.state.name.lower()
        color = ""
        if state == "complete":
            outcome = "value {}".format(short(trial.value))
            if best is not None and best.number == trial.number:
                outcome += "  (best)"
                color = "best"
        elif state == "fail":
            outcome = "failed: {}".format(result_of(trial).get("failure", "worker lost"))
            color = "fail"
        else:
            last = max(trial.intermediate_values) if trial.intermediate_values else None
            outcome = "pruned at step {}".format(last) if last is not None else state
            color = "pruned"
        self._line("[{}/{}] #{:<3} {}  {}".format(done, self.total, trial.number, outcome,
                                                  values_text(decoded_values(trial))), color)

    def waiting(self) -> None:
        self.current = "waiting for other workers' trials"
        self._status()

    def interrupted(self) -> None:
        self.current = None
        self._line("interrupted: the running trial was stopped (it does not count); run the same command to go on")

    def finish(self, study: Any) -> None:
        from .worker import best_trial, decoded_values
        self.current = None
        best = best_trial(study)
        if best is None:
            self._line("done: no trial completed")
        else:
            self._line("done: best #{} value {}  {}".format(best.number, short(best.value),
                                                           values_text(decoded_values(best), 200)))
