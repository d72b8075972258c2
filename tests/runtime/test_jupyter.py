"""The Jupyter front end through IPython's own InteractiveShell: `%load_ext hpman`, the
`%hpman` magics, the `_` guard, notebook display, and parse_file on notebooks."""
import json
import os
import pickle
import subprocess
import sys

import pytest

import hpman
from hpman import DoubleAssignmentException
from hpman.display import location as notebook_location

IPython = pytest.importorskip("IPython")
from IPython.core.error import UsageError  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

MANAGERS = ("_", "hp", "other", "set")


def notebook(*cells):
    """nbformat 4 JSON; a cell is code source, or ("markdown", text)."""
    out = []
    for cell in cells:
        kind, source = cell if isinstance(cell, tuple) else ("code", cell)
        entry = {"cell_type": kind, "metadata": {}, "source": source.splitlines(True)}
        if kind == "code":
            entry.update(outputs=[], execution_count=None)
        out.append(entry)
    return json.dumps({"cells": out, "metadata": {"language_info": {"name": "python"}},
                       "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """The InteractiveShell singleton with an empty namespace, fresh managers and the extension loaded."""
    monkeypatch.chdir(tmp_path)
    for name in MANAGERS:
        vars(hpman.m).pop(name, None)
    sh = InteractiveShell.instance()
    sh.reset(new_session=True)
    hpman.unload_ipython_extension(sh)
    sh.extension_manager.loaded.discard("hpman")
    result = sh.run_cell("%load_ext hpman")
    assert result.success
    yield sh
    hpman.unload_ipython_extension(sh)
    sh.extension_manager.loaded.discard("hpman")
    for name in MANAGERS:
        vars(hpman.m).pop(name, None)


def run(sh, code):
    result = sh.run_cell(code, store_history=True)
    if result.error_before_exec is not None:
        raise result.error_before_exec
    return result


def fails(sh, code, capsys):
    """Run a cell that must fail with one UsageError line; return its message."""
    result = run(sh, code)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    err = capsys.readouterr().err
    message = str(result.error_in_exec)
    assert "\n" not in message and message.startswith("hpman: ")
    assert "Traceback" not in err
    return message


def define(sh):
    run(sh, "from hpman.m import hp\nlr = hp('lr', 0.1)\nlayers = hp('model.layers', 3)\n"
            "act = hp('model.act', 'relu')")


# -- loading -----------------------------------------------------------------------------

def test_import_hpman_does_not_import_ipython():
    code = "import sys, hpman, hpman.m; from hpman.m import _; _('a', 1); repr(_); assert 'IPython' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_load_ext_registers_the_magic_once(shell):
    assert "hpman" in shell.magics_manager.magics["line"]
    guard = shell._hpman_guard
    hpman.load_ipython_extension(shell)   # loading again changes nothing
    assert shell._hpman_guard is guard
    assert shell.events.callbacks["post_run_cell"].count(guard.post_run_cell) == 1


# -- %hpman list / tree / show -----------------------------------------------------------------

def test_list_formats(shell, capsys):
    define(shell)
    capsys.readouterr()
    run(shell, "%hpman list")
    assert capsys.readouterr().out == "lr: 0.1\nmodel.act: relu\nmodel.layers: 3\n"
    run(shell, "%hpman list json")
    assert json.loads(capsys.readouterr().out) == {"lr": 0.1, "model.act": "relu", "model.layers": 3}
    run(shell, "%hpman list detail")
    out = capsys.readouterr().out
    assert out.startswith("All hyperparameters:\n    ['lr', 'model.act', 'model.layers']\nDetails:\n+")
    assert fails(shell, "%hpman list bad", capsys) == "hpman: usage: %hpman list [yaml|json|detail]"


def test_tree(shell, capsys):
    define(shell)
    capsys.readouterr()
    run(shell, "%hpman tree")
    assert capsys.readouterr().out == ("hp\n├── lr = 0.1\n└── model\n    ├── act = 'relu'\n"
                                       "    └── layers = 3\n")


def test_show_leaf_branch_and_unknown(shell, capsys):
    define(shell)
    run(shell, "hp.set_value('lr', 0.5)")
    capsys.readouterr()
    run(shell, "%hpman show lr")
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "lr = 0.5  (float)"
    assert "runtime _(): 0.1" in out and "set_value: 0.5" in out
    run(shell, "%hpman show model")
    assert capsys.readouterr().out.splitlines() == [
        "model (a tree of 2 values)", "  model.act = 'relu'  (str)", "  model.layers = 3  (int)"]
    assert fails(shell, "%hpman show lrr", capsys) == "hpman: no hyperparameter named `lrr`; did you mean `lr`?"
    assert fails(shell, "%hpman show", capsys) == "hpman: usage: %hpman show NAME"
    assert fails(shell, "%hpman frobnicate", capsys).startswith("hpman: unknown command `frobnicate`")


# -- %hpman set ---------------------------------------------------------------------------------------

def test_set_python_literals(shell, capsys):
    define(shell)
    run(shell, "%hpman set lr=1e-3 model.act='leaky relu' model.layers = 4")
    hp = shell.user_ns["hp"]
    assert hp.get_values() == {"lr": 1e-3, "model.act": "leaky relu", "model.layers": 4}
    run(shell, "%hpman set model.act='a b=c' lr=2")   # spaces and `=` inside a value; int → float
    assert hp("model.act") == "a b=c" and hp("lr") == 2.0 and type(hp("lr")) is float
    # a later `hp('lr', 0.1)` does not win over a set value (setter priority)
    run(shell, "lr = hp('lr', 0.1)")
    assert shell.user_ns["lr"] == 2.0



def test_set_values_are_what_follows_the_command_word(shell):
    # the values start after the `set` the shell split (it was found again by a search of the raw
    # line: a quoted "set" crashed the magic, and `-m set set` read the manager's name as a value)
    define(shell)
    run(shell, "%hpman \"set\" lr=0.5")
    assert shell.user_ns["hp"]("lr") == 0.5
    run(shell, "%hpman -m set set lr=0.7 act='set x'")
    assert hpman.m.set.get_values() == {"lr": 0.7, "act": "set x"}
    assert shell.user_ns["hp"]("lr") == 0.5

@pytest.mark.parametrize("line, message", [
    ("%hpman set lr='fast'", "hpman: Error parsing hyperparameter `lr`: invalid float value: 'fast'"),
    ("%hpman set lr=fast", "hpman: the value of `lr` is not a Python literal: fast"),
    ("%hpman set lr=", "hpman: `lr` has no value (write lr=VALUE)"),
    ("%hpman set lr", "hpman: expected NAME=VALUE, got `lr`"),
    ("%hpman set", "hpman: usage: %hpman set NAME=VALUE [NAME=VALUE ...] (values are Python literals)"),
    ("%hpman set lr=0.5 model=1", "hpman: node `model` has is both a leaf and a tree."),
])
def test_set_errors_are_one_line_and_change_nothing(shell, capsys, line, message):
    define(shell)
    before = shell.user_ns["hp"].get_values()
    assert fails(shell, line, capsys) == message
    assert shell.user_ns["hp"].get_values() == before


def test_set_of_an_unknown_name_works_and_says_so(shell, capsys):
    define(shell)
    capsys.readouterr()
    run(shell, "%hpman set lrr=0.3")
    assert shell.user_ns["hp"]("lrr") == 0.3
    assert capsys.readouterr().err == "hpman: `lrr` is not used by any code run or parsed so far; did you mean `lr`?\n"


# -- %hpman save / load ----------------------------------------------------------------------------------

@pytest.mark.parametrize("filename, fmt", [("hp.yaml", ""), ("hp.json", ""), ("hp.pkl", ""), ("values.txt", " --format json")])
def test_save_load_round_trip(shell, capsys, tmp_path, filename, fmt):
    run(shell, "from hpman.m import hp\nhp('t', (1, 2))\nhp('s', {3, 4})\nhp('c', 1+2j)\nhp('d', {'k': [1, None]})\n"
               "hp('b', b'x')\nhp('f', 0.5)")
    saved = dict(shell.user_ns["hp"].get_values())
    run(shell, "%hpman save {}{}".format(filename, fmt))
    assert "hpman: saved 6 values to {}".format(filename) in capsys.readouterr().out
    run(shell, "hp.set_values({'t': (0,), 's': set(), 'c': 0j, 'd': {}, 'b': b'', 'f': 0.0})")
    run(shell, "%hpman load {}{}".format(filename, fmt))
    assert shell.user_ns["hp"].get_values() == saved
    assert "hpman: loaded 6 values" in capsys.readouterr().out


def test_save_skips_values_that_are_not_literals(shell, capsys):
    run(shell, "from hpman.m import hp\nhp('f', 1)\nhp('obj', object())")
    capsys.readouterr()
    run(shell, "%hpman save hp.yaml")
    out = capsys.readouterr()
    assert "hpman: not saving `obj`: its value is not a literal" in out.err
    assert open("hp.yaml").read() == "f: 1\n"


def test_load_follows_hpargparse_rules(shell, capsys, tmp_path):
    define(shell)
    (tmp_path / "typo.yaml").write_text("model:\n  layer: 5\n")
    assert fails(shell, "%hpman load typo.yaml", capsys) == (
        "hpman: unknown hyperparameter `model.layer` in `typo.yaml`; did you mean `model.layers`?")
    (tmp_path / "type.yaml").write_text("lr: fast\n")
    assert fails(shell, "%hpman load type.yaml", capsys).startswith(
        "hpman: Error parsing hyperparameter `lr` from `type.yaml`")
    (tmp_path / "evil.yaml").write_text("lr: !!python/object/apply:os.system ['echo pwned']\n")
    assert "refusing to load `evil.yaml`" in fails(shell, "%hpman load evil.yaml", capsys)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps({"lr": Evil()}))
    assert "refusing to load `evil.pkl`" in fails(shell, "%hpman load evil.pkl", capsys)
    assert "No such file" in fails(shell, "%hpman load missing.yaml", capsys)
    assert fails(shell, "%hpman save x.yaml --format xml", capsys).startswith("hpman: unknown format `xml`")
    assert fails(shell, "%hpman save", capsys).startswith("hpman: usage: %hpman save FILE")
    assert shell.user_ns["hp"].get_values() == {"lr": 0.1, "model.act": "relu", "model.layers": 3}


# -- which manager ---------------------------------------------------------------------------------

def test_manager_choice(shell, capsys):
    assert fails(shell, "%hpman list", capsys).startswith("hpman: no hpman manager in this session")
    run(shell, "from hpman.m import hp, other\nhp('a', 1)\nother('b', 2)")
    assert fails(shell, "%hpman list", capsys) == "hpman: several managers (`hp`, `other`): choose one with -m NAME"
    capsys.readouterr()
    run(shell, "%hpman -m other list")
    assert capsys.readouterr().out == "b: 2\n"
    run(shell, "del other")
    run(shell, "%hpman list")
    assert capsys.readouterr().out == "a: 1\n"


# -- the `_` guard -------------------------------------------------------------------------------------------

def test_underscore_replaced_by_an_output_is_restored_and_reported_once(shell, capsys):
    run(shell, "from hpman.m import _\nlr = _('lr', 0.1)")
    manager = shell.user_ns["_"]
    run(shell, "_.set_value('lr', 0.2)")     # the last expression: the manager is the output
    assert shell.user_ns["_"] is manager
    capsys.readouterr()
    run(shell, "1 + 1")                        # IPython would now bind `_` to 2
    err = capsys.readouterr().err
    assert shell.user_ns["_"] is manager
    assert err.count("\n") == 1 and "IPython set `_` to the last output" in err and "from hpman.m import hp" in err
    assert shell.user_ns["Out"][max(shell.user_ns["Out"])] == 2   # the output is still there
    run(shell, "_")
    run(shell, "3")
    assert shell.user_ns["_"] is manager
    assert capsys.readouterr().err == ""      # said once
    assert run(shell, "x = _('lr')").success and shell.user_ns["x"] == 0.2


def test_underscore_rebound_by_user_code_is_left_alone_with_one_note(shell, capsys):
    run(shell, "from hpman.m import _\n_('lr', 0.1)")
    capsys.readouterr()
    run(shell, "for _ in range(3):\n    pass")
    assert shell.user_ns["_"] == 2
    err = capsys.readouterr().err
    assert "`_` is no longer the hpman manager `_`" in err and "`from hpman.m import _` gets it back" in err
    run(shell, "from hpman.m import _")
    run(shell, "_ = 5")
    assert capsys.readouterr().err == ""
    assert shell.user_ns["_"] == 5


def test_hp_is_never_touched_by_outputs(shell, capsys):
    run(shell, "from hpman.m import hp\nhp('lr', 0.1)")
    run(shell, "hp")
    run(shell, "2")
    assert isinstance(shell.user_ns["hp"], hpman.HyperParameterManager)
    assert shell.user_ns["_"] == 2 and capsys.readouterr().err == ""


# -- display --------------------------------------------------------------------------------------------------

def test_html_and_pretty_display(shell, tmp_path):
    nb = tmp_path / "exp.ipynb"
    nb.write_text(notebook(("markdown", "# exp"), "%matplotlib inline\nfrom hpman.m import hp",
                           "!ls\nlr = hp('lr', 0.1)\nname = hp('name', '<b>&')"))
    run(shell, "from hpman.m import hp\nhp.parse_file('exp.ipynb')\nhp('extra', [1])\nhp.set_value('lr', 0.3)")
    data, _meta = shell.display_formatter.format(shell.user_ns["hp"])
    html = data["text/html"]
    assert "<th>name</th><th>value</th><th>type</th><th>default</th>" in html
    assert "<td><code>lr</code></td><td><code>0.3</code></td><td>float</td><td>exp.ipynb:cell 3:2</td>" in html
    assert "<code>&#x27;&lt;b&gt;&amp;&#x27;</code>" in html and "<b>&" not in html
    assert "<td><code>extra</code></td><td><code>[1]</code></td><td>list</td><td>runtime call</td>" in html
    assert data["text/plain"].splitlines() == [
        "<HyperParameterManager 'hp': 3 hyperparameters>",
        "  extra = [1]  (list; default: runtime call)",
        "  lr = 0.3  (float; default: exp.ipynb:cell 3:2)",
        "  name = '<b>&'  (str; default: exp.ipynb:cell 3:3)"]


# -- parse_file on notebooks ------------------------------------------------------------------------------------

def test_parse_file_reads_code_cells_and_locates_rows_by_cell(tmp_path):
    nb = tmp_path / "exp.ipynb"
    nb.write_text(notebook(("markdown", "_('not', 'code')"), "%load_ext hpman\n!pip list\nfiles = !ls",
                           "%%bash\necho _('x', 1)", "# 学习率\nlr = _('lr', 0.1)\n_('lr')"))
    mgr = hpman.HyperParameterManager("_").parse_file(str(nb))
    assert mgr.get_values() == {"lr": 0.1}
    rows = [r for r in mgr.db if r.name == "lr"]
    assert [os.path.basename(r.filename) for r in rows] == ["exp.ipynb"] * 2
    assert [notebook_location(r).rsplit(os.sep, 1)[-1] for r in rows] == [
        "exp.ipynb:cell 4:2", "exp.ipynb:cell 4:3"]


def test_duplicate_default_across_notebook_and_module_names_the_cell(tmp_path):
    (tmp_path / "model.py").write_text("lr = _('lr', 0.1)\n")
    (tmp_path / "exp.ipynb").write_text(notebook("import os", "x = 1\nlr = _('lr', 0.2)"))
    mgr = hpman.HyperParameterManager("_")
    with pytest.raises(DoubleAssignmentException) as info:
        mgr.parse_file([str(tmp_path / "exp.ipynb"), str(tmp_path / "model.py")])
    message = str(info.value)
    assert "First occurrence:\n{}:cell 2:2\n    1: x = 1\n==> 2: lr = _('lr', 0.2)\n".format(
        tmp_path / "exp.ipynb") in message
    assert "Second occurrence:\n{}:1\n".format(tmp_path / "model.py") in message
    assert mgr.get_values() == {}


def test_parse_file_of_a_folder_reads_modules_only(tmp_path):
    (tmp_path / "model.py").write_text("lr = _('lr', 0.1)\n")
    (tmp_path / "exp.ipynb").write_text(notebook("lr = _('lr', 0.2)"))
    assert hpman.HyperParameterManager("_").parse_file(str(tmp_path)).get_values() == {"lr": 0.1}


def test_bad_notebook_is_a_syntax_error_naming_the_file(tmp_path):
    (tmp_path / "bad.ipynb").write_text("{ not json: _('lr', 1)")
    with pytest.raises(SyntaxError) as info:
        hpman.HyperParameterManager("_").parse_file(str(tmp_path / "bad.ipynb"))
    assert info.value.filename.endswith("bad.ipynb") and "cannot read notebook" in info.value.msg


def test_hpman_parse_magic(shell, capsys, tmp_path):
    (tmp_path / "model.py").write_text("from hpman.m import hp\nlr = hp('lr', 0.1)\n")
    (tmp_path / "exp.ipynb").write_text(notebook("lr = hp('lr', 0.2)"))
    run(shell, "from hpman.m import hp")
    run(shell, "%hpman parse model.py")
    assert shell.user_ns["hp"].get_values() == {"lr": 0.1}
    message = fails(shell, "%hpman parse exp.ipynb", capsys)
    assert message.startswith("hpman: duplicated default values at ") and "exp.ipynb:cell 1:1" in message
    assert fails(shell, "%hpman parse nope.py", capsys) == "hpman: no such file or directory: nope.py"


def test_hpman_parse_names_the_cell_of_a_notebook_error(shell, capsys, tmp_path):
    (tmp_path / "broken.ipynb").write_text(notebook("import os", "x = 1\nlr = _('lr', 0.1\n"))
    (tmp_path / "args.ipynb").write_text(notebook(("markdown", "m"), "x = 1\nlr = _('lr', 0.1, 2)"))
    (tmp_path / "name.ipynb").write_text(notebook("n = 'lr'\nlr = _(n, 0.1)"))
    run(shell, "from hpman.m import _")
    assert fails(shell, "%hpman parse broken.ipynb", capsys).startswith("hpman: broken.ipynb:cell 2:")
    assert fails(shell, "%hpman parse args.ipynb", capsys).endswith(", args.ipynb:cell 2:2")
    assert fails(shell, "%hpman parse name.ipynb", capsys) == (
        "hpman: hp-name should be literal-string: name.ipynb:cell 1:2")


def test_help(shell, capsys):
    run(shell, "%hpman")
    out = capsys.readouterr().out
    assert "%hpman set NAME=VALUE ..." in out and "%hpman load FILE [--format F]" in out
    assert "%hpman list [yaml|json|detail]" in shell.magics_manager.magics["line"]["hpman"].__doc__


# -- values files that cannot be used: the same one line as --hp-load / --hp-save --------------------

def test_load_and_save_refuse_what_is_not_a_regular_file(shell, capsys, tmp_path):
    run(shell, "from hpman.m import hp\nhp('n', 3)\nhp('t', (1, 2))")
    os.mkfifo(str(tmp_path / "fifo.yaml"))
    with open(str(tmp_path / "huge.yaml"), "wb") as f:
        f.truncate(1 << 30)
    with open(str(tmp_path / "big.yaml"), "w") as f:
        f.write("n: " + "9" * 5000 + "\n")
    assert fails(shell, "%hpman load /dev/zero --format yaml", capsys) == (
        "hpman: cannot read `/dev/zero`: it is a character device, not a values file")
    assert fails(shell, "%hpman load fifo.yaml", capsys) == "hpman: cannot read `fifo.yaml`: it is a FIFO, not a values file"
    assert "larger than 16 MiB" in fails(shell, "%hpman load huge.yaml", capsys)
    assert fails(shell, "%hpman load big.yaml", capsys).startswith(
        "hpman: cannot read `big.yaml` (line 1, key `n`): an integer of 5,000 digits (Python reads at most 4,300)")
    assert fails(shell, "%hpman save /dev/null --format yaml", capsys).startswith(
        "hpman: cannot save `/dev/null`: it is a character device")
    assert fails(shell, "%hpman save fifo.yaml", capsys).startswith("hpman: cannot save `fifo.yaml`: it is a FIFO")
    assert shell.user_ns["hp"].get_values() == {"n": 3, "t": (1, 2)}


def test_load_of_a_file_saved_by_hpargparse_014(shell, capsys):
    fixtures = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "hpargparse014")
    run(shell, "from hpman.m import hp\nhp('dots', None)\nhp('z', 0j)")
    run(shell, "%hpman load " + os.path.join(fixtures, "ellipsis.pkl"))
    assert shell.user_ns["hp"].get_values() == {"dots": Ellipsis, "z": 3j}


def test_non_literal_default_shows_its_source_everywhere(shell, capsys, tmp_path):
    (tmp_path / "mod.py").write_text("from hpman.m import hp\nimport datetime\nhp('date', datetime.date.today())\n")
    run(shell, "from hpman.m import hp\n%hpman parse mod.py")
    capsys.readouterr()
    for cell, expected in (("%hpman list", "date: datetime.date.today()\n"),
                           ("%hpman list json", '{\n  "date": "datetime.date.today()"\n}\n')):
        run(shell, cell)
        assert capsys.readouterr().out == expected
    run(shell, "%hpman tree")
    assert capsys.readouterr().out == "hp\n└── date = datetime.date.today()\n"
    run(shell, "%hpman show date")
    assert capsys.readouterr().out.startswith("date = datetime.date.today()  (not a literal)\n")
    assert "datetime.date.today()" in shell.user_ns["hp"]._repr_html_()
