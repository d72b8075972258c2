"""The --hp-* actions: list, detail, save, load, serial format, exit; subsets; prefix."""
import json
import os
import pickle

import pytest
import yaml
from hpa_helpers import hpm, make_mgr, new_parser, run, write  # noqa: F401  (fixtures)

import hpargparse
from hpargparse.binding import ACTIONS

SOURCE = '''
from hpman.m import _
_('lr', 0.1)
_('n', 3)
_('flag', True)
_('name', 'resnet')
_('epochs', [30, 60])
_('shape', (3, 224))
_('tags', {'b', 'a'})
_('opt', {'beta': 0.9, 1: 'x'})
_('nothing', None)
_('model.depth', 50)
_('model.act', 'relu')
_('z', 1+2j)
_('raw', b'xy')
_('big', 12345678901234567890.5)
_('text', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
'''


@pytest.fixture
def mgr(make_mgr):
    return make_mgr(SOURCE)


@pytest.fixture
def parser(mgr):
    p = new_parser()
    hpargparse.bind(p, mgr)
    return p


def test_list_yaml_default(parser, run, mgr):
    r = run(parser, ["--hp-list"])
    assert (r.code, r.err) == (0, "")
    assert yaml.load(r.out, Loader=hpargparse.serial.Loader) == mgr.get_values()
    names = [line.split(":")[0] for line in r.out.splitlines() if line and not line.startswith((" ", "-"))]
    assert names == sorted(names)
    assert "text: " + "x" * 200 in r.out.splitlines()  # no wrapping, no cropping
    assert "\x1b" not in r.out
    assert all(line == line.rstrip() for line in r.out.splitlines())


def test_list_yaml_after_override(parser, run):
    r = run(parser, ["--lr", "1e-4", "--hp-list", "yaml"])
    assert r.code == 0 and "lr: 0.0001" in r.out.splitlines()


def test_list_json_is_valid_json_for_every_literal(parser, run):
    r = run(parser, ["--hp-list", "json"])
    assert (r.code, r.err) == (0, "")
    data = json.loads(r.out)
    assert data["shape"] == [3, 224]
    assert data["tags"] == ["a", "b"]
    assert data["opt"] == {"beta": 0.9, "1": "x"}
    assert data["z"] == "(1+2j)"
    assert data["raw"] == "b'xy'"
    assert data["nothing"] is None and data["flag"] is True
    assert data["model.depth"] == 50


def test_list_json_keeps_the_get_values_order(make_mgr, run):
    # as hpargparse 0.14 printed json.dumps(get_values()); the YAML listing sorts, as 0.14's did
    mgr = make_mgr("from hpman.m import _\n_('opt.beta', {})\n_('model.depth', 'adam')\n_('a', 1)\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    assert list(json.loads(run(p, ["--hp-list", "json"]).out)) == list(mgr.get_values()) == [
        "opt.beta", "model.depth", "a"]
    assert run(p, ["--hp-list", "yaml"]).out == "a: 1\nmodel.depth: adam\nopt.beta: {}\n"


def test_list_json_special_floats_stay_valid(make_mgr, run):
    mgr = make_mgr("from hpman.m import _\n_('a', 1.0)\n")
    mgr.set_value("a", float("nan"))
    mgr.set_value("b", [float("inf"), object()])
    p = new_parser()
    hpargparse.bind(p, mgr)
    r = run(p, ["--hp-list", "json"])
    data = json.loads(r.out, parse_constant=lambda c: pytest.fail("non-JSON constant " + c))
    assert data["a"] == "nan" and data["b"][0] == "inf" and data["b"][1].startswith("<object object")


