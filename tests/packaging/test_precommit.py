"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real `pre-commit try-repo` on a
fixture project (a temporary git repository), as a project adopting hpman would run them.
`make test-packaging` runs this (pre-commit builds its own environment of this checkout)."""
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def _git(cwd, *args):
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t"] + list(args), cwd=str(cwd),
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One pre-commit home for the module: the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _try(project, home, hook):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    return subprocess.run(PRE_COMMIT + ["try-repo", REPO, hook, "--all-files", "--color", "never"], cwd=str(project),
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=540)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "train.py").write_text("from hpman.m import _\n\nlr = _('lr', 0.1)\n")
    (tmp_path / "model.py").write_text("from hpman.m import _\n\nlr = _('lr', 0.2)\nbs = _('batch_size')\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "fixture")
    return tmp_path


def test_hpman_check_hook_fails_on_a_duplicate_default_and_passes_once_fixed(project, home):
    proc = _try(project, home, "hpman-check")
    assert proc.returncode == 1, proc.stdout
    assert "hpman check" in proc.stdout and "Failed" in proc.stdout
    assert "model.py:3:" in proc.stdout and "error duplicate-default" in proc.stdout
    # fixed: one default, the other place only uses the name
    (project / "model.py").write_text("from hpman.m import _\n\nlr = _('lr')\nbs = _('batch_size', 8)\n")
    _git(project, "commit", "-q", "-am", "fix")
    proc = _try(project, home, "hpman-check")
    assert proc.returncode == 0, proc.stdout
    assert "Passed" in proc.stdout


def test_strict_hook_fails_on_a_warning_that_the_plain_hook_lets_pass(project, home):
    (project / "model.py").write_text("from hpman.m import _\n\nlr = _('lr')\nbs = _('batch_size')\n")
    _git(project, "commit", "-q", "-am", "only a warning: batch_size has no default")
    plain = _try(project, home, "hpman-check")
    assert plain.returncode == 0, plain.stdout
    strict = _try(project, home, "hpman-check-strict")
    assert strict.returncode == 1, strict.stdout
    assert "warning no-default" in strict.stdout and "batch_size" in strict.stdout


def test_the_hooks_file_declares_both_hooks():
    import yaml
    with open(os.path.join(REPO, ".pre-commit-hooks.yaml")) as f:
        hooks = {h["id"]: h for h in yaml.safe_load(f)}
    assert sorted(hooks) == ["hpman-check", "hpman-check-strict"]
    assert hooks["hpman-check"]["entry"] == "hpman check"
    assert hooks["hpman-check-strict"]["entry"] == "hpman check --strict"
    assert all(h["pass_filenames"] is False and h["language"] == "python" for h in hooks.values())
    assert shutil.which("git") is not None
