"""Helpers and fixtures for the hpargparse tests (imported by name: this folder has no
conftest.py, so that it never shadows the `conftest` module other suites import): fresh
managers built from real source files, and running a parser in-process while capturing
its exit status and output."""
import argparse
import os
import sys
import textwrap

import pytest

import hpman

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_DIR = os.path.join(REPO, "examples", "03-hpargparse")


@pytest.fixture
def hpm():
    """A fresh manager whose placeholder is `_`."""
    return hpman.HyperParameterManager("_")


def write(base, rel, text, mode="w"):
    path = os.path.join(str(base), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(textwrap.dedent(text) if isinstance(text, str) else text)
    return path


@pytest.fixture
def make_mgr(tmp_path, hpm):
    """make_mgr(source) -> manager parsed from tmp_path/hp_src.py holding `source`."""
    def make(source, name="hp_src.py"):
        path = write(tmp_path, name, source)
        hpm.parse_file(path)
        return hpm
    return make


class Run:
    def __init__(self, ns, code, out, err):
        self.ns, self.code, self.out, self.err = ns, code, out, err

    def __repr__(self):
        return "Run(code={!r}, out={!r}, err={!r})".format(self.code, self.out, self.err)


@pytest.fixture
def run(capsys):
    """run(parser, argv) -> Run(ns, code, out, err); code is None when the parser returned."""
    def do(parser, argv):
        ns, code = None, None
        try:
            ns = parser.parse_args(argv)
        except SystemExit as exc:
            code = exc.code
        cap = capsys.readouterr()
        return Run(ns, code, cap.out, cap.err)
    return do


def new_parser(prog="prog"):
    return argparse.ArgumentParser(prog=prog)


def subprocess_env(**extra):
    """Environment for running scripts: this interpreter's bin first on PATH (so that
    `#!/usr/bin/env python3` finds it), 80 columns, no colour."""
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.update({"COLUMNS": "80", "LINES": "24", "NO_COLOR": "1", "PYTHON_COLORS": "0", "TERM": "dumb",
                "PYTHONIOENCODING": "utf-8"})
    env.update(extra)
    return env
