"""Run one trial's command: its output to a capped log, its reports to the sweep, its end judged.

The program runs in its own session (process group), so that a pruned, timed-out or
interrupted trial is stopped with everything it started, and a terminal's Ctrl-C reaches
only the sweep, which then stops the program itself. On Linux the program is also killed
if the worker dies (PR_SET_PDEATHSIG), as when a machine goes down.

Memory stays bounded whatever the program prints: output goes to the log file up to
`LOG_CAP` bytes, and only the last `TAIL_BYTES` of stderr are kept for the trial's record.
"""
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..trial import ENV_REPORT_FD

LOG_CAP = 1024 * 1024
TAIL_BYTES = 2000
MAX_REPORT_LINE = 4096
STOP_GRACE = 5.0      # seconds between SIGTERM and SIGKILL
DRAIN_AFTER_EXIT = 0.5


class Outcome:
    """How a trial's program ended."""

    def __init__(self) -> None:
        self.exit_code: Optional[int] = None
        self.final: Optional[float] = None
        self.intermediate: List[Tuple[int, float]] = []
        self.stopped: Optional[str] = None   # "pruned", "timeout", "interrupted"
        self.stderr_tail = ""
        self.bad_reports = 0
        self.seconds = 0.0

    @property
    def value(self) -> Optional[float]:
        """The final report, else the last intermediate one."""
        if self.final is not None:
            return self.final
        return self.intermediate[-1][1] if self.intermediate else None

    def failure(self) -> Optional[str]:
        """Why the trial failed (one line), or None when it produced a value."""
        if self.stopped == "timeout":
            return "stopped after the time limit"
        if self.stopped == "interrupted":
            return "interrupted"
        if self.exit_code:
            how = ("killed by signal {}".format(-self.exit_code) if self.exit_code < 0
                   else "exited with code {}".format(self.exit_code))
            return how
        if self.value is None:
            return "exited with code 0 without calling hpman.report()"
        return None


