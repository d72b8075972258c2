"""The `hpman` command line, run as a user runs it (a subprocess)."""
import json
import os
import re
import subprocess
import sys

import pytest
import yaml
from idx_helpers import FIXTURES, REPO, write

PROJECT = os.path.join(FIXTURES, "index_project")
PROBLEMS = os.path.join(FIXTURES, "index_problems")
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|information) "
                  r"(?P<code>[a-z-]+) (?P<message>.+)$")

PROJECT_VALUES = {
    "batch_size": 32, "data.shuffle": True, "data.workers": 4, "epochs": 10, "model.activation": "relu",
    "model.depth": 50, "model.width": 64, "optim.lr": 0.1, "optim.name": "sgd",
}


def hpman(*args, cwd, cache=None, check=None):
    env = dict(os.environ)
    env["HPMAN_CACHE_DIR"] = str(cache) if cache is not None else os.path.join(str(cwd), ".no-such-cache")
    env.pop("PYTHONSTARTUP", None)
    argv = list(args) if cache is not None or "--version" in args else list(args) + ["--no-cache"]
    proc = subprocess.run([sys.executable, "-m", "hpman"] + argv, cwd=str(cwd), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          encoding="utf-8", timeout=120)
    if check is not None:
        assert proc.returncode == check, (proc.stdout, proc.stderr)
    return proc


def parsed(stdout):
    out = []
    for line in stdout.splitlines():
        m = LINE.match(line)
        assert m, line
        out.append((m["path"], int(m["line"]), int(m["col"]), m["severity"], m["code"], m["message"]))
    return out


# -- check ---------------------------------------------------------------------------

def test_check_text_format_paths_and_character_columns():
    proc = hpman("check", cwd=PROBLEMS, check=1)
    assert proc.stderr == ""  # no progress indicator when stderr is not a terminal
    rows = parsed(proc.stdout)
    assert [r[:5] for r in rows] == [
        ("a.py", 3, 14, "error", "duplicate-default"),
        ("a.py", 5, 33, "warning", "not-in-choices"),      # 33 characters in, though 39 bytes
        ("b.py", 3, 14, "error", "duplicate-default"),
        ("b.py", 4, 10, "warning", "no-default"),
    ]
    assert "b.py:3" in rows[0][5]
    assert "did you mean `batch_size`?" in rows[3][5]


def test_check_paths_are_relative_to_the_working_directory():
    proc = hpman("check", "index_problems", cwd=FIXTURES, check=1)
    assert [r[0] for r in parsed(proc.stdout)] == ["index_problems/a.py"] * 2 + ["index_problems/b.py"] * 2
    # an absolute argument prints relative too
    proc = hpman("check", PROBLEMS, cwd=FIXTURES, check=1)
    assert [r[0] for r in parsed(proc.stdout)][0] == "index_problems/a.py"
    proc = hpman("check", os.path.join(PROBLEMS, "b.py"), cwd=PROBLEMS)
    assert [r[:2] for r in parsed(proc.stdout)] == [("b.py", 4)]


def test_check_exit_status_and_strict(tmp_path):
    # a clean project
    proc = hpman("check", cwd=PROJECT, check=0)
    assert proc.stdout == ""
    # warnings only: 0, --strict: 1
    write(tmp_path, "w.py", "from hpman.m import _\n_('used_only')\n")
    proc = hpman("check", cwd=tmp_path, check=0)
    assert [r[4] for r in parsed(proc.stdout)] == ["no-default"]
    hpman("check", "--strict", cwd=tmp_path, check=1)
    # information only: 0 even with --strict
    write(tmp_path, "w.py", "from hpman.m import _\nimport os\n_('home', os.environ['HOME'])\n")
    proc = hpman("check", "--strict", cwd=tmp_path, check=0)
    assert [r[3:5] for r in parsed(proc.stdout)] == [("information", "non-literal-default")]


def test_check_json():
    proc = hpman("check", "--format", "json", cwd=PROBLEMS, check=1)
    data = json.loads(proc.stdout)
    assert [set(d) for d in data] == [{"path", "line", "column", "end_line", "end_column", "severity", "code",
                                       "message", "related"}] * 4
    first = data[0]
    assert (first["path"], first["line"], first["column"], first["end_line"], first["end_column"]) == \
        ("a.py", 3, 14, 3, 17)
    assert first["code"] == "duplicate-default" and first["severity"] == "error"
    assert [(r["path"], r["line"], r["column"]) for r in first["related"]] == [("b.py", 3, 14)]
    assert all(set(r) >= {"path", "line", "column", "message"} for r in first["related"])
    choices = data[1]
    assert (choices["column"], choices["end_column"]) == (33, 39)  # `'adam'`, in characters
    assert choices["message"] == "the default 'adam' of `optimizer` is not one of its choices ['sgd']"
    # a clean project: an empty list
    assert json.loads(hpman("check", "--format", "json", cwd=PROJECT, check=0).stdout) == []


