"""Notebooks in the static index: .ipynb → code cells → one virtual module, lines mapped back to cells."""
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpman.index import problems as P
from hpman.index import queries
from hpman.index.files import iter_python_files
from hpman.index.ipynb import (
    NotebookError,
    cell_of_line,
    format_context,
    module_text,
    parse_notebook,
    python_lines,
    where,
)
from hpman.index.workspace import Workspace


def notebook(*cells, language="python", nbformat=4):
    """nbformat JSON text; a cell is source text (a code cell) or ("markdown", text)."""
    out = []
    for i, cell in enumerate(cells):
        kind, source = cell if isinstance(cell, tuple) else ("code", cell)
        entry = {"cell_type": kind, "id": "c{}".format(i), "metadata": {},
                 "source": source.splitlines(True)}
        if kind == "code":
            entry.update(outputs=[], execution_count=None)
        out.append(entry)
    return json.dumps({"cells": out, "nbformat": nbformat, "nbformat_minor": 5,
                       "metadata": {"kernelspec": {"name": "k", "display_name": "K", "language": language},
                                    "language_info": {"name": language}}}, indent=1)


def write(base, rel, text):
    path = os.path.join(str(base), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return os.path.abspath(path)


# -- magics and shell escapes ----------------------------------------------------------

def test_magics_and_shell_escapes_are_blanked_in_place():
    src = "\n".join([
        "%matplotlib inline",
        "!pip install torch",
        "files = !ls",
        "t = %timeit -o f()",
        "np.zeros?",
        "??np.ones",
        "for i in range(3):",
        "    %time g(i)",
        "x = 5 % 3",
        "y = x != 2",
        "s = '''",
        "%d is kept: inside a string",
        "'''",
        "z = (1,",
        "     !2)",
    ])
    assert python_lines(src) == [
        "", "", "", "", "", "", "for i in range(3):", "    pass", "x = 5 % 3", "y = x != 2",
        "s = '''", "%d is kept: inside a string", "'''", "z = (1,", "     !2)"]


def test_cell_magics_other_than_python_blank_the_whole_cell():
    assert python_lines("%%bash\necho hi\nls") == ["", "", ""]
    assert python_lines("%%writefile x.py\nlr = _('lr', 1)") == ["", ""]
    assert python_lines("\n%%time\nlr = _('lr', 1)") == ["", "", "lr = _('lr', 1)"]


def test_backslash_continued_magic_is_blanked_with_its_continuation():
    assert python_lines("%time f(1, \\\n  2)\nx = 1") == ["", "  pass", "x = 1"]


# Python statements (some spanning lines) with lines that look like IPython syntax to a naive eye
VALID = [
    "x = 1", "s = '%d items' % 3", 'x = "a=!b"', "y = (1\n!= 2)", "t = (1,\n 2)",
    "z = 1 \\\n    != 2", "q = '''\n%time\n!ls\nobj?\n'''", 'r = """x\n    %%bash\n"""', "assert x != 3",
    "if x:\n    y = 2 % 3\nelse:\n    y = 4", "d['k'] = v", "f(a, b=3)", "# %time a comment",
    "lr = _('lr', 0.1)", "w = [a for a in b if a != 1]", "u = {\n    'k': 1,\n}", "",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(VALID), max_size=8))
