"""No data loss: an interrupted `--hp-save` leaves the previous file intact.

A child process runs a real program with `--hp-save`; its file writes are wrapped
(builtins.open and os.fdopen, for files in the save folder) so that it writes
half of the data, flushes it to disk, says so on stdout and sleeps. The test then
kills it with SIGKILL and checks the target: the previous content, byte for byte,
or (for a first save) no file at all; never a truncated file. A second test kills
a loop of saves at random moments.
"""
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import yaml

SERVER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "server")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

PROGRAM = r'''
import argparse, builtins, os, sys, time
import hpargparse
from hpman.m import _

SAVE_DIR = os.path.realpath(sys.argv[1])
MODE = sys.argv[2]


class HalfThenSleep:
    """A writable file that writes half of the first write, syncs it, then sleeps."""

    def __init__(self, f):
        self._f = f

    def write(self, data):
        half = len(data) // 2
        self._f.write(data[:half])
        self._f.flush()
        os.fsync(self._f.fileno())
        print("HALF", flush=True)
        time.sleep(120)
        return self._f.write(data[half:])

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)


def in_save_dir(path):
    try:
        return os.path.dirname(os.path.realpath(os.fsdecode(path))) == SAVE_DIR
    except (TypeError, ValueError):
        return False


if MODE == "half":
    real_open, real_fdopen = builtins.open, os.fdopen

    def patched_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if any(c in mode for c in "wax+") and not isinstance(file, int) and in_save_dir(file):
            return HalfThenSleep(f)
        return f

    def patched_fdopen(fd, mode="r", *args, **kwargs):
        f = real_fdopen(fd, mode, *args, **kwargs)
        if any(c in mode for c in "wax+") and in_save_dir(os.readlink("/proc/self/fd/%d" % fd)):
            return HalfThenSleep(f)
        return f

    builtins.open, os.fdopen = patched_open, patched_fdopen

parser = argparse.ArgumentParser()
_('lr', 0.5)
_('name', 'new-' + 'x' * 50000)
_('layers', list(range(3000)))
hpargparse.bind(parser, _)
if MODE == "loop":
    target = sys.argv[3]
    print("START", flush=True)
    i = 0
    while True:
        _.set_value("lr", float(i))
        parser.parse_args(["--hp-save", target])
        i += 1
else:
    parser.parse_args(sys.argv[3:])
    print("SAVED", flush=True)
'''


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([SERVER] + [p for p in [e.get("PYTHONPATH")] if p])
    return e


def start(tmp_path, mode, *args):
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAM)
    save_dir = tmp_path / "out"
    save_dir.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, str(prog), str(save_dir), mode] + [str(a) for a in args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())


def wait_for(proc, word, timeout=30):
    deadline = time.monotonic() + timeout
    line = b""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() == word.encode():
            return
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError("child never printed {}: {!r} {!r}".format(word, line, proc.stderr.read()[-2000:]))


def kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.parametrize("suffix", ["yaml", "json", "pkl"])
def test_a_save_killed_half_way_leaves_the_previous_file_intact(tmp_path, suffix):
    target = tmp_path / "out" / ("values." + suffix)
    # a complete first save, by the same program without the hook
    proc = start(tmp_path, "plain", "--hp-save", target)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"SAVED" in out, err
    before = target.read_bytes()
    assert len(before) > 50000
    stat_before = os.stat(str(target))
    # now rewrite it with a half-written file, and kill the writer
    proc = start(tmp_path, "half", "--hp-save", target, "--lr", "0.25")
    wait_for(proc, "HALF")
    kill(proc)
    assert target.read_bytes() == before, "the previous file was damaged"
    assert os.stat(str(target)).st_ino == stat_before.st_ino
    # it still loads
    proc = start(tmp_path, "plain", "--hp-load", target, "--hp-save", tmp_path / "out" / ("again." + suffix))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert (tmp_path / "out" / ("again." + suffix)).read_bytes() == before


def test_a_first_save_killed_half_way_leaves_no_target(tmp_path):
    target = tmp_path / "out" / "values.yaml"
    proc = start(tmp_path, "half", "--hp-save", target)
    wait_for(proc, "HALF")
    kill(proc)
    assert not target.exists(), "a truncated target was left behind"
    # whatever temporary file the writer left is not mistaken for the target
    leftovers = [p.name for p in (tmp_path / "out").iterdir()]
    assert all(name != "values.yaml" for name in leftovers)


def test_saves_killed_at_random_moments_leave_a_complete_file(tmp_path):
    target = tmp_path / "out" / "values.yaml"
    rnd = random.Random(8)
    complete = 0
    for _attempt in range(4):
        if target.exists():
            target.unlink()
        proc = start(tmp_path, "loop", target)
        wait_for(proc, "START")
        deadline = time.monotonic() + 30
        while not target.exists() and time.monotonic() < deadline:   # the first save is complete
            time.sleep(0.005)
        time.sleep(rnd.uniform(0.0, 0.5))                               # then somewhere in a later one
        kill(proc)
        data = yaml.safe_load(target.read_text())
        assert set(data) == {"lr", "name", "layers"}, "a truncated or mixed file"
        assert data["layers"] == list(range(3000)) and data["name"] == "new-" + "x" * 50000
        complete += 1
    assert complete == 4