def test_check_with_values_file_reports_unknown_keys(tmp_path):
    values = write(tmp_path, "v.yaml", "optim:\n  lrr: 1\nmodel.dpeth: 2\nepochs: 3\n")
    proc = hpman("check", "--values", values, ".", cwd=PROJECT, check=0)
    rows = parsed(proc.stdout)
    assert [(r[1], r[2], r[4]) for r in rows] == [(2, 3, "unknown-key"), (3, 1, "unknown-key")]
    assert "did you mean `optim.lr`?" in rows[0][5]
    assert "did you mean `model.depth`?" in rows[1][5]
    assert rows[0][0].endswith("v.yaml")
    hpman("check", "--strict", "--values", values, cwd=PROJECT, check=1)


# -- list ------------------------------------------------------------------------------

def test_list_yaml_and_json():
    proc = hpman("list", cwd=PROJECT, check=0)
    values = yaml.safe_load(proc.stdout)
    assert values == PROJECT_VALUES
    # in the order of `parse_file(...).get_values()` (hpman 0.13's: files by path, ast.walk, tree)
    from hpman import HyperParameterManager
    runtime = HyperParameterManager("_").parse_file(PROJECT).get_values()
    assert list(values) == list(runtime) != sorted(PROJECT_VALUES)
    listed = json.loads(hpman("list", "--format", "json", cwd=PROJECT, check=0).stdout)
    assert listed == PROJECT_VALUES and list(listed) == list(runtime)


def test_list_order_is_the_runtime_order_for_nesting_and_files(tmp_path):
    write(tmp_path, "b.py", "from hpman.m import _\n_('z.first', 1)\n")
    write(tmp_path, "a.py", """\
        from hpman.m import _
        def main():
            opt = _("optimizer", "adam")
            if True:
                lr = _("learning_rate", 1e-3)
            seed = _("seed", 42)
            _("z.second", 2)
        """)
    listed = json.loads(hpman("list", "--format", "json", ".", cwd=str(tmp_path), check=0).stdout)
    assert list(listed) == ["optimizer", "seed", "z.second", "z.first", "learning_rate"]
    from hpman import HyperParameterManager
    assert list(HyperParameterManager("_").parse_file(str(tmp_path)).get_values()) == list(listed)


def test_check_names_related_places_in_the_form_of_the_main_path(tmp_path):
    write(tmp_path, "proj/one/lib.py", "from hpman.m import _\n_('lr', 0.1)\n")
    write(tmp_path, "proj/two/lib.py", "from hpman.m import _\n\n_('lr', 0.2)\n")
    one, two = os.path.join("proj", "one", "lib.py"), os.path.join("proj", "two", "lib.py")
    out = hpman("check", "proj", cwd=tmp_path, check=1).stdout.splitlines()
    assert out == [
        "{}:2:9: error duplicate-default `lr` has a default in 2 places (also at {}:3)".format(one, two),
        "{}:3:9: error duplicate-default `lr` has a default in 2 places (also at {}:2)".format(two, one),
    ]
    found = json.loads(hpman("check", "--format", "json", "proj", cwd=tmp_path, check=1).stdout)
    assert [(p["path"], [r["path"] for r in p["related"]]) for p in found] == [(one, [two]), (two, [one])]
    # run from inside the tree, the paths are relative to there, in the message too
    out = hpman("check", cwd=tmp_path / "proj", check=1).stdout.splitlines()
    assert out[0].startswith(os.path.join("one", "lib.py") + ":2:9:")
    assert out[0].endswith("(also at {}:3)".format(os.path.join("two", "lib.py")))


def test_list_tree_and_values_overlay():
    proc = hpman("list", "--tree", "--values", "values.yaml", cwd=PROJECT, check=0)
    assert yaml.safe_load(proc.stdout) == {
        "batch_size": 32, "data": {"shuffle": True, "workers": 4}, "epochs": 10,
        "model": {"activation": "relu", "depth": 18, "width": 64}, "optim": {"lr": 0.05, "name": "sgd"},
    }
    proc = hpman("list", "--format", "json", "--tree", cwd=PROJECT, check=0)
    assert json.loads(proc.stdout)["optim"] == {"lr": 0.1, "name": "sgd"}


