"""The runtime's side of a trial: $HPMAN_VALUES applied at parse_file, `hpman.report()`.

Priority, lowest first: the default in code, the value given to `_()` at runtime,
the $HPMAN_VALUES file, then what the program sets afterwards (set_value, hpargparse's
--hp-load, then its command-line options).
"""
import json
import os
import subprocess

import pytest
from sweep_helpers import PY, env, write

import hpman
from hpman import trial

PROGRAM = """\
    import argparse, json, sys
    import hpargparse
    from hpman.m import _
    parser = argparse.ArgumentParser()
    _.parse_file(__file__)
    hpargparse.bind(parser, _)
    parser.parse_args()
    print(json.dumps({"lr": _('lr', 0.1), "depth": _('model.depth', 4), "opt": _('opt', 'adam')}))
    """


def run(tmp_path, *args, values=None, manager=None):
    prog = write(tmp_path, "prog.py", PROGRAM)
    extra = {}
    if values is not None:
        extra["HPMAN_VALUES"] = write(tmp_path, "trial.yaml", values)
    if manager is not None:
        extra["HPMAN_VALUES_MANAGER"] = manager
    r = subprocess.run([PY, prog, *args], env=env(tmp_path, **extra), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_without_the_variable_the_defaults(tmp_path):
    assert run(tmp_path) == {"lr": 0.1, "depth": 4, "opt": "adam"}


def test_values_file_beats_defaults_flat_or_nested(tmp_path):
    assert run(tmp_path, values="lr: 0.02\nmodel.depth: 7\n") == {"lr": 0.02, "depth": 7, "opt": "adam"}
    assert run(tmp_path, values="model:\n  depth: 9\n") == {"lr": 0.1, "depth": 9, "opt": "adam"}


def test_command_line_options_and_hp_load_beat_the_values_file(tmp_path):
    got = run(tmp_path, "--lr", "0.5", values="lr: 0.02\nopt: sgd\n")
    assert got == {"lr": 0.5, "depth": 4, "opt": "sgd"}
    write(tmp_path, "base.yaml", "opt: rmsprop\n")
    got = run(tmp_path, "--hp-load", str(tmp_path / "base.yaml"), "--model.depth", "2", values="lr: 0.02\nopt: sgd\n")
    assert got == {"lr": 0.02, "depth": 2, "opt": "rmsprop"}


def test_only_the_named_manager_takes_the_values(tmp_path):
    assert run(tmp_path, values="lr: 0.02\n", manager="other") == {"lr": 0.1, "depth": 4, "opt": "adam"}


def test_a_broken_values_file_is_one_clear_error(tmp_path):
    prog = write(tmp_path, "prog.py", PROGRAM)
    bad = write(tmp_path, "bad.yaml", "lr: [unclosed\n")
    r = subprocess.run([PY, prog], env=env(tmp_path, HPMAN_VALUES=bad), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("hpman.trial.ValuesFileError: HPMAN_VALUES=") and "bad.yaml" in last and "line 2" in last


def test_applied_once_per_manager_so_later_sets_stay(tmp_path, monkeypatch):
    path = write(tmp_path, "v.yaml", "a: 5\n")
    monkeypatch.setenv("HPMAN_VALUES", path)
    monkeypatch.delenv("HPMAN_VALUES_MANAGER", raising=False)
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("from hpman.m import _\n_('a', 1)\n")
    assert mgr.get_value("a") == 5
    mgr.set_value("a", 6)
    mgr.parse_source("from hpman.m import _\n_('b', 1)\n")
    assert mgr.get_value("a") == 6


def test_report_writes_one_line_per_call_to_the_sweep_pipe(monkeypatch):
    read_fd, write_fd = os.pipe()
    monkeypatch.setenv("HPMAN_REPORT_FD", str(write_fd))
    seen = []
    trial.report_listeners.append(lambda v, s: seen.append((v, s)))
    try:
        hpman.report(0.5, step=1)
        hpman.report(2)
        with pytest.raises(TypeError):
            hpman.report(1.0, step=True)
    finally:
        trial.report_listeners.clear()
        os.close(write_fd)
    with os.fdopen(read_fd) as f:
        lines = [json.loads(line) for line in f]
    assert lines == [{"value": 0.5, "step": 1}, {"value": 2.0, "step": None}]
    assert seen == [(0.5, 1), (2.0, None)]


def test_report_outside_a_sweep_does_nothing(monkeypatch):
    monkeypatch.delenv("HPMAN_REPORT_FD", raising=False)
    assert hpman.report(1.0) is None
