"""Files and programs written for hpargparse 0.14 work here.

tests/fixtures/hpargparse014/ holds files the original hpargparse 0.14 wrote (dill pickles
and PyYAML's full-dumper YAML; make_fixtures.py there made them). They load with every
value and type, and dill's reconstructions are allowed for builtin values only."""
import argparse
import math
import os
import pickle
import subprocess
import sys

import pytest
from hpa_helpers import hpm, make_mgr, new_parser, run, write  # noqa: F401  (fixtures)

import hpargparse
import hpman
from hpman.index.queries import effective_value
from hpman.index.workspace import Workspace
from hpman.values import ValuesError, load

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "hpargparse014")

# the values make_fixtures.py saved with hpargparse 0.14
VALUES = {
    "lr": 0.001, "epochs": 10, "name": "resnet", "flag": True, "nothing": None,
    "shape": (3, 224), "tags": {"a", "b"}, "z": 1 + 2j, "raw": b"\x00xy", "nan": float("nan"),
    "neg_inf": float("-inf"), "big": 10 ** 30, "opt": {"beta": (0.9, 0.99), "eps": [1e-8]},
    "model.depth": 50, "model.act": "relu", "cz": [1j, -0.5 + 0j],
}
# a program defining the same names, with other defaults of the same types
SOURCE = """\
from hpman.m import _
_('lr', 0.1)
_('epochs', 1)
_('name', 'x')
_('flag', False)
_('nothing', None)
_('shape', (1, 1))
_('tags', {'q'})
_('z', 0j)
_('raw', b'')
_('nan', 0.0)
_('neg_inf', 0.0)
_('big', 0)
_('opt', {'beta': (0.1, 0.2), 'eps': []})
_('model.depth', 1)
_('model.act', 'tanh')
_('cz', [0j])
"""


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def fixture(name):
    return os.path.join(FIXTURES, name)


@pytest.mark.parametrize("name", ["values.yaml", "values.pkl"])
def test_files_saved_by_014_load_with_every_type(name):
    data = load(fixture(name))
    assert data.keys() == VALUES.keys()
    assert [k for k in VALUES if not same(data[k], VALUES[k])] == []


@pytest.mark.parametrize("name", ["values.yaml", "values.pkl"])
def test_hp_load_of_014_files(make_mgr, run, name):
    mgr = make_mgr(SOURCE)
    parser = new_parser()
    hpargparse.bind(parser, mgr)
    r = run(parser, ["--hp-load", fixture(name)])
    assert r.code is None, r.err
    got = mgr.get_values()
    assert [k for k in VALUES if not same(got[k], VALUES[k])] == []


def test_dill_ellipsis_and_complex_load():
    assert load(fixture("ellipsis.pkl")) == {"dots": Ellipsis, "z": 3j}


