"""The seed README's hpargparse session (`examples/03-hpargparse/main.py`), run for real."""
import argparse
import os
import stat
import subprocess
import sys

import pytest
from hpa_helpers import EXAMPLE_DIR, subprocess_env

MAIN = os.path.join(EXAMPLE_DIR, "main.py")

SEED_MAIN = '''#!/usr/bin/env python3

from hpman.m import _
import hpargparse

import argparse


def func():
    weight_decay = _("weight_decay", 1e-5)
    print("weight decay is {}".format(weight_decay))


def main():
    parser = argparse.ArgumentParser()
    _.parse_file(__file__)
    hpargparse.bind(parser, _)
    parser.parse_args()

    func()


if __name__ == "__main__":
    main()
'''

SEED_DETAIL = """\
All hyperparameters:
    ['weight_decay']
Details:
+--------------+--------+---------+--------------------------------------------------------------+
| name         | type   |   value | details                                                      |
+==============+========+=========+==============================================================+
| weight_decay | float  |  0.0001 | occurrence[0]:                                               |
|              |        |         |   ./main.py:10                                               |
|              |        |         |      5:                                                      |
|              |        |         |      6: import argparse                                      |
|              |        |         |      7:                                                      |
|              |        |         |      8:                                                      |
|              |        |         |      9: def func():                                          |
|              |        |         | ==> 10:     weight_decay = _("weight_decay", 1e-5)           |
|              |        |         |     11:     print("weight decay is {}".format(weight_decay)) |
|              |        |         |     12:                                                      |
|              |        |         |     13:                                                      |
|              |        |         |     14: def main():                                          |
|              |        |         |     15:     parser = argparse.ArgumentParser()               |
+--------------+--------+---------+--------------------------------------------------------------+
"""

# The option lines of the seed's `-h` that hpargparse leaves unchanged.
SEED_HELP_LINES = """\
  -h, --help            show this help message and exit
  --weight-decay WEIGHT_DECAY
  --hp-save HP_SAVE     Save hyperparameters to a file. The hyperparameters
                        are saved after processing of all other options
  --hp-load HP_LOAD     Load hyperparameters from a file. The hyperparameters
                        are loaded before any other options are processed
                        List all available hyperparameters. If `--hp-list
                        detail` is specified, a verbose table will be print
                        Format of the saved config file. Defaults to auto. Can
                        be set to override auto file type deduction.
  --hp-exit             process all hpargparse actions and quit
""".splitlines()


def run_main(*args, how="script"):
    cmd = ["./main.py"] if how == "script" else [sys.executable, "main.py"]
    return subprocess.run(cmd + list(args), cwd=EXAMPLE_DIR, env=subprocess_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60)


def test_example_is_the_seed_main_verbatim_and_executable():
    with open(MAIN) as f:
        assert f.read() == SEED_MAIN
    assert os.stat(MAIN).st_mode & stat.S_IXUSR


@pytest.mark.parametrize("how", ["script", "python"])
@pytest.mark.parametrize("args,expected", [
    ((), "weight decay is 1e-05\n"),
    (("--weight-decay", "1e-4"), "weight decay is 0.0001\n"),
    (("--weight-decay", "1e-4", "--hp-list"), "weight_decay: 0.0001\n"),
    (("--weight-decay", "1e-4", "--hp-list", "detail"), SEED_DETAIL),
    (("--weight-decay", "1e-4", "--hp-detail"), SEED_DETAIL),
])
def test_seed_session(how, args, expected):
    proc = run_main(*args, how=how)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == expected


def test_detail_after_load_and_override(tmp_path):
    values = tmp_path / "wd.yaml"
    values.write_text("weight_decay: 0.0001\n")
    proc = run_main("--hp-load", str(values), "--hp-list", "detail")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == SEED_DETAIL
    # the command line wins over the loaded file
    proc = run_main("--hp-load", str(values), "--weight-decay", "0.5")
    assert proc.stdout == "weight decay is 0.5\n"


def _reference_help():
    """What this interpreter's argparse prints for the seed's options plus what hpargparse adds."""
    p = argparse.ArgumentParser(prog="main.py")
    p.add_argument("--weight-decay", help="A float hyper-parameter named `weight_decay`. (default: 1e-05)")
    p.add_argument("--hp-save", help="Save hyperparameters to a file. The hyperparameters are saved after "
                                     "processing of all other options")
    p.add_argument("--hp-load", help="Load hyperparameters from a file. The hyperparameters are loaded before "
                                     "any other options are processed")
    p.add_argument("--hp-list", nargs="?", const="yaml", choices=["detail", "yaml", "json"],
                   help="List all available hyperparameters. If `--hp-list detail` is specified, a verbose "
                        "table will be print")
    p.add_argument("--hp-detail", action="store_true", help="Shorthand for --hp-list detail")
    p.add_argument("--hp-serial-format", default="auto", choices=["auto", "yaml", "json", "pickle"],
                   help="Format of the saved config file. Defaults to auto. Can be set to override auto file "
                        "type deduction.")
    p.add_argument("--hp-exit", action="store_true", help="process all hpargparse actions and quit")
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        return p.format_help()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def test_help_matches_argparse_and_the_seed_option_lines():
    proc = run_main("-h")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == _reference_help()
    lines = proc.stdout.splitlines()
    for line in SEED_HELP_LINES:
        assert line in lines
    # the usage keeps the seed's options in the seed's order
    usage = " ".join(proc.stdout.split("\n\n")[0].split())
    order = [usage.index(o) for o in ("[-h]", "[--weight-decay WEIGHT_DECAY]", "[--hp-save HP_SAVE]",
                                      "[--hp-load HP_LOAD]", "[--hp-list", "[--hp-serial-format", "[--hp-exit]")]
    assert order == sorted(order)
    assert usage.startswith("usage: main.py [-h]")


def test_piped_output_is_plain():
    for args in (("--hp-list",), ("--hp-list", "json"), ("--hp-list", "detail"), ("-h",)):
        out = run_main(*args).stdout
        assert "\x1b" not in out
        assert all(not line.endswith(" ") for line in out.splitlines() if not line.startswith(("|", "+")))


def test_python_W_error_import():
    code = "from hpman.m import _\nimport hpargparse, hpargparse.hputils\nprint(hpargparse.bind.__name__)"
    proc = subprocess.run([sys.executable, "-W", "error", "-c", code], env=subprocess_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "bind\n", "")


@pytest.mark.parametrize("args", [("--weight-decay", "1e-4"), ("--hp-list", "detail"), ("--hp-list", "json")])
def test_session_under_W_error(args):
    proc = subprocess.run([sys.executable, "-W", "error", "main.py"] + list(args), cwd=EXAMPLE_DIR,
                          env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (0, "")
