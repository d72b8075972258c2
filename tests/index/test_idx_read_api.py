"""The index's read methods: what problems, queries, the runtime and the language server ask of
a Workspace (its tables are private), and what it tells the state other modules keep of it."""
import os

import pytest
from idx_helpers import memory_ws, scan, write

from hpman.index import problems as P

A = ("from hpman.m import _\n"
     "_('optim.lr', 0.1)\n"
     "_('optim.momentum')\n"
     "_('depth', 3)\n"
     "_('depth')\n")
B = ("from hpman.m import _, cfg\n"
     "_('optim.lr')\n"
     "_('single')\n"
     "cfg('other', 1)\n")


@pytest.fixture
def ws():
    return memory_ws({"/w/a.py": A, "/w/sub/b.py": B, "/w/subway.py": "import os\n"})


def test_files_are_found_by_any_spelling_of_their_path(ws):
    assert ws.paths() == ["/w/a.py", "/w/sub/b.py", "/w/subway.py"]
    assert ws.is_indexed("/w/./sub/../a.py") and not ws.is_indexed("/w/missing.py")
    facts = ws.facts_of("/w/sub//b.py")
    assert facts is not None and [o.name for o in facts.occurrences] == ["optim.lr", "single", "other"]
    assert ws.facts_of("/w/missing.py") is None and ws.file_issues("/w/missing.py") == []


def test_paths_under_a_folder_leave_out_its_namesakes(ws):
    assert ws.paths_under("/w/sub") == ["/w/sub/b.py"]
    assert ws.paths_under("/w/sub/") == ["/w/sub/b.py"]
    assert ws.paths_under("/w") == ws.paths()
    assert ws.paths_under("/elsewhere") == []


def test_name_questions(ws):
    assert ws.keys() == [("_", "depth"), ("_", "optim.lr"), ("_", "optim.momentum"), ("_", "single"),
                         ("cfg", "other")]
    assert ws.managers() == ["_", "cfg"]
    assert ws.has_name(("_", "single")) and not ws.has_name(("cfg", "single"))
    assert ws.has_default(("_", "depth")) and not ws.has_default(("_", "optim.momentum"))
    # a tree is a proper prefix of another name of the same manager
    assert ws.is_prefix(("_", "optim")) and not ws.is_prefix(("_", "optim.lr"))
    assert not ws.is_prefix(("cfg", "optim"))
    assert ws.names_below("_", "optim") == ["optim.lr", "optim.momentum"]
    assert ws.names_with_defaults("_") == ["depth", "optim.lr"]
    assert ws.names_with_defaults("cfg") == ["other"]
    assert ws.paths_using("cfg") == ["/w/sub/b.py"]
    assert ws.paths_using("_") == ["/w/a.py", "/w/sub/b.py"]


def test_occurrences_in_all_files_or_one(ws):
    key = ("_", "optim.lr")
    assert [o.path for o in ws.occurrences_of(key)] == ["/w/a.py", "/w/sub/b.py"]
    assert [o.path for o in ws.occurrences_of(key, "/w/sub/./b.py")] == ["/w/sub/b.py"]
    assert ws.occurrences_of(key, "/w/subway.py") == []
    assert [o.line for o in ws.occurrences_of(("_", "depth"), "/w/a.py")] == [3, 4]
    assert [o.line for o in ws.defaults_of(("_", "depth"))] == [3]


def test_occurs_once_counts_every_file(ws):
    assert ws.occurs_once(("_", "single"))
    assert not ws.occurs_once(("_", "depth"))        # twice in one file
    assert not ws.occurs_once(("_", "optim.lr"))     # once in each of two files
    assert not ws.occurs_once(("_", "nowhere"))
    ws.set_text("/w/c.py", "from hpman.m import _\n_('single', 2)\n")
    assert not ws.occurs_once(("_", "single"))


def test_kept_text_is_the_edited_document(tmp_path):
    path = write(tmp_path, "m.py", "from hpman.m import _\n_('a', 1)\n")
    ws = scan(tmp_path)
    ws.set_text(path, "from hpman.m import _\n_('b', 2)\n")
    assert ws.kept_text(path) == ws.text_of(path) == "from hpman.m import _\n_('b', 2)\n"
    assert ws.kept_text(str(tmp_path / "nope.py")) is None and ws.text_of(str(tmp_path / "nope.py")) is None


