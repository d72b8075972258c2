"""Helpers for the run-record tests: a small training script in a real git repository, run
as a user runs it (a subprocess), and the `hpman` command line."""
import json
import os
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TRAIN = textwrap.dedent("""\
    import argparse
    import hpargparse
    from hpman.m import _

    _.parse_file(__file__)
    lr = _('lr', 0.1)
    batch = _('model.batch_size', 32)
    optimizer = _('optimizer', 'adam')
    shape = _('shape', (1, 2))
    parser = argparse.ArgumentParser()
    hpargparse.bind(parser, _)
    args = parser.parse_args()
""")


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t"] + list(args), cwd=str(cwd),
                          check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True).stdout


def project(tmp_path, source=TRAIN, name="train.py"):
    """A git repository holding one committed script; returns its directory."""
    (tmp_path / name).write_text(source)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", name)
    git(tmp_path, "commit", "-q", "-m", "init")
    return tmp_path


def run(cwd, *args, env=None):
    full = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    full.pop("HPMAN_RECORD", None)
    full.update(env or {})
    return subprocess.run([sys.executable] + list(args), cwd=str(cwd), env=full, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)


def hpman(cwd, *args):
    return run(cwd, "-m", "hpman", *args)


def record_json(directory):
    with open(os.path.join(str(directory), "record.json")) as f:
        return json.load(f)
