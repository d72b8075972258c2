"""No entry point imports from the working directory: `python -m hpman`, `python -m
hpman_lsp` and the console scripts, started in a folder full of modules named like the ones
they import (each would leave a marker file if it ran)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server"
SHADOWS = ("typing", "yaml", "tabulate", "logging", "json", "argparse", "enum", "hpman_lsp_x", "attrs",
           "cattrs", "lsprotocol", "pygls", "fnmatch", "difflib", "ast", "tokenize", "importlib_metadata")


def preloaded(tmp_path):
    """Modules Python itself has imported before a `-m` module's first line (typing and enum on
    3.9): out of any package's reach, as the entry module's docstring says."""
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "probe_mod.py").write_text("import sys\nprint(' '.join(sys.modules))\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "probe_mod"], cwd=str(probe), capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return set(out.split())


@pytest.fixture
def hostile_cwd(tmp_path):
    cwd = tmp_path / "project"
    cwd.mkdir()
    marker = tmp_path / "ran"
    early = preloaded(tmp_path)
    for name in SHADOWS:
        if name in early:
            continue
        (cwd / (name + ".py")).write_text(
            "open({!r}, 'a').write({!r} + '\\n')\n".format(str(marker), name), encoding="utf-8")
    (cwd / "train.py").write_text("from hpman.m import _\nlr = _('lr', 0.1)\n", encoding="utf-8")
    return cwd, marker


def run(cmd, cwd):
    env = dict(os.environ, PYTHONPATH=str(SERVER), HPMAN_CACHE_DIR=str(cwd.parent / "cache"))
    env.pop("PYTHONSAFEPATH", None)
    return subprocess.run(cmd, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=60, input="")


def script(name):
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.skip("{} is not installed in this environment".format(name))
    return str(path)


@pytest.mark.parametrize("cmd", [
    [sys.executable, "-m", "hpman", "list", "."],
    [sys.executable, "-m", "hpman", "check", "."],
    [sys.executable, "-m", "hpman_lsp", "--version"],
], ids=["python -m hpman list", "python -m hpman check", "python -m hpman_lsp"])
def test_python_dash_m_does_not_run_modules_of_the_working_directory(hostile_cwd, cmd):
    cwd, marker = hostile_cwd
    got = run(cmd, cwd)
    assert not marker.exists(), marker.read_text()
    assert got.returncode in (0, 1), got.stderr
    if "list" in cmd:
        assert "lr" in got.stdout


@pytest.mark.parametrize("name,args", [("hpman", ["list", "."]), ("hpman-lsp", ["--version"])])
def test_the_console_scripts_do_not_run_modules_of_the_working_directory(hostile_cwd, name, args):
    cwd, marker = hostile_cwd
    got = run([script(name)] + args, cwd)
    assert not marker.exists(), marker.read_text()
    assert got.returncode == 0, got.stderr


def test_a_user_program_run_with_dash_m_keeps_its_working_directory(tmp_path):
    """Only hpman's own entry points drop it: a user's `python -m train` imports hpman and
    its own modules from the working directory as before."""
    cwd = tmp_path / "user"
    cwd.mkdir()
    (cwd / "helper.py").write_text("VALUE = 7\n", encoding="utf-8")
    (cwd / "user_main.py").write_text("import hpman\nimport helper\nprint(helper.VALUE)\n", encoding="utf-8")
    got = run([sys.executable, "-m", "user_main"], cwd)
    assert got.stdout.strip() == "7", got.stderr
