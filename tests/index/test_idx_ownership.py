"""One "is this path ours" test for the scan, a reload and the language server
(hpman.index.files.owned), and discovery that never leaves the roots through a link."""
import os
import subprocess
import sys
from pathlib import Path

from hpman.index.files import folders_to_watch, iter_python_files, owned
from hpman.index.workspace import Workspace

SERVER = Path(__file__).resolve().parents[2] / "server"
MODULE = "from hpman.m import _\nx = _('{}', 1)\n"


def make(root: Path, outside: Path) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text(MODULE.format("inside.a"), encoding="utf-8")
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (root / ".venv" / "lib" / "mod.py").write_text(MODULE.format("venv.mod"), encoding="utf-8")
    (root / "build").mkdir()
    (root / "build" / "gen.py").write_text(MODULE.format("build.gen"), encoding="utf-8")
    (root / "skip_me.py").write_text(MODULE.format("excluded.one"), encoding="utf-8")
    outside.mkdir()
    (outside / "leak.py").write_text(MODULE.format("outside.leak"), encoding="utf-8")
    os.symlink("/", root / "to_root")
    os.symlink(outside, root / "to_outside")
    os.symlink(outside / "leak.py", root / "leak_link.py")
    os.symlink(root / "pkg", root / "pkg_again")      # a link inside the root is fine (once)


def test_discovery_never_follows_a_link_out_of_the_root(tmp_path):
    root, outside = tmp_path / "ws", tmp_path / "outside"
    make(root, outside)
    found = sorted(os.path.relpath(p, root) for p in iter_python_files([str(root)], ["skip_me.py"]))
    assert found == ["pkg/a.py"]
    folders = {os.path.relpath(f, root) for f in folders_to_watch([str(root)], ["skip_me.py"])}
    assert folders == {".", "pkg"}


def test_owned_agrees_with_the_scan(tmp_path):
    root, outside = tmp_path / "ws", tmp_path / "outside"
    make(root, outside)
    roots, exclude = [str(root)], ["skip_me.py"]
    assert owned(str(root / "pkg" / "a.py"), roots, exclude)
    for rel in (".venv/lib/mod.py", "build/gen.py", "skip_me.py", "to_outside/leak.py", "leak_link.py",
                "to_root/etc/x.py", "pkg/a.txt"):
        assert not owned(str(root / rel), roots, exclude), rel
    assert not owned(str(outside / "leak.py"), roots, exclude)
    assert owned(str(outside / "leak.py"), [], exclude)          # no roots: a single file opened
    assert owned(str(root / "skip_me.py"), {str(root): []}, {str(root): []})   # globs per root


def test_a_reload_of_a_file_that_is_not_ours_indexes_nothing(tmp_path):
    root, outside = tmp_path / "ws", tmp_path / "outside"
    make(root, outside)
    ws = Workspace([str(root)], exclude=["skip_me.py"], cache=False)
    ws.scan()
    assert set(ws.paths()) == {str(root / "pkg" / "a.py")}
    for rel in (".venv/lib/mod.py", "build/gen.py", "to_outside/leak.py"):
        ws.reload(str(root / rel))
    assert {n for _m, n in ws.keys()} == {"inside.a"}


def test_hpman_list_does_not_walk_a_link_to_the_root_of_the_file_system(tmp_path):
    root, outside = tmp_path / "ws", tmp_path / "outside"
    make(root, outside)
    env = dict(os.environ, PYTHONPATH=str(SERVER), HPMAN_CACHE_DIR=str(tmp_path / "cache"))
    got = subprocess.run([sys.executable, "-m", "hpman", "list", str(root)], capture_output=True, text=True,
                         env=env, timeout=60)
    assert got.returncode == 0, got.stderr
    assert "inside.a" in got.stdout and "outside.leak" not in got.stdout and "venv.mod" not in got.stdout