def test_kept_text_is_none_for_facts_from_the_cache(tmp_path):
    path = write(tmp_path, "m.py", "from hpman.m import _\n_('a', 1)\n")
    cache = tmp_path / "cache"
    scan(tmp_path, cache_dir=cache)
    ws = scan(tmp_path, cache_dir=cache)
    assert ws.parsed_files == 0
    assert ws.kept_text(path) is None
    assert ws.text_of(path) == "from hpman.m import _\n_('a', 1)\n"   # read now, and kept
    assert ws.kept_text(path) == ws.text_of(path)


def test_paths_as_given_keep_the_roots_spelling(tmp_path, monkeypatch):
    write(tmp_path, "pkg/m.py", "from hpman.m import _\n_('a', 1)\n")
    monkeypatch.chdir(tmp_path)
    ws = scan("pkg")
    (path,) = ws.paths()
    assert path == os.path.join(str(tmp_path), "pkg", "m.py")
    assert ws.path_as_given(path) == ws.path_as_given(path + "/../m.py") == os.path.join("pkg", "m.py")
    assert ws.vanished() == []


def test_has_notebooks_follows_the_indexed_files():
    ws = memory_ws({"/w/a.py": A})
    assert not ws.has_notebooks()
    cell = '{"cells": [{"cell_type": "code", "source": ["from hpman.m import _\\n", "_(\'n\', 1)\\n"]}]}'
    ws.set_text("/w/exp.ipynb", cell)
    assert ws.has_notebooks() and ws.has_name(("_", "n"))
    ws.remove("/w/exp.ipynb")
    assert not ws.has_notebooks()


def test_the_values_file_is_set_only_through_set_values_file(ws):
    assert ws.values_file is None
    ws.set_values_file("/w/values.yaml", "depth: 5\n")
    assert ws.values_file is not None and ws.values_file.path == "/w/values.yaml"
    with pytest.raises(AttributeError):
        ws.values_file = None


class Recorder:
    """A module's derived state: records what the index tells it to forget."""

    def __init__(self):
        self.told = []

    def forget(self, paths, names_changed):
        self.told.append((None if paths is None else sorted(paths), names_changed))


def test_derived_state_is_made_once_and_told_what_to_forget(ws):
    state = ws.derived("test", Recorder)
    assert ws.derived("test", Recorder) is state
    # another use of a name that has a default: one file, the names stay
    ws.set_text("/w/subway.py", "from hpman.m import _\n_('depth')\n")
    ((paths, names_changed),) = state.told
    assert not names_changed and "/w/subway.py" in paths and "/w/sub/b.py" not in paths
    # a new name: its file, the files without a default (their "did you mean" may change)
    state.told.clear()
    ws.set_text("/w/subway.py", "from hpman.m import _\n_('depth')\n_('brand_new')\n")
    ((paths, names_changed),) = state.told
    assert names_changed and {"/w/subway.py", "/w/a.py", "/w/sub/b.py"} <= set(paths)
    # a name losing its last default
    state.told.clear()
    ws.remove("/w/sub/b.py")
    assert state.told[-1][1] is True
    state.told.clear()
    ws.set_values_file("/w/values.yaml", "depth: 5\n")
    assert state.told == [(sorted(ws.paths() + ["/w/values.yaml"]), False)]


def test_did_you_mean_follows_names_gaining_a_default():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('learning_rat')\n"})
    (p,) = P.problems_of(ws, "/w/a.py")
    assert p.code == "no-default" and p.data["suggestion"] is None
    ws.set_text("/w/b.py", "from hpman.m import _\n_('learning_rate', 0.1)\n")
    (p,) = P.problems_of(ws, "/w/a.py")
    assert p.data["suggestion"] == "learning_rate"
    ws.remove("/w/b.py")
    (p,) = P.problems_of(ws, "/w/a.py")
    assert p.data["suggestion"] is None
