"""Binding at any point of a program's life: after `_()`/`set_value`, on subparsers,
parsing more than once, the one-call `parse_args`, and the 0.14 module surface."""
import argparse
import subprocess
import sys

import pytest
from hpa_helpers import hpm, make_mgr, new_parser, run, subprocess_env, write  # noqa: F401  (fixtures)

import hpargparse
import hpman
from hpargparse import hputils


def test_bind_after_runtime_calls_and_set_value(make_mgr, run):
    mgr = make_mgr("from hpman.m import _\n_('lr', 0.1)\n_('wd')\n")
    mgr("lr", 0.2)            # runtime value over the parsed default
    mgr("runtime_only", [1], help="made at runtime")
    mgr.set_value("wd", 5e-4)  # setter value for a name without default
    p = new_parser()
    hpargparse.bind(p, mgr)
    assert "made at runtime" in p.format_help()
    r = run(p, [])
    assert (r.ns.lr, r.ns.runtime_only, r.ns.wd) == (0.2, [1], 5e-4)
    r = run(p, ["--lr", "0.3", "--runtime-only", "[2]", "--wd", "1e-3"])
    assert (mgr.get_value("lr"), mgr.get_value("runtime_only"), mgr.get_value("wd")) == (0.3, [2], 1e-3)
    # a later runtime `_()` no longer changes the value the command line set
    assert mgr("lr", 0.9) == 0.3


