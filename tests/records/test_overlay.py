"""The index's values overlay and `hpman list --values` accept a run record."""
import json

from rec_helpers import hpman, project, run

from hpman.index import queries
from hpman.index.workspace import Workspace


def test_the_overlay_reads_a_record_by_directory_or_record_json(tmp_path):
    proj = project(tmp_path)
    assert run(proj, "train.py", "--lr", "0.5", "--hp-record", "runs/a").returncode == 0
    for setting in ("runs/a", "runs/a/record.json", "runs/a/values.yaml"):
        ws = Workspace([str(proj)], cache=False)
        ws.scan()
        ws.set_values_file(str(proj / setting))
        assert ws.values_file.path == str(proj / "runs" / "a" / "values.yaml")
        assert queries.effective_value(ws, ("_", "lr")) == (0.5, "values file")
        assert queries.value_origin(ws, ("_", "lr")) == "command line --lr"
        assert queries.value_origin(ws, ("_", "optimizer")) == "default at train.py:8"
    # a plain values file has values but no origins
    (proj / "plain.yaml").write_text("lr: 0.3\n")
    ws.set_values_file(str(proj / "plain.yaml"))
    assert queries.effective_value(ws, ("_", "lr")) == (0.3, "values file")
    assert ws.values_file.record is None and queries.value_origin(ws, ("_", "lr")) is None


def test_hpman_list_with_a_record_as_the_values(tmp_path):
    proj = project(tmp_path)
    assert run(proj, "train.py", "--optimizer", "sgd", "--hp-record", "r").returncode == 0
    proc = hpman(proj, "list", "--values", "r", "--format", "json", ".")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["optimizer"] == "sgd"
    empty = proj / "empty"
    empty.mkdir()
    proc = hpman(proj, "list", "--values", "empty", ".")
    assert proc.returncode == 2 and "empty" in proc.stderr and len(proc.stderr.splitlines()) == 1