def test_list_non_json_values_and_managers(tmp_path):
    write(tmp_path, "m.py", """\
        from hpman.m import _, cfg
        import math
        _('tup', (1, 2))
        _('st', {3})
        _('cx', 1j)
        _('pi', math.pi)
        _('none', None)
        _('使用')
        cfg('only', 'cfg')
        """)
    data = json.loads(hpman("list", "--format", "json", cwd=tmp_path, check=0).stdout)
    # as `--hp-list json` lists them: tuples and sets as lists, what JSON has no type for as Python text
    assert data == {"tup": [1, 2], "st": [3], "cx": "1j", "pi": "math.pi", "none": None}
    assert json.loads(hpman("list", "--format", "json", "--manager", "cfg", cwd=tmp_path, check=0).stdout) == \
        {"only": "cfg"}
    assert yaml.safe_load(hpman("list", "--manager", "cfg", cwd=tmp_path, check=0).stdout) == {"only": "cfg"}
    proc = hpman("list", "--manager", "nope", cwd=tmp_path, check=2)
    assert proc.stderr.count("\n") == 1 and "nope" in proc.stderr
    # the only manager there is, when it is not `_`
    write(tmp_path, "m.py", "from hpman.m import cfg\ncfg('only', 1)\n")
    assert json.loads(hpman("list", "--format", "json", cwd=tmp_path, check=0).stdout) == {"only": 1}


# -- tree and show -------------------------------------------------------------------------

def test_tree():
    proc = hpman("tree", cwd=PROJECT, check=0)
    assert proc.stdout == (
        "_\n"
        "├── batch_size = 32\n"
        "├── data\n"
        "│   ├── shuffle = True\n"
        "│   └── workers = 4\n"
        "├── epochs = 10\n"
        "├── model\n"
        "│   ├── activation = 'relu'\n"
        "│   ├── depth = 50\n"
        "│   └── width = 64\n"
        "└── optim\n"
        "    ├── lr = 0.1\n"
        "    └── name = 'sgd'\n")
    overlay = hpman("tree", "--values", "values.yaml", cwd=PROJECT, check=0).stdout
    assert "    ├── lr = 0.05\n" in overlay and "│   ├── depth = 18\n" in overlay


def test_tree_marks_problems_and_lists_every_manager(tmp_path):
    write(tmp_path, "m.py", "from hpman.m import _, cfg\n_('a', 1)\n_('a', 2)\ncfg('b.c', 3)\n")
    out = hpman("tree", cwd=tmp_path, check=0).stdout
    assert out == "_\n└── a = 1  [2 problems]\ncfg\n└── b\n    └── c = 3\n"


def test_show():
    proc = hpman("show", "batch_size", cwd=PROJECT, check=0)
    lines = proc.stdout.splitlines()
    assert lines[0] == "batch_size = 32  (int, from the default)"
    heads = [line for line in lines if line.startswith("occurrence[")]
    assert heads == ["occurrence[0] (use): data/loader.py:7", "occurrence[1] (default): train.py:9"]
    # source context with the line itself marked
    assert any(re.match(r"^\s*==>\s+9: batch_size = _\('batch_size', 32, help='samples per step'\)$", line)
               for line in lines)
    assert any(line.strip() == "8: lr = _('optim.lr', 0.1)  # 学习率" for line in lines)
    proc = hpman("show", "optim.lr", "--values", "values.yaml", cwd=PROJECT, check=0)
    assert proc.stdout.splitlines()[0] == "optim.lr = 0.05  (float, from the values file)"


def test_show_typo_suggests_and_exits_2():
    proc = hpman("show", "batch_sise", cwd=PROJECT, check=2)
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert "batch_sise" in proc.stderr and "did you mean `batch_size`?" in proc.stderr
    proc = hpman("show", "qqqqqqqq", cwd=PROJECT, check=2)
    assert "did you mean" not in proc.stderr and proc.stderr.count("\n") == 1


# -- options --------------------------------------------------------------------------------

def test_exclude_glob():
    names = json.loads(hpman("list", "--format", "json", "--exclude", "data/*", cwd=PROJECT, check=0).stdout)
    assert sorted(names) == sorted(k for k in PROJECT_VALUES if not k.startswith("data."))
    names = json.loads(hpman("list", "--format", "json", "--exclude", "model.py", "--exclude", "train.py",
                             cwd=PROJECT, check=0).stdout)
    assert names == {"data.shuffle": True, "data.workers": 4}
    # excluding the only default of a name makes its use a no-default warning
    rows = parsed(hpman("check", "--exclude", "train.py", cwd=PROJECT, check=0).stdout)
    assert [(r[0], r[4]) for r in rows] == [("data/loader.py", "no-default")]