def test_parse_twice_each_parse_reflects_its_command_line(make_mgr, run, tmp_path):
    mgr = make_mgr("from hpman.m import _\n_('lr', 0.1)\n_('n', 1)\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    r1 = run(p, ["--lr", "0.5"])
    assert r1.ns.lr == 0.5 and mgr.get_value("lr") == 0.5
    r2 = run(p, ["--n", "2"])
    assert (r2.ns.lr, r2.ns.n) == (0.1, 2)
    assert (mgr.get_value("lr"), mgr.get_value("n")) == (0.1, 2)
    path = write(tmp_path, "v.yaml", "lr: 0.7\n")
    r3 = run(p, ["--hp-load", path])
    assert (r3.ns.lr, r3.ns.n) == (0.7, 1)
    r4 = run(p, [])
    assert (r4.ns.lr, r4.ns.n) == (0.1, 1)
    assert mgr.get_values() == {"lr": 0.1, "n": 1}


def test_program_changes_between_parses_are_kept(make_mgr, run):
    mgr = make_mgr("from hpman.m import _\n_('lr', 0.1)\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    run(p, ["--lr", "0.5"])
    mgr.set_value("lr", 0.25)  # the program's own decision
    r = run(p, [])
    assert r.ns.lr == 0.25 and mgr.get_value("lr") == 0.25


def test_parse_known_args_and_user_namespace(make_mgr):
    mgr = make_mgr("from hpman.m import _\n_('lr', 0.1)\n_('n', 1)\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    ns, extras = p.parse_known_args(["--lr", "0.5", "--unknown", "x"])
    assert ns.lr == 0.5 and extras == ["--unknown", "x"]
    ns = p.parse_args([], namespace=argparse.Namespace(n=7))
    assert ns.n == 7 and mgr.get_value("n") == 7


def test_bind_on_subparsers(tmp_path, run):
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("_('lr', 0.1)\n_('model.depth', 18)\n")
    top = new_parser()
    top.add_argument("--verbose", action="store_true")
    subs = top.add_subparsers(dest="cmd")
    train = subs.add_parser("train")
    hpargparse.bind(train, mgr)
    subs.add_parser("eval")
    r = run(top, ["--verbose", "train", "--lr", "0.01", "--model.depth", "50"])
    assert r.code is None, r.err
    assert (r.ns.verbose, r.ns.cmd, r.ns.lr, getattr(r.ns, "model.depth")) == (True, "train", 0.01, 50)
    assert mgr.get_value("lr") == 0.01
    r = run(top, ["train", "--hp-list"])
    assert r.code == 0 and "lr: 0.1" in r.out.splitlines()
    path = write(tmp_path, "v.yaml", "model: {depth: 34}\n")
    r = run(top, ["train", "--hp-load", path])
    assert getattr(r.ns, "model.depth") == 34
    r = run(top, ["train", "--lr", "nope"])
    assert r.code == 2 and "prog train: error: argument --lr:" in r.err
    r = run(top, ["eval"])
    assert r.code is None and r.ns.cmd == "eval"


def test_two_managers_on_one_parser(run):
    a = hpman.HyperParameterManager("a")
    a.parse_source("a('x', 1)")
    b = hpman.HyperParameterManager("b")
    b.parse_source("b('y', 'q')")
    p = new_parser()
    hpargparse.bind(p, a)
    hpargparse.bind(p, b, action_prefix="hpb")
    r = run(p, ["--x", "2", "--y", "z"])
    assert (r.ns.x, r.ns.y, a.get_value("x"), b.get_value("y")) == (2, "z", 2, "z")
    r = run(p, ["--hpb-list", "json"])
    assert r.code == 0 and '"y": "q"' in r.out


def test_parse_args_convenience(tmp_path, run):
    src = write(tmp_path, "src/model.py", "from hpman.m import _\ndepth = _('depth', 18)\n")
    write(tmp_path, "src/train.py", "from hpman.m import _\nlr = _('lr', 0.1, help='learning rate')\n")
    mgr = hpman.HyperParameterManager("_")
    args = hpargparse.parse_args(mgr, str(tmp_path / "src"), argv=["--depth", "50"])
    assert (args.depth, args.lr) == (50, 0.1)
    assert mgr.get_value("depth") == 50
    # with a parser of one's own and bind options
    mgr2 = hpman.HyperParameterManager("_")
    parser = argparse.ArgumentParser(prog="x")
    parser.add_argument("--extra", default=1, type=int)
    args = hpargparse.parse_args(mgr2, [src], argv=["--extra", "2"],
                                 parser=parser, action_prefix="cfg")
    assert (args.extra, args.depth) == (2, 18)
    assert "--cfg-list" in parser._option_string_actions
    # sources=None: bind what the manager already knows
    mgr3 = hpman.HyperParameterManager("_")
    mgr3("k", 3)
    assert hpargparse.parse_args(mgr3, argv=["--k", "4"]).k == 4


def test_parse_args_reads_sys_argv(tmp_path):
    prog = write(tmp_path, "prog.py", '''
        import hpargparse
        from hpman.m import _

        def main():
            args = hpargparse.parse_args(_, __file__)
            print(_("batch_size", 32), args.batch_size)

        main()
    ''')
    proc = subprocess.run([sys.executable, prog, "--batch-size", "64"], env=subprocess_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "64 64\n", "")


def test_hputils_surface(make_mgr, tmp_path, capsys):
    mgr = make_mgr("from hpman.m import _\n_('lr', 0.1)\n_('t', (1, 2))\n")
    assert hputils.StringAsDefault is hpargparse.StringAsDefault
    assert isinstance(hputils.StringAsDefault("x"), str)
    assert hputils.str2bool("Yes") is True and hputils.str2bool("0") is False
    with pytest.raises(argparse.ArgumentTypeError):
        hputils.str2bool("perhaps")
    path = str(tmp_path / "v.yaml")
    hputils.hp_save(path, mgr, "auto")
    mgr.set_value("lr", 0.9)
    hputils.hp_load(path, mgr, "auto")
    assert mgr.get_values() == {"lr": 0.1, "t": (1, 2)}
    hputils.hp_list(mgr)
    assert capsys.readouterr().out.startswith("All hyperparameters:\n    ['lr', 't']\nDetails:\n+")
    assert hputils.parse_action_list(True)[:4] == ["save", "load", "list", "detail"]
    assert hputils.parse_action_list(False) == []
    assert hpargparse.config.HP_SERIAL_FORMAT_CHOICES == ["auto", "yaml", "json", "pickle"]


def test_module_manager_end_to_end(tmp_path):
    """`from hpman.m import _` in two modules, bound once, the values reach the library code."""
    write(tmp_path, "lib.py", "from hpman.m import _\n\ndef add():\n    return _('a', 0) + _('b', 0)\n")
    main = write(tmp_path, "main.py", '''
        import os, argparse
        import hpargparse
        from hpman.m import _
        import lib

        parser = argparse.ArgumentParser()
        _.parse_file(os.path.dirname(os.path.abspath(__file__)))
        hpargparse.bind(parser, _)
        parser.parse_args()
        print(lib.add())
    ''')
    proc = subprocess.run([sys.executable, main, "--a", "2", "--b", "3"], cwd=str(tmp_path), env=subprocess_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "5\n", "")
    proc = subprocess.run([sys.executable, main, "--hp-list", "detail"], cwd=str(tmp_path), env=subprocess_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert proc.returncode == 0 and "./lib.py:4" in proc.stdout


def test_parse_intermixed_args(run):
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("_('lr', 0.1)\n_('n', 2)\n")
    p = new_parser()
    p.add_argument("files", nargs="*")
    hpargparse.bind(p, mgr)
    ns = p.parse_intermixed_args(["a", "--lr", "0.5", "b"])
    assert (ns.files, ns.lr, ns.n) == (["a", "b"], 0.5, 2)
    assert mgr.get_values() == {"lr": 0.5, "n": 2}
    ns = p.parse_intermixed_args(["c"])
    assert (ns.files, ns.lr) == (["c"], 0.1)
    assert mgr.get_values() == {"lr": 0.1, "n": 2}


def test_docs_examples_of_values_files_agree(tmp_path, run):
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("_('model.depth', 18)\n_('model.act', 'gelu')\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    for text in ("model.depth: 50\nmodel.act: relu\n", "model:\n  depth: 50\n  act: relu\n",
                 "model:\n  depth: 50\nmodel.act: relu\n"):
        r = run(p, ["--hp-load", write(tmp_path, "v.yaml", text)])
        assert r.code is None, r.err
        assert mgr.get_values() == {"model.depth": 50, "model.act": "relu"}
