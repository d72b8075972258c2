"""hpman.mlflow against a real MLflow store (MLflow's default local store in a temporary
working directory), read back through MLflow's own client."""
import json
import os
import re
import subprocess
import sys

import mlflow  # the `mlflow` extra, part of `dev`
import pytest

import hpman
import hpman.mlflow as hpm_mlflow
from hpman import records


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One MLflow default store for the module (creating its database takes seconds): the
    working directory is a fresh folder and no tracking URI is set."""
    folder = tmp_path_factory.mktemp("mlflow-store")
    old_cwd, old_uri = os.getcwd(), os.environ.pop("MLFLOW_TRACKING_URI", None)
    os.chdir(str(folder))
    mlflow.set_tracking_uri(None)
    try:
        yield folder
    finally:
        if mlflow.active_run() is not None:
            mlflow.end_run()
        os.chdir(old_cwd)
        if old_uri is not None:
            os.environ["MLFLOW_TRACKING_URI"] = old_uri


def _long_manager(count=300):
    """`count` hyperparameters: long dotted names (some over 250 characters, some with
    characters MLflow refuses in keys), values of every literal kind, some over 6,000
    characters; a few set as from the command line, a values file and a sweep trial."""
    lines, special = [], {}
    for i in range(count):
        name = "section_{}.{}param_{}".format(i % 7, "very_long_component_name." * (i % 13), i)
        if i % 50 == 3:
            name += ".with:colon+plus[0]"
        kind = i % 6
        if i % 20 == 0:
            value = "x" * (6000 + 37 * i) + "end{}".format(i)
        elif kind == 0:
            value = i
        elif kind == 1:
            value = i / 7.0
        elif kind == 2:
            value = "text {} ".format(i) * (i % 40)
        elif kind == 3:
            value = (i, "a", [1.5, None])
        elif kind == 4:
            value = {"k{}".format(i): [i, i + 1], "flag": True}
        else:
            value = [False, None, i]
        lines.append("_({!r}, {!r})".format(name, value))
        special[i] = name
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("\n".join(lines) + "\n", filename="<generated>")
    mgr.set_values({special[1]: 11}, {special[1]: {"kind": "command-line", "option": "--x"}})
    mgr.set_values({special[2]: 2.5}, {special[2]: {"kind": "values-file", "file": "base.yaml"}})
    mgr.set_values({special[4]: "chosen"}, {special[4]: records.sweep_trial_origin("s", 3)})
    mgr.set_value(special[5], [5])
    return mgr


def test_300_long_params_read_back_through_mlflow_equal_the_record(store, tmp_path):
    mgr = _long_manager()
    assert sum(len(n) > 250 for n in mgr.get_values()) > 50
    assert sum(len(hpm_mlflow.value_text(v)) > 6000 for v in mgr.get_values().values()) == 15
    record = records.write_record(mgr, str(tmp_path / "record"))
    run_id = mlflow.MlflowClient().create_run("0").info.run_id
    keys = hpm_mlflow.log_params(mgr, run_id)
    assert os.path.isfile(str(store / "mlflow.db"))         # MLflow's default local store

    client = mlflow.MlflowClient()
    data = client.get_run(run_id).data
    loaded = records.load(record)
    saved, origins = loaded.values, loaded.origins
    assert len(saved) == len(data.params) == len(keys) == 300
    # within MLflow's limits (MLflow itself also refuses more than 100 params per request)
    assert all(len(k) <= 250 and re.match(r"^[/\w.\- ]+$", k) for k in data.params)
    assert all(len(v) <= 6000 for v in data.params.values())
    assert set(keys.values()) == set(saved)
    for key, name in keys.items():
        full = hpm_mlflow.value_text(saved[name])
        logged = data.params[key]
        if len(full) > 6000:
            assert logged.endswith(hpm_mlflow.MARKER) and full.startswith(logged[:-len(hpm_mlflow.MARKER)])
        else:
            assert logged == full
        assert data.tags[hpm_mlflow.mlflow_key(name, "hpman.origin.")] == records.describe(origins[name])
    # the full names and values come back through the artifact
    assert hpm_mlflow.read_params(run_id) == {name: hpm_mlflow.value_text(v) for name, v in saved.items()}
    kinds = {o["kind"] for o in origins.values()}
    assert kinds == {"default", "command-line", "values-file", "sweep-trial", "set_value"}
    # and the run record itself is an artifact
    local = client.download_artifacts(run_id, "hpman/record/record.json", str(tmp_path / "dl"))
    with open(local) as f:
        assert json.load(f)["origins"] == origins
    assert data.tags["hpman.command"] == records.build_record(mgr)[1]["command"]


def test_logging_again_sends_only_new_params_and_refuses_a_changed_value(store):
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("_('lr', 0.1)\n_('opt', 'adam')\n", filename="<m>")
    with mlflow.start_run() as run:           # the active run is the default
        hpm_mlflow.log_params(mgr)
        mgr.parse_source("_('epochs', 3)\n", filename="<n>")
        hpm_mlflow.log_params(mgr)            # the same values again, one new name: fine
        mgr.set_value("lr", 0.2)
        with pytest.raises(hpm_mlflow.MlflowLoggingError, match="`lr` was logged to run .* as '0.1'"):
            hpm_mlflow.log_params(mgr)
    params = mlflow.MlflowClient().get_run(run.info.run_id).data.params
    assert params == {"lr": "0.1", "opt": "adam", "epochs": "3"}


def test_a_sweep_is_one_parent_run_with_one_nested_run_per_trial(store):
    client = mlflow.MlflowClient()
    parent = hpm_mlflow.start_parent("study-x", experiment="hpman-sweeps")
    mgr = hpman.HyperParameterManager("_")
    mgr.parse_source("_('lr', 0.1)\n_('depth', 2)\n", filename="<m>")
    children = []
    for trial, lr in enumerate([0.01, 0.02, 0.03]):
        mgr.set_values({"lr": lr}, {"lr": records.sweep_trial_origin("study-x", trial)})
        children.append(hpm_mlflow.log_trial(mgr, parent, trial, metrics={"loss": 1 - lr}))
    hpm_mlflow.end_run(parent)
    experiment = client.get_experiment_by_name("hpman-sweeps")
    found = client.search_runs([experiment.experiment_id], "tags.mlflow.parentRunId = '{}'".format(parent))
    assert sorted(r.info.run_id for r in found) == sorted(children)
    by_trial = {r.data.tags["hpman.trial"]: r for r in found}
    assert {t: r.data.params["lr"] for t, r in by_trial.items()} == {"0": "0.01", "1": "0.02", "2": "0.03"}
    assert by_trial["2"].data.tags["hpman.origin.lr"] == "sweep trial 2 of study-x"
    assert by_trial["1"].data.metrics == {"loss": 0.98}
    assert {r.info.status for r in found} == {"FINISHED"}
    assert client.get_run(parent).info.status == "FINISHED"


def test_keys_mlflow_refuses_become_unique_readable_keys():
    long_a, long_b = "a." * 200 + "x", "a." * 200 + "y"
    ka, kb = hpm_mlflow.mlflow_key(long_a), hpm_mlflow.mlflow_key(long_b)
    assert ka != kb and len(ka) <= 250 and ka.startswith("a.a.a.")
    assert hpm_mlflow.mlflow_key("model.lr") == "model.lr"
    for name in ("../up", "/abs", "a//b", "x:y", "", ".", "naïve?"):
        key = hpm_mlflow.mlflow_key(name)
        assert hpm_mlflow._valid_key(key), (name, key)


def test_importing_hpman_mlflow_does_not_import_mlflow_and_says_how_to_install_it():
    code = ("import sys; import hpman.mlflow as m; assert 'mlflow' not in sys.modules; sys.modules['mlflow'] = None\n"
            "try:\n    m.log_params(None)\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=60)
    assert (out.returncode, out.stdout) == (0, "hpman.mlflow needs MLflow: pip install 'hpman[mlflow]'\n"), out.stderr


class _State:
    def __init__(self, name):
        self.name = name


def _trial(root, number, values, state="COMPLETE", value=None, write=True):
    """A sweep trial as the sweep worker's hooks see it (TrialContext / Optuna's FrozenTrial
    fields the hooks read), its program run for real with the environment the hooks set."""
    from types import SimpleNamespace
    ctx = SimpleNamespace(plan=SimpleNamespace(root=str(root)), study="study/1", number=number, values=values,
                          env={}, log_path=None)
    frozen = SimpleNamespace(state=_State(state), value=value)
    records.SweepTrialRecords().trial_started(ctx)
    if write:
        program = ("from hpman.m import _\n_.parse_file(__file__)\nlr = _('lr', 0.1)\ndepth = _('depth', 2)\n"
                   "from hpman import records\n"
                   "_.set_values({}, {{n: records.sweep_trial_origin('study/1', {}) for n in {}}})\n").format(
                       repr(values), number, repr(list(values)))
        (root / "train.py").write_text(program)
        env = dict(os.environ, **ctx.env)
        done = subprocess.run([sys.executable, "train.py"], cwd=str(root), env=env, timeout=60,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        assert done.returncode == 0, done.stderr
    records.SweepTrialRecords().trial_finished(ctx, frozen)
    return ctx, frozen


def test_sweep_hooks_write_a_record_per_trial_and_one_nested_mlflow_run_each(store, tmp_path):
    runs = hpm_mlflow.SweepRuns("study/1", experiment="hpman-sweep-hooks")
    parent = runs.start()
    trials = [_trial(tmp_path, 0, {"lr": 0.01}, value=0.9), _trial(tmp_path, 1, {"lr": 0.02}, "PRUNED"),
              _trial(tmp_path, 2, {"lr": 0.03}, "FAIL", write=False)]
    for ctx, frozen in trials:
        runs.trial_finished(ctx, frozen)
    runs.end(0)
    record = records.load(records.sweep_trial_dir(str(tmp_path), "study/1", 0))
    assert record.values == {"lr": 0.01, "depth": 2}
    assert record.origins["lr"] == {"kind": "sweep-trial", "study": "study/1", "trial": 0}
    assert record.run["sweep"] == {"study": "study/1", "trial": 0, "state": "complete", "value": 0.9, "log": None}
    assert not os.path.exists(records.sweep_trial_dir(str(tmp_path), "study/1", 2))

    client = mlflow.MlflowClient()
    children = client.search_runs([client.get_run(parent).info.experiment_id],
                                  "tags.mlflow.parentRunId = '{}'".format(parent))
    by_trial = {r.data.tags["hpman.trial"]: r for r in children}
    assert sorted(by_trial) == ["0", "1", "2"]
    assert [by_trial[t].info.status for t in "012"] == ["FINISHED", "KILLED", "FAILED"]
    assert by_trial["0"].data.params == {"lr": "0.01", "depth": "2"}
    assert by_trial["0"].data.metrics == {"objective": 0.9}
    assert by_trial["0"].data.tags["hpman.origin.depth"] == "default at train.py:4"
    assert by_trial["2"].data.params == {"lr": "0.03"}        # no record: the values the trial chose
    assert by_trial["2"].data.tags["hpman.origin.lr"] == "sweep trial 2 of study/1"
    # another worker (or a rerun) of the same study finds the same parent run
    assert hpm_mlflow.SweepRuns("study/1", experiment="hpman-sweep-hooks").start() == parent
