"""Whatever one front end saves, every other reads, with the same values: a real program's
`--hp-save` (YAML, JSON, pickle) read back by `hpman check --values`, by the index's values
overlay (what the editor shows), by `%hpman load` and by `--hp-load`; and the listings of
`hpman list` and `--hp-list` agree. Tuples, sets, complex numbers, bytes, NaN and nested
trees keep their types everywhere."""
import argparse
import json
import math
import os
import subprocess
import sys

import pytest
from hpa_helpers import write

import hpargparse
import hpman
from hpman.index.queries import effective_value
from hpman.index.workspace import Workspace
from hpman.values.yamlfmt import read_yaml

MAIN = '''\
import argparse

import hpargparse
from hpman.m import _


def main():
    parser = argparse.ArgumentParser()
    _.parse_file(__file__)
    hpargparse.bind(parser, _)
    parser.parse_args()


_('shape', (3, 224))
_('tags', {'a', 'b'})
_('pairs', {(1, 2), (3,)})
_('z', 1 + 2j)
_('raw', b'\\x00xy')
_('floor', 0.5)
_('name', 'resnet')
_('flag', True)
_('nothing', None)
_('model.depth', 50)
_('model.head.act', 'relu')
_('opt', {'beta': (0.9, 0.99), 'eps': [1e-8], 3: 'three'})

if __name__ == '__main__':
    main()
'''

OVERRIDES = [
    "--shape", "(5, 6)", "--tags", "{'c', 'd'}", "--z", "3-4j", "--raw", "b'\\xff\\x00'", "--floor", "nan",
    "--model.depth", "101", "--opt", "{'beta': (0.5,), 'eps': [], 3: 'three', 'deep': {'x': {1, 2}}}",
]
EXPECTED = {
    "shape": (5, 6), "tags": {"c", "d"}, "pairs": {(1, 2), (3,)}, "z": 3 - 4j, "raw": b"\xff\x00",
    "floor": float("nan"), "name": "resnet", "flag": True, "nothing": None, "model.depth": 101,
    "model.head.act": "relu", "opt": {"beta": (0.5,), "eps": [], 3: "three", "deep": {"x": {1, 2}}},
}
TIMEOUT = 60


def same(a, b):
    """Equal with the same types all the way down, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def assert_values(got, label):
    bad = {name: got.get(name, "<missing>") for name in EXPECTED if not same(got.get(name), EXPECTED[name])}
    assert not bad, (label, bad)


@pytest.fixture(scope="module", params=["yaml", "json", "pickle"])
def saved(request, tmp_path_factory):
    """A project whose program saved its values with --hp-save in one format."""
    root = tmp_path_factory.mktemp("roundtrip-" + request.param)
    write(root, "main.py", MAIN)
    path = os.path.join(str(root), "saved." + {"yaml": "yaml", "json": "json", "pickle": "pkl"}[request.param])
    proc = subprocess.run([sys.executable, "main.py"] + OVERRIDES + ["--hp-save", path, "--hp-exit"],
                          cwd=str(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=TIMEOUT)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return str(root), path


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "hpman"] + list(args) + ["--no-cache"], cwd=root,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=TIMEOUT)


def test_hpman_check_reads_every_saved_value(saved):
    root, path = saved
    proc = cli(root, "check", "--values", path, "main.py")
    assert proc.returncode == 0 and proc.stderr == "", (proc.stdout, proc.stderr)
    assert os.path.basename(path) not in proc.stdout      # no syntax error, no unknown key


def test_index_overlay_gives_the_saved_values(saved):
    root, path = saved
    ws = Workspace([root], cache=False)
    ws.scan()
    ws.set_values_file(path)
    assert ws.values_file.errors == []
    got = {}
    for name in EXPECTED:
        value, source = effective_value(ws, ("_", name))
        assert source == "values file", name
        got[name] = value
    assert_values(got, "index overlay")


def test_hp_load_gives_the_saved_values(saved):
    root, path = saved
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_file(os.path.join(root, "main.py"))
    parser = argparse.ArgumentParser()
    hpargparse.bind(parser, mgr)
    ns = parser.parse_args(["--hp-load", path])
    assert_values(mgr.get_values(), "--hp-load")
    assert_values({name: getattr(ns, name) for name in EXPECTED}, "--hp-load namespace")


def test_magic_load_gives_the_saved_values(saved, monkeypatch):
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    root, path = saved
    monkeypatch.chdir(root)
    vars(hpman.m).pop("_", None)
    shell = InteractiveShell.instance()
    shell.reset(new_session=True)
    try:
        assert shell.run_cell("%load_ext hpman").success
        assert shell.run_cell("from hpman.m import _\n%hpman parse main.py\n%hpman load " + path).success
        assert_values(shell.user_ns["_"].get_values(), "%hpman load")
    finally:
        hpman.unload_ipython_extension(shell)
        shell.extension_manager.loaded.discard("hpman")
        vars(hpman.m).pop("_", None)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_hpman_list_and_hp_list_render_the_same(saved, fmt):
    root, path = saved
    listed = cli(root, "list", "--format", fmt, "--values", path, "main.py")
    assert listed.returncode == 0, listed.stderr
    program = subprocess.run([sys.executable, "main.py", "--hp-load", path, "--hp-list", fmt], cwd=root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                             timeout=TIMEOUT)
    assert program.returncode == 0, program.stderr
    # each value rendered the same (the order of the names is each command's own)
    if fmt == "yaml":
        parsed = [read_yaml(out, "listing") for out in (listed.stdout, program.stdout)]
    else:
        parsed = [json.loads(out) for out in (listed.stdout, program.stdout)]
    assert same(parsed[0], parsed[1]) and len(parsed[0]) == len(EXPECTED)
    if fmt == "yaml":   # the same text for each value, too
        assert sorted(listed.stdout.splitlines()) == sorted(program.stdout.splitlines())
        assert "shape: !!python/tuple [5, 6]" in listed.stdout and "floor: .nan" in listed.stdout
