"""`hpman sweep` end to end: every trial writes a run record, and `--mlflow` makes one
nested MLflow run per trial under one parent run (a real Optuna study, a real MLflow store)."""
import json
import os
import subprocess
import sys
import textwrap

from hpman import records

PROGRAM = textwrap.dedent("""\
    import hpman
    from hpman.m import _
    _.parse_file(__file__)
    lr = _('lr', 0.1, range=(0.001, 1.0), log=True)
    layers = _('layers', 2, choices=[1, 2, 3])
    width = _('width', 64)
    hpman.report((lr - 0.01) ** 2 + layers)
""")


def _sweep(project, *options):
    env = dict(os.environ, HPMAN_CACHE_DIR=str(project / ".cache"))
    for name in ("HPMAN_VALUES", "HPMAN_RECORD", "HPMAN_REPORT_FD", "MLFLOW_TRACKING_URI"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "hpman", "sweep", ".", "--trials", "3", "--seed", "1",
                           "--pruner", "none", "--study", "s1", *options, "--", sys.executable, "train.py"],
                          cwd=str(project), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=300)


def test_each_trial_writes_a_record_and_mlflow_gets_one_nested_run_per_trial(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text(PROGRAM)
    proc = _sweep(project, "--mlflow")
    assert proc.returncode == 0, proc.stderr

    found = {}
    for trial in range(3):
        record = records.load(records.sweep_trial_dir(str(project), "s1", trial))
        assert set(record.values) == {"lr", "layers", "width"}
        assert record.origins["lr"] == {"kind": "sweep-trial", "study": "s1", "trial": trial}
        assert record.origins["layers"] == {"kind": "sweep-trial", "study": "s1", "trial": trial}
        assert record.origins["width"] == {"kind": "default", "file": "train.py", "line": 6}
        assert record.run["sweep"]["state"] == "complete"
        expected = (record.values["lr"] - 0.01) ** 2 + record.values["layers"]
        assert abs(record.run["sweep"]["value"] - expected) < 1e-12
        found[trial] = record

    import mlflow
    client = mlflow.MlflowClient(tracking_uri="sqlite:///{}".format(project / "mlflow.db"))
    parents = client.search_runs(["0"], "tags.`hpman.sweep` = 's1'")
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    children = client.search_runs(["0"], "tags.mlflow.parentRunId = '{}'".format(parents[0].info.run_id))
    assert sorted(int(r.data.tags["hpman.trial"]) for r in children) == [0, 1, 2]
    for run in children:
        record = found[int(run.data.tags["hpman.trial"])]
        assert run.data.params == {name: repr(value) for name, value in record.values.items()}
        assert run.data.metrics["objective"] == record.run["sweep"]["value"]
        assert run.data.tags["hpman.origin.width"] == "default at train.py:6"
        assert run.info.status == "FINISHED"

    # `hpman diff` between two trials shows the swept names as the trials' own
    proc = subprocess.run([sys.executable, "-m", "hpman", "diff", records.sweep_trial_dir(str(project), "s1", 0),
                           records.sweep_trial_dir(str(project), "s1", 1), "--format", "json"],
                          stdout=subprocess.PIPE, universal_newlines=True, timeout=60)
    diff = json.loads(proc.stdout)["differences"]
    assert {d["name"] for d in diff} <= {"lr", "layers"} and {d["name"] for d in diff} >= {"lr"}
    assert diff[0]["origin_b"]["kind"] == "sweep-trial" and proc.returncode == 1