def test_version():
    proc = hpman("--version", cwd=PROJECT, check=0)
    with open(os.path.join(REPO, "pyproject.toml"), encoding="utf-8") as f:
        version = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    assert proc.stdout.strip() == "hpman " + version


@pytest.mark.parametrize("args", [
    ["check", "no/such/dir"],
    ["list", "missing.py"],
    ["tree", ".", "nowhere"],
    ["show", "lr", "nowhere"],
    ["check", "--values", "no-such.yaml"],
])
def test_missing_path_is_one_line_exit_2(args):
    proc = hpman(*args, cwd=PROJECT, check=2)
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("hpman: error:")
    assert "Traceback" not in proc.stderr


def test_no_command_is_a_usage_error():
    proc = hpman(cwd=PROJECT)
    assert proc.returncode == 2 and "usage" in proc.stderr.lower()


def test_skipped_folders_and_venv_by_pyvenv_cfg(tmp_path):
    hp = "from hpman.m import _\n_('{}', 1)\n"
    write(tmp_path, "main.py", hp.format("main"))
    for folder in (".git", "node_modules", "build", "dist", "__pycache__", "myenv"):
        write(tmp_path, folder + "/x.py", hp.format(folder.strip("._")))
    write(tmp_path, "myenv/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "venv/__init__.py", hp.format("venv_package"))  # a package called venv is code
    write(tmp_path, "pkg/sub/deep.py", hp.format("deep"))
    write(tmp_path, "notes.txt", hp.format("txt"))
    names = json.loads(hpman("list", "--format", "json", cwd=tmp_path, check=0).stdout)
    assert sorted(names) == ["deep", "main", "venv_package"]


def test_cache_dir_is_used_and_no_cache_writes_nothing(tmp_path):
    cache = tmp_path / "cache"
    write(tmp_path, "src/m.py", "from hpman.m import _\n_('a', 1)\n")
    hpman("list", cwd=tmp_path / "src", cache=cache, check=0)
    assert os.listdir(str(cache))
    again = hpman("list", "--format", "json", cwd=tmp_path / "src", cache=cache, check=0)
    assert json.loads(again.stdout) == {"a": 1}
    other = tmp_path / "cache2"
    hpman("list", "--no-cache", cwd=tmp_path / "src", cache=other, check=0)
    assert not other.exists()


def test_console_script_when_installed():
    script = os.path.join(os.path.dirname(sys.executable), "hpman")
    if not os.path.exists(script):
        pytest.skip("no console script next to this interpreter")
    proc = subprocess.run([script, "check", "--no-cache"], cwd=PROBLEMS, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 1
    assert len(parsed(proc.stdout)) == 4


def test_broken_pipe_is_quiet(tmp_path):
    body = "from hpman.m import _\n" + "".join("_('n{}')\n".format(i) for i in range(3000))
    write(tmp_path, "m.py", body)
    env = dict(os.environ, HPMAN_CACHE_DIR=str(tmp_path / "c"))
    proc = subprocess.run("{} -m hpman check --no-cache | head -1".format(sys.executable), shell=True,
                          cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_on_a_terminal_only(tmp_path):
    for i in range(60):
        write(tmp_path, "m{}.py".format(i), "from hpman.m import _\n_('n{}', 1)\n".format(i))
    master, slave = os.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "hpman", "check", "--no-cache"], cwd=str(tmp_path),
                              stdout=subprocess.PIPE, stderr=slave, timeout=120)
        os.close(slave)
        slave = None
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    err = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0 and proc.stdout == b""
    assert "indexing 60/60 files" in err
    assert err.index("indexing 0/60 files") < err.index("indexing 50/60 files") < err.index("indexing 60/60 files")
    # piped: nothing on stderr (checked by every other test through hpman())


def test_warnings_of_the_code_read_stay_out_of_the_output(tmp_path):
    # "\(" is an invalid escape: a SyntaxWarning when compiled (3.12+), a DeprecationWarning before
    write(tmp_path, "a.py", 'from hpman.m import _\nx = 1\npattern = _("pattern", "\\(a\\)")\n')
    env_flag = os.environ.get("PYTHONWARNINGS")
    try:
        os.environ["PYTHONWARNINGS"] = "error"   # and no warning may become an error either
        proc = hpman("check", "--strict", ".", cwd=tmp_path, check=0)
        listed = hpman("list", "--format", "json", ".", cwd=tmp_path, check=0)
    finally:
        if env_flag is None:
            os.environ.pop("PYTHONWARNINGS")
        else:
            os.environ["PYTHONWARNINGS"] = env_flag
    assert proc.stderr == "" and listed.stderr == ""
    assert json.loads(listed.stdout)["pattern"] == "\\(a\\)"
