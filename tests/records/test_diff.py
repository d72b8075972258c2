"""`hpman diff A B`: values files and run records, a table or JSON, exit 1 when they differ."""
import json

from rec_helpers import hpman, project, run


def _two_runs(tmp_path):
    proj = project(tmp_path)
    (proj / "base.yaml").write_text("optimizer: sgd\n")
    assert run(proj, "train.py", "--hp-load", "base.yaml", "--lr", "0.5", "--hp-record", "a").returncode == 0
    assert run(proj, "train.py", "--model.batch-size", "64", "--hp-record", "b").returncode == 0
    return proj


def test_diff_of_two_records_lists_what_differs_with_origins(tmp_path):
    proj = _two_runs(tmp_path)
    proc = hpman(proj, "diff", "a", "b")
    assert (proc.returncode, proc.stderr) == (1, "")
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["name", "A", "B", "origin", "in", "A", "origin", "in", "B"]
    rows = [line.split(None, 3) for line in lines[2:-1]]
    assert [r[:3] for r in rows] == [["lr", "0.5", "0.1"], ["model.batch_size", "32", "64"],
                                     ["optimizer", "'sgd'", "'adam'"]]
    assert " ".join(lines[2].split()[3:]) == "command line --lr default at train.py:6"
    assert " ".join(lines[3].split()[3:]) == "default at train.py:7 command line --model.batch-size"
    assert " ".join(lines[4].split()[3:]) == "values file base.yaml default at train.py:8"
    assert lines[-1] == "3 names differ (A = a, B = b)"
    # the same record through its record.json, and against itself
    proc = hpman(proj, "diff", "a/record.json", "a")
    assert (proc.returncode, proc.stdout) == (0, "no differences (4 names)\n")


def test_diff_as_json(tmp_path):
    proj = _two_runs(tmp_path)
    proc = hpman(proj, "diff", "a", "b", "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["equal"] is False and (data["a"], data["b"]) == ("a", "b")
    assert data["differences"][0] == {
        "name": "lr", "a": 0.5, "b": 0.1, "in_a": True, "in_b": True,
        "origin_a": {"kind": "command-line", "option": "--lr"},
        "origin_b": {"kind": "default", "file": "train.py", "line": 6}}
    assert [d["name"] for d in data["differences"]] == ["lr", "model.batch_size", "optimizer"]


def test_diff_of_two_values_files_nested_flat_and_one_sided(tmp_path):
    (tmp_path / "a.yaml").write_text("lr: 0.1\nmodel:\n  depth: 50\n  act: relu\nshape: !!python/tuple [1, 2]\n")
    (tmp_path / "b.json").write_text(json.dumps({"lr": 0.1, "model.depth": 101, "shape": {"__tuple__": [1, 2]},
                                                 "seed": 3}))
    proc = hpman(tmp_path, "diff", "a.yaml", "b.json", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    diff = {d["name"]: d for d in json.loads(proc.stdout)["differences"]}
    assert sorted(diff) == ["model.act", "model.depth", "seed"]
    assert (diff["model.act"]["in_b"], diff["model.act"]["b"], diff["seed"]["in_a"]) == (False, None, False)
    assert diff["model.depth"]["origin_a"] is None        # a values file has no origins
    text = hpman(tmp_path, "diff", "a.yaml", "b.json").stdout
    assert "(absent)" in text and "seed" in text
    # a type change is a difference even when the values compare equal
    (tmp_path / "c.yaml").write_text("lr: 1\n")
    (tmp_path / "d.yaml").write_text("lr: 1.0\n")
    assert hpman(tmp_path, "diff", "c.yaml", "d.yaml").returncode == 1
    (tmp_path / "e.yaml").write_text("{lr: 1}\n")
    assert hpman(tmp_path, "diff", "c.yaml", "e.yaml").returncode == 0


def test_diff_errors_are_one_line_naming_the_file(tmp_path):
    (tmp_path / "ok.yaml").write_text("lr: 1\n")
    (tmp_path / "bad.yaml").write_text("lr: [1\n")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    (tmp_path / "code.yaml").write_text("x: !!python/object/apply:os.system [echo hi]\n")
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "record.json").write_text('{"not": "a record"}')
    for other in ("missing.yaml", "bad.yaml", "list.yaml", "code.yaml", "empty_dir", "fake"):
        proc = hpman(tmp_path, "diff", "ok.yaml", other)
        assert proc.returncode == 2, (other, proc.stdout, proc.stderr)
        assert proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1 and other in proc.stderr, proc.stderr
        assert proc.stderr.startswith("hpman: error: ")
    assert hpman(tmp_path, "diff", "ok.yaml").returncode == 2   # usage
