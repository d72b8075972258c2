"""Ctrl-C reaches a trial as a count the runner reads, wherever the worker is when it lands."""
import os
import signal
import sys
import time

import pytest
from sweep_helpers import alive

from hpman.sweep import runner


@pytest.fixture(autouse=True)
def interruptible():
    """Ctrl-C as in a terminal, whatever the test runner was started with (CI may ignore SIGINT)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def sleeper(pid_file, ignore_term=False):
    """A program that writes its pid, then sleeps a minute (optionally deaf to SIGTERM)."""
    code = ("import os, signal, time\n"
            + ("signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" if ignore_term else "")
            + "open({!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n".format(str(pid_file)))
    return [sys.executable, "-c", code]


def test_ctrl_c_pressed_before_the_program_starts_starts_nothing(tmp_path):
    marker = tmp_path / "started"
    with runner.CtrlC() as ctrl_c:
        os.kill(os.getpid(), signal.SIGINT)       # handled: a count, no exception here
        assert ctrl_c.count == 1
        with pytest.raises(KeyboardInterrupt):
            runner.run([sys.executable, "-c", "open({!r}, 'w')".format(str(marker))], dict(os.environ),
                       lambda v, s: False, lambda: None, 10.0, ctrl_c=ctrl_c)
    assert not marker.exists()


def test_a_sweep_started_with_sigint_ignored_keeps_ignoring_it():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with runner.CtrlC() as ctrl_c:
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGINT)
        ctrl_c.wait(0.2)
        assert ctrl_c.count == 0
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_ctrl_c_during_a_storage_write_stops_the_program_and_interrupts(tmp_path):
    """The heartbeat (a storage write) is where the signal lands: the program is still stopped."""
    pid_file = tmp_path / "pid"
    with runner.CtrlC() as ctrl_c:
        def beat():
            if pid_file.exists() and pid_file.read_text() and not ctrl_c.count:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)                  # the handler runs inside this "write"
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            runner.run(sleeper(pid_file), dict(os.environ), lambda v, s: False, beat, 0.05, ctrl_c=ctrl_c)
        assert time.monotonic() - start < 50      # not the program's 60 s
    assert ctrl_c.count == 1
    assert not alive(int(pid_file.read_text()))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # restored


def test_a_second_ctrl_c_kills_without_grace(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "STOP_GRACE", 600.0)   # only the second press can end it in time
    pid_file = tmp_path / "pid"
    with runner.CtrlC() as ctrl_c:
        def beat():
            if pid_file.exists() and pid_file.read_text() and ctrl_c.count < 2:
                os.kill(os.getpid(), signal.SIGINT)
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            runner.run(sleeper(pid_file, ignore_term=True), dict(os.environ), lambda v, s: False, beat, 0.05,
                       ctrl_c=ctrl_c)
        assert time.monotonic() - start < 50      # SIGKILL, not the program's 60 s
    assert ctrl_c.count == 2
    assert not alive(int(pid_file.read_text()))
