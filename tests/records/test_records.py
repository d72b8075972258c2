"""Run records: the values a run used, each value's origin, and the run (commit, command, time)."""
import datetime
import os

import pytest
from rec_helpers import TRAIN, git, project, record_json, run

import hpman
from hpman import records
from hpman.values_io import read_values


def test_a_record_gives_each_value_its_origin(tmp_path):
    proj = project(tmp_path)
    (proj / "base.yaml").write_text("optimizer: sgd\nmodel:\n  batch_size: 64\n")
    proc = run(proj, "train.py", "--hp-load", "base.yaml", "--lr", "0.5", "--model.batch-size", "128",
               "--hp-record", "runs/a")
    assert (proc.returncode, proc.stderr) == (0, "")
    data = record_json(proj / "runs" / "a")
    assert data["origins"] == {
        "lr": {"kind": "command-line", "option": "--lr"},
        # the command line wins over the values file, and says so
        "model.batch_size": {"kind": "command-line", "option": "--model.batch-size"},
        "optimizer": {"kind": "values-file", "file": "base.yaml"},
        "shape": {"kind": "default", "file": "train.py", "line": 9},
    }
    assert read_values(str(proj / "runs" / "a" / "values.yaml")) == {
        "lr": 0.5, "model.batch_size": 128, "optimizer": "sgd", "shape": (1, 2)}


def test_the_record_names_the_commit_the_command_and_the_start(tmp_path):
    proj = project(tmp_path)
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    proc = run(proj, "train.py", "--lr", "0.2", "--hp-record", "clean")
    assert proc.returncode == 0, proc.stderr
    data = record_json(proj / "clean")
    head = git(proj, "rev-parse", "HEAD").strip()
    assert data["git"] == {"commit": head, "dirty": False}
    assert data["argv"] == ["train.py", "--lr", "0.2", "--hp-record", "clean"]
    assert data["command"] == "train.py --lr 0.2 --hp-record clean"
    assert data["cwd"] == str(proj)
    started = datetime.datetime.fromisoformat(data["started"])
    assert before <= started <= datetime.datetime.now(datetime.timezone.utc)
    assert data["format"] == "hpman-run-record" and data["values_file"] == "values.yaml"

    # an edited tracked file makes the tree dirty; an untracked output does not
    (proj / "train.py").write_text((proj / "train.py").read_text() + "# edited\n")
    assert run(proj, "train.py", "--hp-record", "dirty").returncode == 0
    assert record_json(proj / "dirty")["git"] == {"commit": head, "dirty": True}
    git(proj, "checkout", "train.py")
    (proj / "notes.txt").write_text("untracked\n")
    assert run(proj, "train.py", "--hp-record", "untracked").returncode == 0
    assert record_json(proj / "untracked")["git"]["dirty"] is False


def test_outside_git_the_record_has_no_commit(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN)
    proc = run(tmp_path, "train.py", "--hp-record", "r", env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert proc.returncode == 0, proc.stderr
    assert record_json(tmp_path / "r")["git"] is None


def test_the_environment_variable_records_a_program_without_hpargparse(tmp_path):
    proj = project(tmp_path, source=(
        "from hpman.m import _\n"
        "_.parse_file(__file__)\n"
        "lr = _('lr', 0.1)\n"
        "epochs = _('epochs', 3)\n"
        "_.set_value('lr', 0.3)\n"), name="plain.py")
    proc = run(proj, "plain.py", env={"HPMAN_RECORD": "rec"})
    assert (proc.returncode, proc.stderr) == (0, "")
    data = record_json(proj / "rec")
    assert data["origins"] == {"lr": {"kind": "set_value"},
                               "epochs": {"kind": "default", "file": "plain.py", "line": 4}}
    assert read_values(str(proj / "rec" / "values.yaml")) == {"lr": 0.3, "epochs": 3}
    assert data["argv"] == ["plain.py"]
    # without the variable nothing is written
    assert run(proj, "plain.py").returncode == 0
    assert sorted(os.listdir(str(proj))) == [".git", "plain.py", "rec"]


def test_an_unwritable_record_directory_is_a_one_line_usage_error(tmp_path):
    proj = project(tmp_path)
    (proj / "taken").write_text("a file, not a directory\n")
    proc = run(proj, "train.py", "--hp-record", "taken")
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert "taken" in last and "Traceback" not in proc.stderr


def test_origins_of_set_value_sweep_trial_and_unparsed_calls():
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("_('a', 1)\n_('b', 2)\n_('c', 3)\n", filename="<cell>")
    mgr("d", 4)                                   # a call in code that was never parsed
    mgr.set_value("b", 20)
    mgr.set_values({"c": 30}, {"c": records.sweep_trial_origin("study-1", 7)})
    assert records.origins_of(mgr) == {
        "a": {"kind": "default", "file": "<cell>", "line": 1},
        "b": {"kind": "set_value"},
        "c": {"kind": "sweep-trial", "study": "study-1", "trial": 7},
        "d": {"kind": "call"},
    }
    assert [records.describe(o) for o in records.origins_of(mgr).values()] == [
        "default at <cell>:1", "set_value", "sweep trial 7 of study-1", "value given to the call"]


def test_a_failed_set_values_leaves_the_origins_as_they_were():
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("_('a.b', 1)\n_('x', 2)\n", filename="<m>")
    mgr.set_values({"x": 5}, {"x": {"kind": "command-line", "option": "--x"}})
    with pytest.raises(hpman.ImpossibleTree):
        mgr.set_values({"x": 6, "a": 1})   # `a` is a tree: nothing changes
    assert mgr.get_value("x") == 5
    assert mgr.setter_origin("x") == {"kind": "command-line", "option": "--x"}


def test_a_record_is_a_values_file_for_hp_load(tmp_path):
    proj = project(tmp_path)
    assert run(proj, "train.py", "--lr", "0.7", "--optimizer", "sgd", "--hp-record", "r").returncode == 0
    proc = run(proj, "train.py", "--hp-load", "r/values.yaml", "--hp-record", "again")
    assert proc.returncode == 0, proc.stderr
    assert read_values(str(proj / "again" / "values.yaml")) == read_values(str(proj / "r" / "values.yaml"))
    assert record_json(proj / "again")["origins"]["lr"] == {"kind": "values-file", "file": "r/values.yaml"}


def test_write_record_skips_values_that_are_not_literals_and_keeps_dict_values_whole(tmp_path):
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("_('fn', print)\n_('n', 1)\n_('opt', {'k': 1, 'm': [2]})\n", filename="<m>")
    mgr.set_value("fn", object())
    out = records.write_record(mgr, str(tmp_path / "r"), argv=["x"])
    # a dict value stays one value (not the names opt.k and opt.m) when the record is read
    assert records.load(out).values == {"n": 1, "opt": {"k": 1, "m": [2]}}
    assert record_json(out)["not_saved"] == ["fn"]
    assert sorted(os.listdir(out)) == ["record.json", "values.yaml"]   # no temporary files left
