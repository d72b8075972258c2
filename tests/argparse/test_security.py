"""Security: no code from the workspace or from a values file is ever executed.

Every payload below would create a marker file if it were executed or imported.
Each tool opens it (runtime parse_file, `hpman check/list/show`, hpargparse
`--hp-load` for YAML, JSON and pickle); afterwards the marker must not exist.
Refused values files are a one-line error with exit status 2, never a traceback.
The language server side is in tests/lsp/test_hostile_lsp.py.
"""
import os
import pickle
import subprocess
import sys

import pytest

import hpman
from hpman import HyperParameterManager, NotLiteralEvaluable

SERVER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "server")
TIMEOUT = 60


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([SERVER] + [p for p in [e.get("PYTHONPATH")] if p])
    e["HPMAN_CACHE_DIR"] = os.path.join(os.environ.get("TMPDIR", "/tmp"), "hpman-security-cache")
    e.pop("PYTHONSTARTUP", None)
    return e


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "MARKER"
    yield str(path)
    assert not path.exists(), "code from the workspace or a values file ran: " + path.read_text()


def payload(marker, tag):
    """A Python expression that creates the marker file when evaluated."""
    return "__import__('pathlib').Path({!r}).write_text({!r})".format(marker, tag)


def evil_workspace(root, marker):
    """Modules whose import, default, hint or name would create the marker."""
    os.makedirs(root, exist_ok=True)
    files = {
        "top_level.py": "{}\nfrom hpman.m import _\nlr = _('lr', 0.1)\n".format(payload(marker, "import")),
        "default.py": "from hpman.m import _\nx = _('evil.default', {})\n".format(payload(marker, "default")),
        "hint.py": "from hpman.m import _\ny = _('evil.hint', 1, help={})\n".format(payload(marker, "hint")),
        "name.py": "from hpman.m import _\nz = _({}, 1)\n".format(payload(marker, "name")),
        "lambda_default.py": "from hpman.m import _\nf = _('evil.call', (lambda: {})())\n".format(
            payload(marker, "lambda")),
        "__init__.py": payload(marker, "package") + "\n",
        "conftest.py": payload(marker, "conftest") + "\nimport hpman\n",
        "setup.py": payload(marker, "setup") + "\nimport hpman\n",
    }
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
    with open(os.path.join(root, "values.yaml"), "w") as f:
        f.write("lr: !!python/object/apply:os.system [\"touch {}\"]\n".format(marker))
    return files


def test_runtime_parse_file_never_executes_the_module(tmp_path, marker):
    root = str(tmp_path / "ws")
    evil_workspace(root, marker)
    m = HyperParameterManager("_")
    m.parse_file(os.path.join(root, "top_level.py"))
    m.parse_file(os.path.join(root, "default.py"))
    m.parse_file(os.path.join(root, "lambda_default.py"))
    assert m.get_value("lr") == 0.1
    assert isinstance(m.get_value("evil.default"), NotLiteralEvaluable)
    assert isinstance(m.get_value("evil.call"), NotLiteralEvaluable)
    with pytest.raises(NotLiteralEvaluable):
        m.parse_file(os.path.join(root, "hint.py"))
    with pytest.raises(hpman.NotLiteralNameException):
        m.parse_file(os.path.join(root, "name.py"))
    with pytest.raises(Exception):
        m.parse_file(root)        # the whole folder: refused at the first bad module, nothing run
    HyperParameterManager("_").parse_source(open(os.path.join(root, "default.py")).read(), "<evil>")


