"""`hpman.valuesFile` set to a run record (issue 17): hovers and the sidebar show that run's
values, where each came from in the run, and the defaults beside them."""
import json

from test_tree import get_tree, walk


def _record(root, directory="runs/a"):
    """A run record as `--hp-record runs/a` writes it (values.yaml + record.json)."""
    run = root / directory
    run.mkdir(parents=True)
    (run / "values.yaml").write_text("lr: 0.5\nmodel.depth: 16\noptimizer: sgd\n")
    (run / "record.json").write_text(json.dumps({
        "format": "hpman-run-record", "version": 1, "values_file": "values.yaml",
        "started": "2026-12-01T10:00:00+00:00", "argv": ["train.py", "--lr", "0.5"], "git": None,
        "origins": {"lr": {"kind": "command-line", "option": "--lr"},
                    "model.depth": {"kind": "values-file", "file": "base.yaml"},
                    "optimizer": {"kind": "sweep-trial", "study": "s", "trial": 4}}}))
    return run


async def test_a_run_record_as_the_values_file_shows_its_values_and_origins(start, workspace):
    _record(workspace)
    s = await start(settings={"valuesFile": "runs/a"})
    text = (await s.hover("model.py", s.pos("model.py", "'lr'", 1))).contents.value
    assert "`0.5` (float) in the run record `runs/a` (command line --lr)" in text
    assert "Default in code: `0.1`" in text
    depth = (await s.hover("model.py", s.pos("model.py", "'model.depth'", 1))).contents.value
    assert "`16` (int) in the run record `runs/a` (values file base.yaml)" in depth
    width = (await s.hover("model.py", s.pos("model.py", "'model.width'", 1))).contents.value
    assert "`256` (int)" in width and "run record" not in width      # not in the record: the default

    nodes = {n["name"]: n for m in (await get_tree(s))["managers"] if m["name"] == "_" for n in walk(m["nodes"])}
    assert (nodes["lr"]["value"], nodes["lr"]["origin"], nodes["lr"]["defaultValue"]) == (
        "0.5", "command line --lr", "0.1")
    assert (nodes["optimizer"]["value"], nodes["optimizer"]["origin"]) == ("'sgd'", "sweep trial 4 of s")
    assert (nodes["model.width"]["value"], nodes["model.width"]["origin"]) == ("256", None)


async def test_the_record_json_of_a_run_record_works_too(start, workspace):
    _record(workspace, "runs/b")
    s = await start(settings={"valuesFile": "runs/b/record.json"})
    text = (await s.hover("model.py", s.pos("model.py", "'lr'", 1))).contents.value
    assert "`0.5` (float) in the run record `runs/b` (command line --lr)" in text