def test_detail_table(parser, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run(parser, ["--hp-detail"])
    assert (r.code, r.err) == (0, "")
    lines = r.out.splitlines()
    assert lines[0] == "All hyperparameters:"
    assert lines[1] == "    " + repr(sorted(parser._hpargparse_bindings[0].hp_mgr.get_values()))
    assert lines[2] == "Details:"
    assert lines[3].startswith("+--") and lines[5].startswith("+==")
    assert [cell.strip() for cell in lines[4].split("|")[1:-1]] == ["name", "type", "value", "details"]
    assert "| model.depth " in r.out and "./hp_src.py:12" in r.out
    assert "==> 12: _('model.depth', 50)" in r.out
    widths = {len(line) for line in lines[3:]}
    assert len(widths) == 1  # one grid, every row the same width
    assert "\x1b" not in r.out


def test_detail_lists_every_occurrence_sorted(tmp_path, hpm, run, monkeypatch):
    write(tmp_path, "pkg/b.py", "from hpman.m import _\nx = _('lr')\n")
    write(tmp_path, "pkg/a.py", "from hpman.m import _\n\n\ny = _('lr', 0.5)\n")
    hpm.parse_file(str(tmp_path / "pkg"))
    monkeypatch.chdir(tmp_path)
    p = new_parser()
    hpargparse.bind(p, hpm)
    r = run(p, ["--hp-list", "detail", "--lr", "0.25"])
    assert r.code == 0
    out = r.out
    assert out.index("occurrence[0]:") < out.index("./pkg/a.py:4") < out.index("occurrence[1]:") < out.index("./pkg/b.py:2")
    assert "0.25" in out


def test_detail_for_runtime_only_values(hpm, run):
    hpm("made_at_runtime", 5)
    hpm.set_value("from_setter", "x")
    p = new_parser()
    hpargparse.bind(p, hpm)
    r = run(p, ["--hp-detail"])
    assert r.code == 0
    assert "defined at runtime" in r.out and "set with set_value" in r.out


def test_exit(parser, run, mgr):
    r = run(parser, ["--n", "5", "--hp-exit"])
    assert (r.code, r.out, r.err) == (0, "", "")
    assert mgr.get_value("n") == 5


@pytest.mark.parametrize("ext,fmt", [(".yaml", "yaml"), (".yml", "yaml"), (".json", "json"),
                                     (".pickle", "pickle"), (".pkl", "pickle")])
def test_save_then_load_round_trips_every_literal(make_mgr, run, tmp_path, ext, fmt):
    mgr = make_mgr(SOURCE)
    p = new_parser()
    hpargparse.bind(p, mgr)
    path = str(tmp_path / ("saved" + ext))
    argv = ["--shape", "(1, (2, 3))", "--tags", "{(1, 2), 'q'}", "--opt", "{(1, 2): {3}, None: b'z'}",
            "--nothing", "(1, {2}, [3j])", "--epochs", "[(), set(), {}, [1.5, -2]]", "--flag", "no",
            "--name", "名字", "--hp-save", path]
    r = run(p, argv)
    assert r.code is None, r.err
    saved = mgr.get_values()
    with open(path, "rb") as f:
        head = f.read(2)
    assert (head == b"\x80\x04") == (fmt == "pickle")

    import hpman
    fresh = hpman.HyperParameterManager("_")
    fresh.parse_file(str(tmp_path / "hp_src.py"))
    p2 = new_parser()
    hpargparse.bind(p2, fresh)
    r2 = run(p2, ["--hp-load", path])
    assert r2.code is None, r2.err
    loaded = fresh.get_values()
    assert loaded == saved
    for name in saved:
        assert type(loaded[name]) is type(saved[name]), name
        assert getattr(r2.ns, name) == saved[name]
    assert loaded["nothing"] == (1, {2}, [3j])
    assert type(loaded["opt"][(1, 2)]) is set


@pytest.mark.parametrize("fmt", ["yaml", "json", "pickle"])
def test_serial_format_from_the_command_line(parser, run, tmp_path, fmt, mgr):
    path = str(tmp_path / "values.txt")
    r = run(parser, ["--hp-serial-format", fmt, "--hp-save", path, "--n", "9"])
    assert r.code is None, r.err
    with open(path, "rb") as f:
        data = f.read()
    if fmt == "pickle":
        assert data.startswith(b"\x80")
    elif fmt == "json":
        assert json.loads(data.decode())["n"] == 9
    else:
        assert yaml.load(data, Loader=hpargparse.serial.Loader)["n"] == 9
    r = run(parser, ["--hp-serial-format", fmt, "--hp-load", path])
    assert r.code is None and r.ns.n == 9


def test_serial_format_given_to_bind(mgr, run, tmp_path):
    p = new_parser()
    hpargparse.bind(p, mgr, serial_format="json")
    path = str(tmp_path / "cfg")
    r = run(p, ["--hp-save", path])
    assert r.code is None
    with open(path) as f:
        assert json.load(f)["lr"] == 0.1
    assert "Defaults to json." in " ".join(p.format_help().split())
    with pytest.raises(ValueError):
        hpargparse.bind(new_parser(), mgr, serial_format="toml")


def test_save_unknown_extension_is_an_error(parser, run, tmp_path):
    r = run(parser, ["--hp-save", str(tmp_path / "x.cfg")])
    assert r.code == 2 and "x.cfg" in r.err.strip().splitlines()[-1]
    assert not os.path.exists(tmp_path / "x.cfg")


def test_load_sniffs_unknown_extension(parser, run, tmp_path, mgr):
    write(tmp_path, "a.cfg", "n: 4\n")
    write(tmp_path, "b.cfg", '{"shape": {"__tuple__": [1, 2]}}')
    with open(tmp_path / "c.cfg", "wb") as f:
        pickle.dump({"n": 6}, f, protocol=2)
    assert run(parser, ["--hp-load", str(tmp_path / "a.cfg")]).ns.n == 4
    assert run(parser, ["--hp-load", str(tmp_path / "b.cfg")]).ns.shape == (1, 2)
    assert run(parser, ["--hp-load", str(tmp_path / "c.cfg")]).ns.n == 6


def test_load_nested_flat_and_mixed(parser, run, tmp_path, mgr):
    write(tmp_path, "nested.yaml", "model:\n  depth: 18\n  act: gelu\nlr: 1e-3\n")
    write(tmp_path, "flat.yaml", "model.depth: 34\nmodel.act: elu\n")
    write(tmp_path, "tree.json", '{"model": {"depth": 152}, "opt": {"beta": 0.1}}')
    r = run(parser, ["--hp-load", str(tmp_path / "nested.yaml")])
    assert r.code is None, r.err
    assert (getattr(r.ns, "model.depth"), getattr(r.ns, "model.act"), r.ns.lr) == (18, "gelu", 1e-3)
    assert mgr.get_value("model.depth") == 18 and type(mgr.get_value("lr")) is float
    r = run(parser, ["--hp-load", str(tmp_path / "flat.yaml")])
    assert (getattr(r.ns, "model.depth"), getattr(r.ns, "model.act")) == (34, "elu")
    r = run(parser, ["--hp-load", str(tmp_path / "tree.json")])
    assert getattr(r.ns, "model.depth") == 152
    assert r.ns.opt == {"beta": 0.1}  # a dict value, not a subtree


def test_command_line_overrides_loaded_values(parser, run, tmp_path, mgr):
    path = write(tmp_path, "v.yaml", "n: 4\nlr: 0.5\n")
    r = run(parser, ["--n", "8", "--hp-load", path])
    assert (r.ns.n, r.ns.lr) == (8, 0.5)
    assert (mgr.get_value("n"), mgr.get_value("lr")) == (8, 0.5)
    # saving happens after everything else
    out = str(tmp_path / "out.yaml")
    r = run(parser, ["--hp-save", out, "--hp-load", path, "--lr", "0.75"])
    with open(out) as f:
        saved = yaml.load(f, Loader=hpargparse.serial.Loader)
    assert (saved["n"], saved["lr"]) == (4, 0.75)


@pytest.mark.parametrize("content,needle", [
    ("modle:\n  depth: 3\n", "unknown hyperparameter `modle` in `{path}`; did you mean `model`?"),
    ("model:\n  dept: 3\n", "unknown hyperparameter `model.dept` in `{path}`; did you mean `model.depth`?"),
    ("model.dpth: 3\n", "unknown hyperparameter `model.dpth` in `{path}`; did you mean `model.depth`?"),
    ("zzzzzzzz: 3\n", "unknown hyperparameter `zzzzzzzz` in `{path}` (the closest known name is `"),
    ("n: abc\n", "Error parsing hyperparameter `n` "),
    ("n: 1.5\n", "Error parsing hyperparameter `n` "),
    ("name: 12\n", "Error parsing hyperparameter `name` "),
    ("flag: maybe\n", "Error parsing hyperparameter `flag` "),
    ("epochs: {a: 1}\n", "Error parsing hyperparameter `epochs` "),
    ("tags: [[1]]\n", "Error parsing hyperparameter `tags` "),
    ("- 1\n- 2\n", "`{path}` must hold a mapping of hyperparameter names to values"),
    ("1: 2\n", "key 1 is not a hyperparameter name"),
    ("n: [1,\n", "cannot parse `{path}` as YAML (line 2"),
    ("n: !!python/object/apply:os.system ['echo hi']\n", "refusing to load `{path}` (line 1, key `n`): the YAML tag"),
])
def test_load_errors_are_one_line(parser, run, tmp_path, mgr, content, needle):
    path = write(tmp_path, "bad.yaml", content)
    before = mgr.get_values()
    r = run(parser, ["--hp-load", path])
    assert r.code == 2 and "Traceback" not in r.err
    last = r.err.strip().splitlines()[-1]
    assert last.startswith("prog: error: ")
    assert needle.format(path=path) in last
    assert mgr.get_values() == before


def test_load_missing_file(parser, run, tmp_path):
    r = run(parser, ["--hp-load", str(tmp_path / "nope.yaml")])
    assert r.code == 2 and "cannot read `{}`".format(tmp_path / "nope.yaml") in r.err


def test_load_empty_file_changes_nothing(parser, run, tmp_path, mgr):
    before = mgr.get_values()
    r = run(parser, ["--hp-load", write(tmp_path, "empty.yaml", "")])
    assert r.code is None and mgr.get_values() == before


def test_load_accepts_annotated_dicts_and_yaml11_floats(parser, run, tmp_path):
    path = write(tmp_path, "v.yaml", "opt: {beta: 0.3, __is_dict__: true}\nlr: 1e-4\nz: '2+1j'\n")
    r = run(parser, ["--hp-load", path])
    assert r.code is None, r.err
    assert (r.ns.opt, r.ns.lr, r.ns.z) == ({"beta": 0.3}, 1e-4, 2 + 1j)


def test_loaded_values_in_namespace_and_detail(parser, run, tmp_path, monkeypatch):
    path = write(tmp_path, "v.yaml", "n: 42\n")
    monkeypatch.chdir(tmp_path)
    r = run(parser, ["--hp-load", path, "--hp-list", "detail"])
    assert r.code == 0
    row = [line for line in r.out.splitlines() if line.startswith("| n ")][0]
    assert "| int " in row and " 42 " in row


@pytest.mark.parametrize("subset", [
    [], ["save"], ["load"], ["list"], ["detail"], ["exit"], ["serial-format"], ["save", "list"],
    ["load", "detail"], ["list", "detail"], ["save", "load"], ["load", "list", "exit"], list(ACTIONS),
])
def test_every_subset_of_actions(mgr, run, tmp_path, subset):
    p = new_parser()
    hpargparse.bind(p, mgr, inject_actions=subset)
    have = {a for a in ACTIONS if "--hp-" + a in p._option_string_actions}
    expected = set(subset)
    if expected & {"save", "load"}:
        expected.add("serial-format")
    if expected:
        expected.add("exit")
    assert have == expected
    r = run(p, ["--n", "2"])
    assert r.code is None and r.ns.n == 2
    if "save" in subset:
        path = str(tmp_path / "s.json")
        assert run(p, ["--hp-save", path]).code is None and os.path.exists(path)
    if "load" in subset:
        path = write(tmp_path, "l.yaml", "n: 11\n")
        assert run(p, ["--hp-load", path]).ns.n == 11
    if "list" in subset:
        assert run(p, ["--hp-list"]).code == 0
    if "detail" in subset:
        r = run(p, ["--hp-detail"])
        assert r.code == 0 and r.out.startswith("All hyperparameters:")
    if "exit" in expected:
        assert run(p, ["--hp-exit"]).code == 0


def test_inject_actions_true_false(mgr):
    p = new_parser()
    hpargparse.bind(p, mgr, inject_actions=False)
    assert not [o for o in p._option_string_actions if o.startswith("--hp-")]
    p = new_parser()
    hpargparse.bind(p, mgr, inject_actions=True)
    assert {"--hp-" + a for a in ACTIONS} <= set(p._option_string_actions)
    with pytest.raises(ValueError, match="unknown hpargparse action `lst`"):
        hpargparse.bind(new_parser(), mgr, inject_actions=["lst"])


@pytest.mark.parametrize("prefix", ["cfg", "my-hp", "x_y"])
def test_action_prefix_everywhere(mgr, run, tmp_path, prefix):
    p = new_parser()
    hpargparse.bind(p, mgr, action_prefix=prefix)
    opts = set(p._option_string_actions)
    for a in ACTIONS:
        assert "--{}-{}".format(prefix, a) in opts
        assert "--hp-" + a not in opts
    help_text = " ".join(p.format_help().split())
    assert "If `--{}-list detail` is specified".format(prefix) in help_text
    assert "Shorthand for --{}-list detail".format(prefix) in help_text
    path = str(tmp_path / "p.yaml")
    r = run(p, ["--n", "5", "--{}-save".format(prefix), path, "--{}-serial-format".format(prefix), "json"])
    assert r.code is None
    with open(path) as f:
        assert json.load(f)["n"] == 5
    r = run(p, ["--{}-load".format(prefix), path, "--{}-serial-format".format(prefix), "json",
                "--{}-list".format(prefix), "json"])
    assert r.code == 0 and json.loads(r.out)["n"] == 5
    assert run(p, ["--{}-detail".format(prefix)]).code == 0
    assert run(p, ["--{}-exit".format(prefix)]).code == 0


def test_detail_table_aligns_chinese_text(tmp_path, hpm, run, monkeypatch):
    import unicodedata
    write(tmp_path, "cn.py", '# 学习率设置\nfrom hpman.m import _\nlr = _("lr", 0.1)  # 学习率\nname = _("模型", "残差网络")\n')
    hpm.parse_file(str(tmp_path / "cn.py"))
    monkeypatch.chdir(tmp_path)
    p = new_parser()
    hpargparse.bind(p, hpm)
    r = run(p, ["--hp-detail", "--模型", "卷积网络"])
    assert r.code == 0
    table = r.out.splitlines()[3:]

    def width(line):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)

    assert len({width(line) for line in table}) == 1
    assert "卷积网络" in r.out and "==> 3: lr = _(\"lr\", 0.1)  # 学习率" in r.out


