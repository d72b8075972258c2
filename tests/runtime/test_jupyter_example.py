"""examples/06-jupyter: the notebook is valid nbformat 4 with no outputs, runs cell by cell
in IPython's InteractiveShell, and its static view (parse_file, the index) finds the cells."""
import json
import os
import shutil
import sys

import pytest

import hpman
from hpman.display import location as notebook_location
from hpman.index import problems as P
from hpman.index.workspace import Workspace

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "06-jupyter")
NOTEBOOK = os.path.join(EXAMPLE, "experiment.ipynb")


def load():
    with open(NOTEBOOK, encoding="utf-8") as f:
        return json.load(f)


def test_notebook_is_nbformat_4_without_outputs():
    nb = load()
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 5
    assert nb["metadata"]["kernelspec"]["language"] == "python"
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == len(ids)
    for cell in nb["cells"]:
        assert cell["cell_type"] in ("code", "markdown") and isinstance(cell["source"], list)
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.fixture
def shell(tmp_path, monkeypatch):
    pytest.importorskip("IPython")   # the static tests below run without IPython
    from IPython.core.interactiveshell import InteractiveShell
    work = tmp_path / "06-jupyter"
    shutil.copytree(EXAMPLE, str(work))
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    vars(hpman.m).pop("hp", None)
    sys.modules.pop("model", None)
    sh = InteractiveShell.instance()
    sh.reset(new_session=True)
    hpman.unload_ipython_extension(sh)
    sh.extension_manager.loaded.discard("hpman")
    yield sh
    hpman.unload_ipython_extension(sh)
    sh.extension_manager.loaded.discard("hpman")
    vars(hpman.m).pop("hp", None)
    sys.modules.pop("model", None)


def test_notebook_runs_cell_by_cell(shell, capfd):
    for cell in load()["cells"]:
        if cell["cell_type"] == "code":
            result = shell.run_cell("".join(cell["source"]), store_history=True)
            assert result.success, (cell["source"], result.error_in_exec or result.error_before_exec)
    hp = shell.user_ns["hp"]
    assert hp.get_values() == {"lr": 3e-4, "model.layers": 6, "model.activation": "relu", "batch_size": 64}
    assert shell.user_ns["config"] == {"lr": 3e-4, "layers": 6, "activation": "relu"}
    out = capfd.readouterr().out
    assert "hp\n├── batch_size = 64\n├── lr = 0.0003\n└── model\n" in out
    assert "hpman: saved 4 values to run.yaml" in out
    assert "default: 0.001 at model.py:7" in out       # %hpman show lr
    assert open("run.yaml").read().startswith("batch_size: 64\n")


def test_notebook_static_view(tmp_path):
    ws = Workspace([EXAMPLE], cache=False)
    ws.scan()
    assert P.all_problems(ws) == []
    occs = ws.occurrences_of(("hp", "batch_size"))
    assert [os.path.basename(o.path) for o in occs] == ["experiment.ipynb"]
    mgr = hpman.HyperParameterManager("hp").parse_file([os.path.join(EXAMPLE, "model.py"), NOTEBOOK])
    row = [r for r in mgr.db if r.name == "batch_size"][0]
    assert notebook_location(row).endswith("experiment.ipynb:cell 5:4")