@pytest.mark.parametrize("args", [
    ["check"], ["check", "--format", "json"], ["list"], ["list", "--format", "json"], ["tree"],
    ["show", "lr"], ["list", "--values", "values.yaml"], ["check", "--values", "values.yaml"],
])
def test_hpman_cli_never_executes_the_workspace(tmp_path, marker, args):
    root = str(tmp_path / "ws")
    evil_workspace(root, marker)
    proc = subprocess.run([sys.executable, "-m", "hpman"] + args, cwd=root, env=env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    # `list` cannot apply the refused values file: a usage error (exit 2) naming it
    expected = (2,) if args == ["list", "--values", "values.yaml"] else (0, 1)
    assert proc.returncode in expected, proc
    assert b"Traceback" not in proc.stderr


# -- hpargparse --hp-load ----------------------------------------------------------------------

MAIN = """\
import argparse
import hpargparse
from hpman.m import _


def main():
    parser = argparse.ArgumentParser()
    _.parse_file(__file__)
    hpargparse.bind(parser, _)
    parser.parse_args()
    print("lr", _('lr', 0.1), "layers", _('layers', [1, 2]), "name", _('name', 'x'))


if __name__ == "__main__":
    main()
"""


def run_main(tmp_path, *argv):
    main = tmp_path / "main.py"
    main.write_text(MAIN)
    proc = subprocess.run([sys.executable, str(main)] + list(argv), cwd=str(tmp_path), env=env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def assert_refused(code, out, err):
    assert code == 2, (code, out, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    # argparse prints the usage line, then exactly one error line
    assert lines[-1].startswith("main.py: error:") and len([l for l in lines if "error" in l]) == 1, err
    assert out == ""


YAML_PAYLOADS = [
    "lr: !!python/object/apply:os.system [\"touch {m}\"]\n",
    "lr: !!python/object/apply:subprocess.check_call [[\"touch\", \"{m}\"]]\n",
    "lr: !!python/object/new:subprocess.Popen [[\"touch\", \"{m}\"]]\n",
    "lr: !!python/name:os.system\n",
    "lr: !!python/module:os\n",
    "lr: !!python/object:argparse.Namespace {{x: 1}}\n",
    "layers:\n  - 1\n  - !!python/object/apply:os.system [\"touch {m}\"]\n",
    "!!python/object/apply:os.system [\"touch {m}\"]\n",
    "? !!python/object/apply:os.system [\"touch {m}\"]\n: 1\n",
    "lr: !<tag:yaml.org,2002:python/object/apply:os.system> [\"touch {m}\"]\n",
    "%TAG !p! tag:yaml.org,2002:python/\n---\nlr: !p!object/apply:os.system [\"touch {m}\"]\n",
]


@pytest.mark.parametrize("text", YAML_PAYLOADS, ids=range(len(YAML_PAYLOADS)))
def test_hp_load_refuses_python_yaml_tags(tmp_path, marker, text):
    values = tmp_path / "values.yaml"
    values.write_text(text.format(m=marker))
    code, out, err = run_main(tmp_path, "--hp-load", str(values))
    assert_refused(code, out, err)
    assert "refusing" in err or "cannot" in err


class _Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def pickles(marker):
    code = "open({!r}, 'w').write('pickle')".format(marker)
    yield "os.system", pickle.dumps({"lr": _Reduce(os.system, ("touch " + marker,))}, protocol=2)
    yield "eval protocol 0", pickle.dumps({"lr": _Reduce(eval, (code,))}, protocol=0)
    yield "exec protocol 4", pickle.dumps({"lr": _Reduce(exec, (code,))}, protocol=4)
    yield "exec protocol 5", pickle.dumps({"lr": _Reduce(exec, (code,))}, protocol=5)
    yield "subprocess", pickle.dumps(_Reduce(subprocess.call, (["touch", marker],)), protocol=3)
    yield "getattr chain", (b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'touch "
                            + marker.encode() + b"'\ntR.")
    yield "hand-made GLOBAL", b"cos\nsystem\n(S'touch " + marker.encode() + b"'\ntR."
    yield "hand-made INST", b"(S'touch " + marker.encode() + b"'\nios\nsystem\n."
    yield "persistent id", b"(dp0\nS'lr'\np1\nPabc\nsS'x'\nI1\ns."
    yield "reduce on an allowed global", (b"\x80\x02c__builtin__\nset\nq\x00c__builtin__\neval\n"
                                         b"X\x04\x00\x00\x001+1s\x85R.")


@pytest.mark.parametrize("index", range(10))
def test_hp_load_refuses_pickles_that_run_code(tmp_path, marker, index):
    label, data = list(pickles(marker))[index]
    values = tmp_path / "values.pkl"
    values.write_bytes(data)
    code, out, err = run_main(tmp_path, "--hp-load", str(values))
    assert_refused(code, out, err)
    # the pickle module is never given a chance: the refusal happens on the first global
    assert "refusing" in err or "cannot" in err, (label, err)


def test_plain_pickle_yaml_and_json_still_load(tmp_path, marker):
    pkl = tmp_path / "ok.pkl"
    pkl.write_bytes(pickle.dumps({"lr": 0.5, "layers": [3, 4], "name": "y"}))
    assert run_main(tmp_path, "--hp-load", str(pkl))[1] == "lr 0.5 layers [3, 4] name y\n"
    yml = tmp_path / "ok.yaml"
    yml.write_text("lr: 0.25\nlayers: [5]\n")
    assert run_main(tmp_path, "--hp-load", str(yml))[1] == "lr 0.25 layers [5] name x\n"
    js = tmp_path / "ok.json"
    js.write_text('{"name": "__import__(\'os\').system(\'touch %s\')"}' % marker)
    assert run_main(tmp_path, "--hp-load", str(js))[1].endswith("name __import__('os').system('touch %s')\n" % marker)


def test_a_string_value_on_the_command_line_is_never_evaluated(tmp_path, marker):
    code, out, err = run_main(tmp_path, "--layers", payload(marker, "cli"))
    assert code == 2 and "Traceback" not in err
    code, out, err = run_main(tmp_path, "--lr", payload(marker, "cli"))
    assert code == 2 and "Traceback" not in err
    code, out, err = run_main(tmp_path, "--name", payload(marker, "cli"))
    assert code == 0 and payload(marker, "cli") in out


def test_a_yaml_alias_bomb_is_loaded_or_refused_in_bounded_time(tmp_path, marker):
    """Nested aliases ("billion laughs") must not expand exponentially anywhere in --hp-load."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append("a{}: &a{} [{}]".format(i, i, ", ".join(["*a{}".format(i - 1)] * 10)))
    lines.append("layers: *a8")
    values = tmp_path / "bomb.yaml"
    values.write_text("\n".join(lines) + "\n")
    code, out, err = run_main(tmp_path, "--hp-load", str(values))   # TIMEOUT bounds it
    assert code == 2 and "Traceback" not in err


def _bomb_inside_one_value():
    parts = ["&b0 [1, 2]"] + ["&b{} [{}]".format(i, ", ".join(["*b{}".format(i - 1)] * 10)) for i in range(1, 8)]
    return "layers: [" + ", ".join(parts) + "]\n"


RECURSIVE = {
    "recursive_list.yaml": "layers: &l [1, *l]\n",
    "recursive_mapping.yaml": "layers: [&m {a: *m}]\n",
    "bomb_in_one_value.yaml": _bomb_inside_one_value(),
}


@pytest.mark.parametrize("name", sorted(RECURSIVE))
def test_hp_load_refuses_recursive_or_exploding_yaml(tmp_path, marker, name):
    """A value that contains itself, or that aliases blow up, would make --hp-list / --hp-save
    recurse or never end: refused at load, one line, exit 2, in bounded time."""
    values = tmp_path / name
    values.write_text(RECURSIVE[name])
    for extra in ([], ["--hp-list", "json"], ["--hp-save", str(tmp_path / "out.yaml")]):
        code, out, err = run_main(tmp_path, "--hp-load", str(values), *extra)
        assert_refused(code, out, err)
        assert "refusing" in err
    assert not (tmp_path / "out.yaml").exists()


def test_hp_load_refuses_a_recursive_pickle(tmp_path, marker):
    data = [1]
    data.append(data)
    values = tmp_path / "rec.pkl"
    values.write_bytes(pickle.dumps({"layers": data}))
    code, out, err = run_main(tmp_path, "--hp-load", str(values), "--hp-list", "json")
    assert_refused(code, out, err)
    assert "contains itself" in err