def test_display_paths(tmp_path):
    from hpargparse.listing import display_path
    (tmp_path / "real" / "sub").mkdir(parents=True)
    os.symlink(str(tmp_path / "real"), str(tmp_path / "link"))
    assert display_path(str(tmp_path / "real" / "sub" / "a.py"), str(tmp_path / "real")) == "./sub/a.py"
    assert display_path(str(tmp_path / "link" / "sub" / "a.py"), str(tmp_path / "real")) == "./sub/a.py"
    assert display_path(str(tmp_path / "real" / "a.py"), str(tmp_path / "link")) == "./a.py"
    outside = str(tmp_path / "elsewhere.py")
    assert display_path(outside, str(tmp_path / "real")) == outside
    assert display_path("<unknown>", str(tmp_path)) == "<unknown>"


def test_load_sets_names_used_without_default(make_mgr, run, tmp_path):
    mgr = make_mgr("from hpman.m import _\ndef f():\n    return _('wd'), _('model.lr', 0.1), _('model')\n")
    assert "wd" not in mgr.get_values()
    p = new_parser()
    hpargparse.bind(p, mgr)
    r = run(p, ["--hp-load", write(tmp_path, "v.yaml", "wd: 0.0005\nmodel: {lr: 0.2}\n")])
    assert r.code is None, r.err
    assert mgr.get_values() == {"wd": 0.0005, "model.lr": 0.2}
    r = run(p, ["--hp-load", write(tmp_path, "w.yaml", "model: 3\n")])
    assert r.code == 2
    assert r.err.strip().splitlines()[-1] == (
        "prog: error: `model` in `{}` is a tree of hyperparameters (`model.lr`), so it takes a mapping, "
        "not int 3".format(tmp_path / "w.yaml"))