def test_014_yaml_in_the_index_and_hpman_check(tmp_path):
    write(tmp_path, "train.py", SOURCE)
    ws = Workspace([str(tmp_path)], cache=False)
    ws.scan()
    ws.set_values_file(fixture("values.yaml"))
    assert ws.values_file.errors == []
    got = {k: effective_value(ws, ("_", k))[0] for k in VALUES}
    assert [k for k in VALUES if not same(got[k], VALUES[k])] == []
    proc = subprocess.run([sys.executable, "-m", "hpman", "check", "--no-cache", "--values", fixture("values.yaml"),
                           "train.py"], cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc


def _dill_call(func, arg):
    """`{'v': dill._dill.<func>(arg)}` as protocol 4 opcodes, the way dill writes them."""
    return (b"\x80\x04}\x8c\x01v\x8c\ndill._dill\x8c" + bytes([len(func)]) + func.encode() + b"\x93"
            + pickle.dumps(arg, protocol=4)[2:-1].replace(b"\x94", b"") + b"\x85Rs.")


@pytest.mark.parametrize("func, arg", [
    ("_load_type", "NoneType"), ("_load_type", "type"), ("_load_type", "function"),
    ("_eval_repr", "__import__('os').system('echo pwned')"), ("_create_function", "x"),
])
def test_dill_reconstructions_of_anything_else_are_refused(tmp_path, func, arg):
    path = write(tmp_path, "v.pkl", _dill_call(func, arg), mode="wb")
    with pytest.raises(ValuesError, match=r"^refusing to load `.*v\.pkl`: it asks for `dill\._dill\.{}".format(func)):
        load(path)


def test_dill_type_used_as_a_value_is_not_plain_data(tmp_path):
    # `_load_type('complex')` without calling it: a type object, not a value
    path = write(tmp_path, "v.pkl", b"\x80\x04}\x8c\x01v\x8c\ndill._dill\x8c\n_load_type\x93\x8c\x07complex\x85Rs.",
                 mode="wb")
    with pytest.raises(ValuesError, match="`v` is a _Guarded, not plain data"):
        load(path)


def test_hputils_is_an_attribute_after_import_hpargparse():
    code = "import hpargparse; print(hpargparse.hputils.StringAsDefault.__name__, hpargparse.hputils.str2bool('yes'))"
    proc = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "StringAsDefault True\n", proc.stderr


def test_unknown_extension_is_a_usage_error(make_mgr, run, tmp_path):
    parser = new_parser()
    hpargparse.bind(parser, make_mgr("from hpman.m import _\n_('a', 1)\n"))
    r = run(parser, ["--hp-save", str(tmp_path / "x.bcd")])
    assert r.code == 2 and "cannot tell the format of" in r.err.strip().splitlines()[-1]
    assert not os.path.exists(str(tmp_path / "x.bcd"))


@pytest.mark.skipif(sys.version_info < (3, 9), reason="exit_on_error is new in Python 3.9")
def test_unknown_extension_raises_value_error_with_exit_on_error_false(make_mgr, tmp_path):
    parser = argparse.ArgumentParser(prog="prog", exit_on_error=False)
    hpargparse.bind(parser, make_mgr("from hpman.m import _\n_('a', 1)\n"))
    path = str(tmp_path / "x.bcd")
    with pytest.raises(ValueError) as info:
        parser.parse_args(["--hp-save", path])
    assert info.value.args == ("Unsupported file extension: .bcd of path {}".format(path),
                               "Supported file extensions: `.json`, `.pickle`, `.pkl`, `.yaml`, `.yml`")


def test_non_literal_default_from_a_public_project(make_mgr, run):
    # `_('date', get_date())` as in a project written for 0.14: `--date 2021-01-01` still works
    mgr = make_mgr("from hpman.m import _\n\ndef get_date():\n    return '1970-01-01'\n\n_('date', get_date())\n")
    parser = new_parser()
    hpargparse.bind(parser, mgr)
    r = run(parser, ["--date", "2021-01-01"])
    assert r.code is None and r.ns.date == "2021-01-01" == mgr.get_value("date")
    assert isinstance(hpman.HyperParameterManager("_").parse_source("_('d', f())").get_value("d"),
                      hpman.NotLiteralEvaluable)


def test_listed_actions_keep_their_order_in_help(make_mgr):
    # as hpargparse 0.14: the options come in the list's order, then serial-format and exit
    parser = new_parser()
    hpargparse.bind(parser, make_mgr("from hpman.m import _\n_('a', 1)\n"),
                    inject_actions=["detail", "list", "load", "save"])
    options = [a.option_strings[0] for a in parser._actions if a.option_strings[0].startswith("--hp-")]
    assert options == ["--hp-detail", "--hp-list", "--hp-load", "--hp-save", "--hp-serial-format", "--hp-exit"]
    assert hpargparse.hputils.parse_action_list(["exit", "list", "list"]) == ["list", "exit"]
    assert hpargparse.hputils.parse_action_list(["serial-format"]) == ["serial-format", "exit"]
