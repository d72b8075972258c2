"""The search space from the hints in code (statically), and `hpman check` on those hints."""
import json
import os
import re

import pytest
from sweep_helpers import REPO, hpman, write

from hpman.index.queries import search_space, space_text
from hpman.index.space import CATEGORICAL, FLOAT, INT, dimension_of, hint_problems
from hpman.index.workspace import Workspace
from hpman.primitives import EmptyValue

SWEEP_CODES = ["bad-range", "empty-range", "out-of-range", "bad-log", "bad-step"]


def memory_ws(files):
    ws = Workspace([], cache=False)
    for path, text in files.items():
        ws.set_text(path, text)
    return ws


def codes(hints, default):
    return [code for code, _hint, _msg in hint_problems(hints, default)]


def test_dimensions_follow_the_hints_and_the_default_type():
    lr = dimension_of("lr", {"range": (1e-5, 1e-1), "log": True}, 1e-3)
    assert (lr.kind, lr.low, lr.high, lr.log, lr.step) == (FLOAT, 1e-5, 1e-1, True, None)
    depth = dimension_of("model.depth", {"range": (2, 12)}, 4)
    assert (depth.kind, depth.low, depth.high) == (INT, 2, 12)
    wide = dimension_of("w", {"range": (0, 10)}, 2.5)      # a float default: a float range, int bounds fine
    assert wide.kind == FLOAT
    stepped = dimension_of("bs", {"range": (16, 256), "step": 16}, 64)
    assert (stepped.kind, stepped.step) == (INT, 16)
    opt = dimension_of("optimizer", {"choices": ["adam", "sgd"]}, "adam")
    assert (opt.kind, opt.choices) == (CATEGORICAL, ["adam", "sgd"])
    assert dimension_of("plain", {"help": "no space here"}, 1) is None
    assert dimension_of("broken", {"range": (5, 1)}, 3) is None   # broken hints describe no dimension


@pytest.mark.parametrize("hints, default, expected", [
    ({"range": 3}, 1, ["bad-range"]),
    ({"range": (1, 2, 3)}, 1, ["bad-range"]),
    ({"range": ("a", "b")}, 1, ["bad-range"]),
    ({"range": (True, 3)}, 1, ["bad-range"]),
    ({"range": (0.5, 3)}, 1, ["bad-range"]),                 # int default, float bounds
    ({"range": (0, 3)}, "text", ["bad-range"]),
    ({"range": (3, 3)}, 3, ["empty-range"]),
    ({"range": (5, 1)}, 3, ["empty-range"]),
    ({"range": (0, 1)}, 2, ["out-of-range"]),
    ({"range": (0.0, 1.0), "log": True}, 0.5, ["bad-log"]),
    ({"range": (-1.0, 1.0), "log": True}, 0.5, ["bad-log"]),
    ({"range": (0.1, 1.0), "log": "yes"}, 0.5, ["bad-log"]),
    ({"range": (1, 10), "step": 0}, 2, ["bad-step"]),
    ({"range": (1, 10), "step": 0.5}, 2, ["bad-step"]),
    ({"range": (0.1, 1.0), "step": 0.1, "log": True}, 0.5, ["bad-step"]),
    ({"range": (1e-5, 1e-1), "log": True}, 1e-3, []),
    ({"range": (0, 10)}, EmptyValue(), []),                  # no default here: nothing to compare
    ({"log": True}, 1, []),                                  # free-form hints without a range: not ours
])
def test_hint_problems(hints, default, expected):
    assert codes(hints, default) == expected


def test_search_space_from_the_index():
    ws = memory_ws({"/w/train.py": (
        "from hpman.m import _\n"
        "lr = _('lr', 1e-3, range=(1e-5, 1e-1), log=True)\n"
        "depth = _('model.depth', 4, range=(2, 12))\n"
        "opt = _('optimizer', 'adam', choices=['adam', 'sgd'])\n"
        "epochs = _('epochs', 3)\n")})
    space = {d.name: d.as_dict() for d in search_space(ws, "_")}
    assert space == {
        "lr": {"name": "lr", "kind": "float", "low": 1e-5, "high": 1e-1, "log": True, "step": None},
        "model.depth": {"name": "model.depth", "kind": "int", "low": 2, "high": 12, "log": False, "step": None},
        "optimizer": {"name": "optimizer", "kind": "categorical", "choices": ["adam", "sgd"]},
    }
    assert space_text(ws, ("_", "lr")) == "Sweep: float in [1e-05, 0.1], log scale"
    assert space_text(ws, ("_", "optimizer")) == "Sweep: one of 'adam', 'sgd'"
    assert space_text(ws, ("_", "epochs")) is None


def test_hints_on_a_use_count_for_the_name():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('x', 2)\n", "/w/b.py": "from hpman.m import _\n_('x', range=(0, 9))\n"})
    (dim,) = search_space(ws, "_")
    assert (dim.name, dim.kind, dim.low, dim.high) == ("x", INT, 0, 9)


def test_every_sweep_code_is_in_the_readme_table_and_found_by_check(tmp_path):
    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    table = set(re.findall(r"^\| `([a-z-]+)` \|", readme, re.M))
    assert set(SWEEP_CODES) <= table
    src = write(tmp_path / "proj", "train.py", """\
        from hpman.m import _
        a = _('a', 1, range=(1, 2, 3))
        b = _('b', 3, range=(5, 1))
        c = _('c', 20, range=(0, 10))
        d = _('d', 0.5,
              range=(0.0, 1.0), log=True)
        e = _('e', 2, range=(1, 10), step=0)
        ok = _('ok', 1e-3, range=(1e-5, 1e-1), log=True)
        """)
    r = hpman(tmp_path, "check", str(tmp_path / "proj"), "--format", "json")
    assert r.returncode == 1, r.stdout + r.stderr
    found = {p["code"]: p for p in json.loads(r.stdout)}
    assert sorted(found) == sorted(SWEEP_CODES)
    assert found["out-of-range"]["severity"] == "warning"
    assert all(found[c]["severity"] == "error" for c in SWEEP_CODES if c != "out-of-range")
    # the problem sits on the hint's keyword (the default for out-of-range), on its own line if need be
    lines = open(src, encoding="utf-8").read().split("\n")
    assert (found["bad-log"]["line"], found["bad-log"]["column"]) == (6, lines[5].index("log") + 1)
    assert found["bad-range"]["column"] == lines[1].index("range") + 1
    assert found["out-of-range"]["column"] == lines[3].index("20") + 1
    assert "`c`: the default 20 is outside its range (0, 10)" == found["out-of-range"]["message"]
    text = hpman(tmp_path, "check", str(tmp_path / "proj")).stdout
    assert "train.py:3:15: error empty-range `b`: `range` (5, 1) is empty" in text