def test_valid_python_is_never_changed(statements):
    src = "\n".join(statements)
    compile(src, "<cell>", "exec", dont_inherit=True)
    assert python_lines(src) == src.split("\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="%!?/;,=()[]'\"\\ #abx_.\t", max_size=12) | st.sampled_from(VALID), max_size=10))
def test_any_cell_keeps_its_line_count_and_only_blanks_lines(lines):
    src = "\n".join(lines)
    out = python_lines(src)
    original = src.split("\n")
    assert len(out) == len(original)
    for before, after in zip(original, out):
        assert after == before or after == "" or (after.strip() == "pass" and before[:1] in (" ", "\t"))


# -- the virtual module and the cell map ---------------------------------------------------

def test_virtual_text_keeps_cell_lines_and_maps_back():
    nb = parse_notebook(notebook(("markdown", "# title"), "from hpman.m import hp\nlr = hp('lr', 0.1)",
                                 "%%bash\nls", "!nvidia-smi\nbs = hp('bs', 8)"))
    lines = nb.text.split("\n")
    assert [c.index for c in nb.cells] == [1, 2, 3]
    assert [c.id for c in nb.cells] == ["c1", "c2", "c3"]
    # every cell line is at a virtual line; magics are blank, code is unchanged
    assert lines[nb.virtual_line(1, 1)] == "lr = hp('lr', 0.1)"
    assert lines[nb.virtual_line(3, 0)] == ""
    assert lines[nb.virtual_line(3, 1)] == "bs = hp('bs', 8)"
    assert nb.locate(nb.virtual_line(3, 1)) == (3, 1)
    assert nb.virtual_line(0, 0) is None          # a markdown cell has no Python lines
    assert nb.virtual_line(1, 5) is None
    assert nb.locate(0) is None                   # the marker line of the first code cell
    assert cell_of_line(nb.text, nb.virtual_line(3, 1) + 1) == (4, 2)   # 1-based, as displayed
    assert where("nb.ipynb", nb.text, nb.virtual_line(1, 1) + 1) == "nb.ipynb:cell 2:2"
    assert where("m.py", "x\ny\n", 2) == "m.py:2"


def test_format_context_numbers_lines_within_the_cell():
    nb = parse_notebook(notebook("a = 1", "b = 2\nlr = _('lr', 1)\nc = 3"))
    text = format_context("nb.ipynb", nb.text, nb.virtual_line(1, 1) + 1)
    assert text == "nb.ipynb:cell 2:2\n    1: b = 2\n==> 2: lr = _('lr', 1)\n    3: c = 3"


def test_non_python_notebooks_and_nbformat_3():
    assert parse_notebook(notebook("x <- hp('lr', 1)", language="R")).text == ""
    v3 = {"nbformat": 3, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": ["from hpman.m import _\n", "_('a', 1)"]}]}]}
    assert "_('a', 1)" in parse_notebook(json.dumps(v3)).text


@pytest.mark.parametrize("data, message", [
    ("{not json", "not notebook JSON"),
    ("[1, 2]", "the JSON is not an object"),
    ('{"nbformat": 4}', "no list of cells"),
    ('{"cells": [{"cell_type": "code", "source": 3}]}', "source must be text"),
    (b"\xff\xfe{}", "not UTF-8"),
])
def test_bad_notebooks_raise_one_line_errors(data, message):
    with pytest.raises(NotebookError, match=message) as info:
        parse_notebook(data)
    assert "\n" not in str(info.value)


def test_module_text_routes_by_suffix():
    assert module_text("a.py", b"x = 1\r\n") == "x = 1\n"
    assert "x = 1" in module_text("a.ipynb", notebook("x = 1").encode())


# -- files and the workspace ---------------------------------------------------------------------

def test_notebooks_are_found_and_checkpoints_skipped(tmp_path):
    write(tmp_path, "a.py", "")
    write(tmp_path, "exp.ipynb", notebook("x = 1"))
    write(tmp_path, ".ipynb_checkpoints/exp-checkpoint.ipynb", notebook("x = 1"))
    found = [os.path.relpath(p, str(tmp_path)) for p in iter_python_files([str(tmp_path)], (), (".py", ".ipynb"))]
    assert found == ["a.py", "exp.ipynb"]
    assert [os.path.basename(p) for p in iter_python_files([str(tmp_path)])] == ["a.py"]


def _duplicate_workspace(tmp_path):
    write(tmp_path, "model.py", "from hpman.m import _\nlr = _('lr', 0.1)\n")
    nb = write(tmp_path, "exp.ipynb", notebook(
        ("markdown", "Experiment"),
        "%load_ext hpman\nfrom hpman.m import _",
        "!nvidia-smi\n# 学习率\nlr = _('lr', 0.2)\nbs = _('bs', 8)"))
    ws = Workspace([str(tmp_path)], cache=False)
    ws.scan()
    return ws, nb


def test_workspace_indexes_notebook_cells_with_duplicates_across_a_module(tmp_path):
    ws, nb = _duplicate_workspace(tmp_path)
    occs = ws.occurrences_of(("_", "lr"))
    assert sorted(os.path.basename(o.path) for o in occs) == ["exp.ipynb", "model.py"]
    in_nb = [o for o in occs if o.path == nb][0]
    source = parse_notebook(open(nb, encoding="utf-8").read())
    assert source.locate(in_nb.line) == (2, 2)          # third cell, third line
    assert in_nb.name_range[1] == len("lr = _(")         # character columns in the cell's line
    dup = [p for p in P.problems_of(ws, nb) if p.code == "duplicate-default"]
    assert len(dup) == 1 and dup[0].related[0].path.endswith("model.py")
    in_model = [p for p in P.problems_of(ws, str(tmp_path / "model.py")) if p.code == "duplicate-default"]
    assert in_model[0].message == "`lr` has a default in 2 places (also at exp.ipynb:cell 3:3)"
    assert dup[0].message == "`lr` has a default in 2 places (also at model.py:2)"
    assert queries.key_at(ws, nb, in_nb.name_range[0], in_nb.name_range[1] + 1) == ("_", "lr")
    assert ws.text_of(nb).split("\n")[in_nb.line] == "lr = _('lr', 0.2)"


def test_set_text_takes_notebook_json_and_bad_json_is_a_problem(tmp_path):
    ws, nb = _duplicate_workspace(tmp_path)
    affected = ws.set_text(nb, notebook("from hpman.m import _\nlr = _('lr')"))
    assert os.path.join(str(tmp_path), "model.py") in affected
    assert not [p for p in P.all_problems(ws) if p.code == "duplicate-default"]
    ws.set_text(nb, "{ broken")
    found = P.problems_of(ws, nb)
    assert [p.code for p in found] == ["syntax-error"] and "cannot read notebook" in found[0].message


def test_unreadable_notebook_on_disk_is_a_problem_not_an_exception(tmp_path):
    nb = write(tmp_path, "bad.ipynb", '{"cells": "hpman"}')
    ws = Workspace([str(tmp_path)], cache=False)
    ws.scan()
    assert [p.code for p in P.problems_of(ws, nb)] == ["syntax-error"]


def test_reload_and_cache_handle_notebooks(tmp_path):
    ws, nb = _duplicate_workspace(tmp_path)
    write(tmp_path, "exp.ipynb", notebook("from hpman.m import _\nwd = _('wd', 1e-4)"))
    ws.reload(nb)
    assert ws.occurrences_of(("_", "wd")) and not ws.defaults_of(("_", "bs"))
    cache = tmp_path / "cache"
    first = Workspace([str(tmp_path)], cache=True, cache_dir=str(cache))
    first.scan()
    second = Workspace([str(tmp_path)], cache=True, cache_dir=str(cache))
    second.scan()
    assert second.parsed_files == 0
    assert second.occurrences_of(("_", "wd"))[0].call == first.occurrences_of(("_", "wd"))[0].call
    assert "wd = _('wd', 1e-4)" in second.text_of(nb)


def test_cli_check_and_show_on_a_notebook(tmp_path, capsys, monkeypatch):
    from hpman import cli
    _duplicate_workspace(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--no-cache"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "model.py:2:14: error duplicate-default `lr` has a default in 2 places (also at exp.ipynb:cell 3:3)" in out
    # `path:line:col` stays the contract: a notebook's line counts its code as one module (markers included)
    assert "exp.ipynb:7:14: error duplicate-default `lr` has a default in 2 places (also at model.py:2)" in out
    assert cli.main(["show", "lr", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "occurrence[0] (default): exp.ipynb:cell 3:3\n      1: \n      2: # 学习率\n  ==> 3: lr = _('lr', 0.2)\n" in out
    assert "occurrence[1] (default): model.py:2\n" in out
