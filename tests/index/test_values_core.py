"""The core values format as the index and the editor use it: `--hp-save`'s tags read by the
overlay (an entry that does not decode costs only itself), where the `hpman.valuesFile`
setting may point, and the layering rule that `hpman` never imports `hpargparse`."""
import ast
import os

import pytest

from hpman.index.problems import problems_of
from hpman.index.queries import effective_value, value_text
from hpman.index.workspace import Workspace
from hpman.values.location import check_values_setting

SERVER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "server")
SRC = "from hpman.m import _\n_('a', (0, 0))\n_('b', 1.0)\n_('c', 0j)\n_('opt', {'x': 1})\n"


def workspace(tmp_path, values_text, name="v.yaml"):
    (tmp_path / "m.py").write_text(SRC)
    ws = Workspace([str(tmp_path)], cache=False)
    ws.scan()
    ws.set_values_file(str(tmp_path / name), values_text)
    return ws


def test_saved_tags_are_values_not_errors(tmp_path):
    ws = workspace(tmp_path, "a: !!python/tuple [1, 2]\nb: .nan\nc: !!python/complex '1+2j'\nopt:\n  x: 2\n  y: [3]\n")
    assert ws.values_file.errors == []
    assert effective_value(ws, ("_", "a")) == ((1, 2), "values file")
    assert value_text(ws, ("_", "b")) == "nan" and value_text(ws, ("_", "c")) == "(1+2j)"
    assert effective_value(ws, ("_", "opt")) == ({"x": 2, "y": [3]}, "values file")   # a dict value, not keys
    assert problems_of(ws, ws.values_file.path) == []


def test_one_bad_entry_keeps_the_others(tmp_path):
    ws = workspace(tmp_path, "a: !!python/tuple [1, 2]\nb: !!python/object/apply:os.system ['x']\n"
                             "c: !!python/complex '2j'\nopt:\n  x: " + "9" * 5000 + "\n")
    assert effective_value(ws, ("_", "a"))[0] == (1, 2) and effective_value(ws, ("_", "c"))[0] == 2j
    tag, digits = problems_of(ws, ws.values_file.path)
    assert (tag.code, tag.range[0], digits.code, digits.range[0]) == ("syntax-error", 1, "syntax-error", 4)
    assert tag.message.startswith("`b`: the YAML tag `tag:yaml.org,2002:python/object/apply:os.system`")
    assert digits.message.startswith("`opt.x`: an integer of 5,000 digits (Python reads at most 4,300)")
    assert effective_value(ws, ("_", "opt")) == ({"x": 1}, "default")


def test_json_values_file_with_wrappers(tmp_path):
    ws = workspace(tmp_path, '{"a": {"__tuple__": [1, 2]}, "b": {"__float__": "nan"}, "c": {"__complex__": [0, 1]}}',
                   name="v.json")
    assert ws.values_file.errors == []
    assert effective_value(ws, ("_", "a"))[0] == (1, 2) and effective_value(ws, ("_", "c"))[0] == 1j
    assert value_text(ws, ("_", "b")) == "nan"


@pytest.mark.parametrize("value, user_level, accepted", [
    ("values.yaml", False, "values.yaml"),
    ("sub/v.yaml", False, "sub/v.yaml"),
    ("../secret.yaml", False, None),
    ("/etc/passwd", False, None),
    ("/proc/self/environ", False, None),
    ("link.yaml", False, None),            # a symlink inside that points outside
    ("/etc/hpman/values.yaml", True, "/etc/hpman/values.yaml"),
    ("../shared/values.yaml", True, "../shared/values.yaml"),
])
def test_values_setting_stays_in_the_workspace_unless_the_user_set_it(tmp_path, value, user_level, accepted):
    folder = tmp_path / "ws"
    folder.mkdir()
    os.symlink("/etc/passwd", str(folder / "link.yaml"))
    path, message = check_values_setting(value, [str(folder)], user_level=user_level)
    if accepted is None:
        assert path is None
        assert message == ("hpman.valuesFile `{}` is outside the workspace folder, so it is not read; a values file "
                           "outside the workspace can be set in the user settings".format(value))
    else:
        assert message is None and path == os.path.normpath(os.path.join(str(folder), accepted))


def test_values_setting_unset_or_without_folder():
    assert check_values_setting(None, ["/w"]) == (None, None)
    assert check_values_setting("  ", ["/w"]) == (None, None)
    path, message = check_values_setting("v.yaml", [])
    assert path is None and "no workspace folder" in message


def _imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_hpman_never_imports_hpargparse():
    found = []
    for base, _dirs, files in os.walk(os.path.join(SERVER, "hpman")):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(base, name)
                found += ["{}: {}".format(os.path.relpath(path, SERVER), m) for m in _imports(path)
                          if m.split(".")[0] in ("hpargparse", "pygls", "lsprotocol", "hpman_lsp")]
    assert found == []
    assert len([f for f in os.listdir(os.path.join(SERVER, "hpman", "values")) if f.endswith(".py")]) > 5