class _Tail:
    """The last `size` bytes written."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data = bytearray()

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > 2 * self.size:
            del self.data[:-self.size]

    def text(self) -> str:
        data = bytes(self.data[-self.size:])
        text = data.decode("utf-8", "replace")
        return text if len(self.data) <= self.size else "…" + text


class _Log:
    """The trial's output on disk, cut at `LOG_CAP` bytes."""

    def __init__(self, path: Optional[str]) -> None:
        self.file = open(path, "wb") if path else None
        self.written = 0

    def add(self, chunk: bytes) -> None:
        if self.file is None:
            return
        room = LOG_CAP - self.written
        if room > 0:
            self.file.write(chunk[:room])
            self.written += min(room, len(chunk))
            if len(chunk) >= room:
                self.file.write(b"\n[hpman: log cut at %d bytes]\n" % LOG_CAP)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class CtrlC:
    """Ctrl-C as a count the loops read, not an exception raised wherever the worker happens to
    be: a KeyboardInterrupt landing between starting the program and watching it, or in the
    middle of a storage write, could leave the program running or the sweep stuck. The signal
    also wakes the watch loop through a pipe (signal.set_wakeup_fd), so it is seen at once.
    Outside the main thread signals cannot be caught there; Python's own KeyboardInterrupt
    then still applies. A sweep started with SIGINT ignored (nohup, a background job of a
    script) keeps ignoring it, as any program would."""

    def __init__(self) -> None:
        self.count = 0
        self.fd = -1
        self._write_fd = -1
        self._old_handler: object = None
        self._old_wakeup = -1

    def __enter__(self) -> "CtrlC":
        if threading.current_thread() is not threading.main_thread():
            return self
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            return self     # started with SIGINT ignored (nohup, a background job): keep it so
        self.fd, self._write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        os.set_blocking(self._write_fd, False)
        self._old_wakeup = signal.set_wakeup_fd(self._write_fd)
        self._old_handler = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        self.count += 1

    def __exit__(self, *exc: object) -> None:
        if self.fd < 0:
            return
        signal.signal(signal.SIGINT, self._old_handler)  # type: ignore[arg-type]
        signal.set_wakeup_fd(self._old_wakeup)
        os.close(self.fd)
        os.close(self._write_fd)
        self.fd = self._write_fd = -1

    def drain(self) -> None:
        try:
            while os.read(self.fd, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, less if Ctrl-C is pressed meanwhile."""
        if self.fd < 0:
            time.sleep(seconds)
            return
        sel = selectors.DefaultSelector()
        try:
            sel.register(self.fd, selectors.EVENT_READ)
            sel.select(timeout=seconds)
        finally:
            sel.close()
        self.drain()


def _die_with_parent() -> None:
    """In the child: be killed when the worker dies (Linux only; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run(command: Sequence[str], env: Dict[str, str], on_report: Callable[[float, Optional[int]], bool],
        heartbeat: Callable[[], None], interval: float, log_path: Optional[str] = None,
        timeout: Optional[float] = None, ctrl_c: Optional[CtrlC] = None) -> Outcome:
    """Run `command` once. `on_report(value, step)` returns True to stop the program (pruned);
    `heartbeat()` is called every `interval` seconds while it runs. Ctrl-C stops the program
    and raises KeyboardInterrupt once it is gone (the outcome is then `interrupted`)."""
    if ctrl_c is not None and ctrl_c.count:
        raise KeyboardInterrupt     # pressed before the program could start
    outcome = Outcome()
    read_fd, write_fd = os.pipe()
    env = dict(env, **{ENV_REPORT_FD: str(write_fd)})
    log = _Log(log_path)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, pass_fds=(write_fd,), start_new_session=True,
                                preexec_fn=_die_with_parent)
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        log.close()
        outcome.exit_code = 127
        outcome.stderr_tail = "cannot run {}: {}".format(command[0], exc.strerror or exc)
        return outcome
    os.close(write_fd)
    try:
        _watch(proc, read_fd, outcome, log, on_report, heartbeat, interval, timeout, start, ctrl_c)
    finally:
        os.close(read_fd)
        log.close()
        outcome.seconds = time.monotonic() - start
    if outcome.stopped == "interrupted":
        raise KeyboardInterrupt
    return outcome


def _watch(proc: "subprocess.Popen[bytes]", report_fd: int, outcome: Outcome, log: _Log,
           on_report: Callable[[float, Optional[int]], bool], heartbeat: Callable[[], None],
           interval: float, timeout: Optional[float], start: float, ctrl_c: Optional[CtrlC] = None) -> None:
    sel = selectors.DefaultSelector()
    tail = _Tail(TAIL_BYTES)
    assert proc.stdout is not None and proc.stderr is not None
    sel.register(proc.stdout.fileno(), selectors.EVENT_READ, "out")
    sel.register(proc.stderr.fileno(), selectors.EVENT_READ, "err")
    sel.register(report_fd, selectors.EVENT_READ, "report")
    if ctrl_c is not None and ctrl_c.fd >= 0:
        sel.register(ctrl_c.fd, selectors.EVENT_READ, "ctrl-c")
    presses = 0
    pending = bytearray()
    next_beat = time.monotonic() + interval
    exited_at: Optional[float] = None
    kill_at: Optional[float] = None
    def interrupt() -> Optional[float]:
        if outcome.stopped == "interrupted":   # a second Ctrl-C: no more grace
            _signal(proc, signal.SIGKILL)
        outcome.stopped = "interrupted"
        return _stop(proc)

    try:
        while True:
            if ctrl_c is not None and ctrl_c.count > presses:
                presses = ctrl_c.count
                kill_at = interrupt()
            if not _program_pipes(sel) and proc.poll() is not None:
                break   # a program may close its output and go on: it is done only when it exits
            now = time.monotonic()
            if now >= next_beat:
                heartbeat()
                next_beat = now + interval
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > DRAIN_AFTER_EXIT:
                break   # the program is gone; a child of it may still hold the pipes open
            if outcome.stopped is None and timeout is not None and now - start > timeout:
                outcome.stopped = "timeout"
                kill_at = _stop(proc)
            if kill_at is not None and now >= kill_at and proc.poll() is None:
                _signal(proc, signal.SIGKILL)
                kill_at = None
            wait = min(0.25, max(0.01, next_beat - now))
            try:
                if _program_pipes(sel):
                    events = sel.select(timeout=wait)
                else:   # every pipe is closed: wait for the exit itself, not for the next tick
                    events = []
                    try:
                        proc.wait(timeout=wait)
                    except subprocess.TimeoutExpired:
                        pass
            except KeyboardInterrupt:   # no CtrlC handler (not the main thread)
                kill_at = interrupt()
                continue
            for key, _mask in events:
                if key.data == "ctrl-c":
                    assert ctrl_c is not None
                    ctrl_c.drain()
                    continue
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
                    continue
                if key.data == "report":
                    pending += chunk
                    if _take_reports(pending, outcome, on_report) and outcome.stopped is None:
                        outcome.stopped = "pruned"
                        kill_at = _stop(proc)
                    continue
                log.add(chunk)
                if key.data == "err":
                    tail.add(chunk)
    finally:
        sel.close()
        if proc.poll() is None:
            _signal(proc, signal.SIGKILL)
        _kill_group(proc)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        outcome.exit_code = proc.returncode
        outcome.stderr_tail = tail.text()


def _program_pipes(sel: selectors.BaseSelector) -> bool:
    """Whether any of the program's pipes (output or reports) is still open."""
    return any(key.data != "ctrl-c" for key in sel.get_map().values())


def _take_reports(pending: bytearray, outcome: Outcome, on_report: Callable[[float, Optional[int]], bool]) -> bool:
    """Handle the complete lines in `pending`; True when one asks to stop the program."""
    stop = False
    while True:
        end = pending.find(b"\n")
        if end < 0:
            if len(pending) > MAX_REPORT_LINE:
                outcome.bad_reports += 1
                del pending[:]
            return stop
        line = bytes(pending[:end])
        del pending[:end + 1]
        try:
            report = json.loads(line.decode("ascii"))
            value = float(report["value"])
            step = report.get("step")
            step = None if step is None else int(step)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            outcome.bad_reports += 1
            continue
        if step is None:
            outcome.final = value
        else:
            outcome.intermediate.append((step, value))
        if outcome.stopped is None and on_report(value, step):
            stop = True


def _signal(proc: "subprocess.Popen[bytes]", sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass


def _stop(proc: "subprocess.Popen[bytes]") -> float:
    """SIGTERM the program's group now; the caller sends SIGKILL at the returned time."""
    _signal(proc, signal.SIGTERM)
    return time.monotonic() + STOP_GRACE


def _kill_group(proc: "subprocess.Popen[bytes]") -> None:
    """Whatever the program left running in its group goes with it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
