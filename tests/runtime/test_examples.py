"""The seed's examples, run as programs, print what the seed shows."""
import argparse
import contextlib
import io
import os
import subprocess

import pytest
import yaml
from rt_helpers import EXAMPLES, PY, subprocess_env


def run(example_dir, *args, expect_rc=0):
    cwd = os.path.join(EXAMPLES, example_dir)
    out = subprocess.run([PY] + list(args), cwd=cwd, env=subprocess_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert out.returncode == expect_rc, (out.returncode, out.stdout, out.stderr)
    return out


def argparse_options_heading():
    """"optional arguments:" before Python 3.10, "options:" after: what this interpreter prints."""
    text = argparse.ArgumentParser(prog="x").format_help()
    heading = [line for line in text.splitlines() if line.endswith(":") and "arguments" in line or line == "options:"]
    assert heading in (["optional arguments:"], ["options:"])
    return heading[0]


def argparse_invalid_choice(prog, choices, value):
    """The error line this interpreter's argparse prints for an invalid choice."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--optimizer", choices=choices)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit):
        parser.parse_args(["--optimizer", value])
    line = err.getvalue().splitlines()[-1]
    assert line in ("{}: error: argument --optimizer: invalid choice: 'rmsprop' (choose from 'adam', 'sgd')".format(prog),
                    "{}: error: argument --optimizer: invalid choice: 'rmsprop' (choose from adam, sgd)".format(prog))
    return line


# -- 01: lib.py / main.py ---------------------------------------------------------------

def test_basic_defaults():
    out = run("01-basic", "main.py")
    assert out.stdout == "a = 0\nb = 0\nlib.add() = 0\nlib.mult() = 0\n"
    assert out.stderr == ""


def test_basic_with_arguments():
    out = run("01-basic", "main.py", "-a", "2", "-b", "3")
    assert out.stdout == "a = 2\nb = 3\nlib.add() = 5\nlib.mult() = 6\n"


def test_basic_main_is_executable_with_shebang():
    path = os.path.join(EXAMPLES, "01-basic", "main.py")
    assert os.access(path, os.X_OK)
    with open(path) as f:
        assert f.readline() == "#!/usr/bin/env python3\n"


def test_basic_run_as_the_seed_does():
    # `$ ./main.py -a 2 -b 3`, with this interpreter first on PATH for the shebang
    bindir = os.path.dirname(PY)
    if not os.path.exists(os.path.join(bindir, "python3")):
        pytest.skip("no python3 next to this interpreter for the shebang")
    env = subprocess_env(PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    out = subprocess.run(["./main.py", "-a", "2", "-b", "3"], cwd=os.path.join(EXAMPLES, "01-basic"), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "a = 2\nb = 3\nlib.add() = 5\nlib.mult() = 6\n"


def test_basic_from_another_directory(tmp_path):
    out = subprocess.run([PY, os.path.join(EXAMPLES, "01-basic", "main.py"), "-a", "4", "-b", "5"],
                         cwd=str(tmp_path), env=subprocess_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "a = 4\nb = 5\nlib.add() = 9\nlib.mult() = 20\n"


# -- 02: hints ------------------------------------------------------------------------------

def test_hints_default():
    assert run("02-hints", "hints_example.py").stdout == "optimizer: adam\n"


def test_hints_help():
    out = run("02-hints", "hints_example.py", "-h")
    assert out.stdout == (
        "usage: hints_example.py [-h] [--optimizer {adam,sgd}]\n"
        "\n"
        + argparse_options_heading() + "\n"
        "  -h, --help            show this help message and exit\n"
        "  --optimizer {adam,sgd}\n")


def test_hints_choice():
    assert run("02-hints", "hints_example.py", "--optimizer", "sgd").stdout == "optimizer: sgd\n"


def test_hints_invalid_choice():
    out = run("02-hints", "hints_example.py", "--optimizer", "rmsprop", expect_rc=2)
    assert out.stdout == ""
    assert out.stderr == ("usage: hints_example.py [-h] [--optimizer {adam,sgd}]\n"
                          + argparse_invalid_choice("hints_example.py", ["adam", "sgd"], "rmsprop") + "\n")


def test_hints_example_uses_db_select_and_L():
    with open(os.path.join(EXAMPLES, "02-hints", "hints_example.py")) as f:
        text = f.read()
    assert "from hpman.hpm_db import L" in text
    assert "_.db.select(lambda row: row.name == 'optimizer')" in text


# -- 04: nested -------------------------------------------------------------------------------

SEED_TREE = {"discriminator": {"in_channels": 3, "spectral": True, "norm": "instance",
                               "activation": "leaky_relu", "residual": True, "input_size": [512, 512]}}


def _yaml_part(stdout):
    return yaml.safe_load("\n".join(line for line in stdout.splitlines() if not line.startswith("#")))


def test_nested_dump_is_the_seed_tree():
    out = run("04-nested", "nested.py")
    tree = _yaml_part(out.stdout)
    assert tree["discriminator"] == SEED_TREE["discriminator"]
    assert tree["optimizer"] == {"type": "sgd", "momentum": 0.9, "__is_dict__": True}
    # hpman 0.13's order: `optimizer` is called less deeply nested than the discriminator's names
    assert list(tree) == ["optimizer", "discriminator"]


def test_nested_load_yaml_tree():
    out = run("04-nested", "nested.py", "override.yaml")
    tree = _yaml_part(out.stdout)
    assert tree["discriminator"]["in_channels"] == 1
    assert tree["discriminator"]["norm"] == "batch"
    assert tree["discriminator"]["input_size"] == [256, 256]
    assert tree["discriminator"]["spectral"] is True
    assert tree["optimizer"] == {"type": "adam", "betas": [0.9, 0.999], "__is_dict__": True}
    assert out.stdout.splitlines()[-1] == ("# built with norm=batch input_size=[256, 256], "
                                           "optimizer {'type': 'adam', 'betas': [0.9, 0.999]}")


def test_nested_round_trip(tmp_path):
    dumped = run("04-nested", "nested.py").stdout
    path = tmp_path / "dump.yaml"
    path.write_text(dumped)
    assert run("04-nested", "nested.py", str(path)).stdout == dumped


def test_nested_runtime_keyerror():
    out = run("04-nested", "runtime_error.py", expect_rc=1)
    assert out.stderr.splitlines()[-1] == "KeyError: '`a.b` not found'"


def test_nested_parse_impossible_tree():
    out = run("04-nested", "parse_error.py", expect_rc=1)
    assert out.stderr.splitlines()[-1] == "hpman.primitives.ImpossibleTree: node `a` has is both a leaf and a tree."


# -- 05: any-name import ----------------------------------------------------------------------

def test_any_name():
    out = run("05-any-name", "any_name.py")
    assert out.stdout == ("ddd: {'a': 1}\n"
                          "abc: {'a': 2}\n"
                          "_:   {'hello': 3}\n"
                          "hpm: {}, hp: {}, hello: {}\n"
                          "same object: True\n"
                          "parsed by ddd: {'a': 1}\n")


def test_any_name_bad_alias_caveat():
    out = run("05-any-name", "bad_alias.py")
    assert out.stdout == "static parsing sees: {'a': 1}\nruntime value of a:  1\n"


def test_any_name_false_positive_caveat():
    # The seed: 'Will output "{'a': 1}", which is a "false positive"'; the call is not hpman's.
    assert run("05-any-name", "false_positive.py").stdout == "{}\n"
