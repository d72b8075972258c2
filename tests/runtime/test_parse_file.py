"""parse_file: paths, directories, encodings, symlinks and skipped folders."""
import collections
import os
import subprocess
import textwrap
import threading

import pytest
from rt_helpers import PY, state, subprocess_env, write

from hpman import HyperParameterManager


def names(m):
    return sorted(m.get_values())


def test_single_file(tmp_path):
    path = write(tmp_path, "one.py", "from hpman.m import _\n_('one', 1)\n")
    m = HyperParameterManager("_")
    assert m.parse_file(path) is m
    assert m.get_values() == {"one": 1}
    assert m.get_occurrence("one").filename == path
    assert m.get_occurrence("one").lineno == 2


def test_pathlike_argument(tmp_path):
    write(tmp_path, "one.py", "_('one', 1)\n")
    assert HyperParameterManager("_").parse_file(tmp_path / "one.py").get_values() == {"one": 1}


def test_directory_is_recursive_and_only_py(tmp_path):
    write(tmp_path, "a.py", "_('a', 1)\n")
    write(tmp_path, "pkg/b.py", "_('b', 2)\n")
    write(tmp_path, "pkg/deep/er/c.py", "_('c', 3)\n")
    write(tmp_path, "pkg/notes.txt", "_('txt', 4)\n")
    write(tmp_path, "pkg/script.pyw", "_('pyw', 5)\n")
    write(tmp_path, "pkg/data.py.bak", "_('bak', 6)\n")
    m = HyperParameterManager("_").parse_file(str(tmp_path))
    assert names(m) == ["a", "b", "c"]


# any sequence of paths, as parse_file's annotation says (a deque or a UserList was taken for one path)
@pytest.mark.parametrize("kind", [list, tuple, collections.deque, collections.UserList])
def test_list_and_tuple_of_files_and_dirs(tmp_path, kind):
    write(tmp_path, "d1/x.py", "_('x', 1)\n")
    write(tmp_path, "d1/sub/y.py", "_('y', 2)\n")
    z = write(tmp_path, "z.py", "_('z', 3)\n")
    write(tmp_path, "ignored.py", "_('ignored', 4)\n")
    m = HyperParameterManager("_").parse_file(kind([str(tmp_path / "d1"), z]))
    assert names(m) == ["x", "y", "z"]


def test_empty_list_and_empty_dir(tmp_path):
    m = HyperParameterManager("_")
    m.parse_file([])
    m.parse_file(str(tmp_path))
    assert m.get_values() == {}


@pytest.mark.parametrize("arg", ["missing.py", "missing_dir", ["ok.py", "missing.py"]])
def test_missing_path_raises_file_not_found(tmp_path, arg):
    write(tmp_path, "ok.py", "_('ok', 1)\n")
    m = HyperParameterManager("_")
    old = os.getcwd()
    os.chdir(str(tmp_path))
    try:
        with pytest.raises(FileNotFoundError) as err:
            m.parse_file(arg)
        assert "missing" in str(err.value)
    finally:
        os.chdir(old)
    assert m.get_values() == {}


# -- encodings -------------------------------------------------------------------------

def test_latin1_coding_cookie(tmp_path):
    path = str(tmp_path / "lat.py")
    with open(path, "wb") as f:
        f.write("# -*- coding: latin-1 -*-\n_('name', 'café')\n".encode("latin-1"))
    m = HyperParameterManager("_").parse_file(path)
    assert m.get_value("name") == "café"


def test_cookie_on_second_line(tmp_path):
    path = str(tmp_path / "lat2.py")
    with open(path, "wb") as f:
        f.write("#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\n_('n', 'ü')\n".encode("latin-1"))
    assert HyperParameterManager("_").parse_file(path).get_value("n") == "ü"


def test_utf8_bom(tmp_path):
    path = str(tmp_path / "bom.py")
    with open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf" + "_('bom', '中文')\n".encode("utf-8"))
    m = HyperParameterManager("_").parse_file(path)
    assert m.get_value("bom") == "中文"
    assert m.get_occurrence("bom").lineno == 1


def test_crlf_line_endings(tmp_path):
    path = str(tmp_path / "crlf.py")
    with open(path, "wb") as f:
        f.write(b"x = 1\r\n\r\n_('crlf', 2)\r\n")
    m = HyperParameterManager("_").parse_file(path)
    assert m.get_value("crlf") == 2
    assert m.get_occurrence("crlf").lineno == 3


@pytest.mark.parametrize("data, line", [
    (b"_('bad', '\xff\xfe')\n", 1),                       # not UTF-8
    (b"x = 1\n\n_('bad', '\xff')\n", 3),
    (b"_('a', 1)\n\x00\n", 2),                            # a null byte
])
def test_unreadable_source_is_a_syntax_error_with_file_and_line(tmp_path, data, line):
    path = str(tmp_path / "bad.py")
    with open(path, "wb") as f:
        f.write(data)
    m = HyperParameterManager("_")
    m.parse_source("_('keep', 1)", "keep.py")
    before = state(m)
    with pytest.raises(SyntaxError) as err:
        m.parse_file(path)
    assert err.value.filename == path
    assert err.value.lineno == line
    assert "bad.py" in str(err.value)
    assert state(m) == before


def test_an_unknown_coding_cookie_reads_as_utf8_as_in_0_13(tmp_path):
    """hpman 0.13 read every file as UTF-8 (the standard library has a `uft-8` cookie in its
    tests): the module is parsed, and `hpman check` reports the cookie as an information."""
    path = str(tmp_path / "cookie.py")
    with open(path, "wb") as f:
        f.write("# coding: uft-8\n_('a', '\u00e9')\n".encode("utf-8"))
    assert HyperParameterManager("_").parse_file(path).get_values() == {"a": "\u00e9"}


def test_utf8_is_used_whatever_the_locale(tmp_path):
    path = write(tmp_path, "zh.py", """\
        # 中文注释：学习率
        from hpman.m import _
        lr = _('学习率', '很好')
        """)
    script = textwrap.dedent("""\
        import sys
        from hpman import HyperParameterManager
        m = HyperParameterManager('_').parse_file(sys.argv[1])
        print(ascii(m.get_values()))
        print(ascii(m.get_occurrence('\\u5b66\\u4e60\\u7387').source_helper.lines[0]))
        """)
    env = subprocess_env(LANG="C", LC_ALL="C", LC_CTYPE="C")
    env.pop("PYTHONIOENCODING", None)
    env.pop("PYTHONUTF8", None)
    out = subprocess.run([PY, "-X", "utf8=0", "-c", script, path], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == ascii({"学习率": "很好"})
    assert lines[1] == ascii("# 中文注释：学习率")


# -- symlinks --------------------------------------------------------------------------

def test_symlink_loop_does_not_hang(tmp_path):
    write(tmp_path, "root/a.py", "_('a', 1)\n")
    write(tmp_path, "root/sub/b.py", "_('b', 2)\n")
    os.symlink(str(tmp_path / "root"), str(tmp_path / "root" / "sub" / "loop"))
    os.symlink("..", str(tmp_path / "root" / "sub" / "up"))
    os.symlink("self_link.py", str(tmp_path / "root" / "self_link.py"))  # a dangling self-loop
    m = HyperParameterManager("_")
    worker = threading.Thread(target=m.parse_file, args=(str(tmp_path / "root"),), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "parse_file did not finish within 30 s"
    assert m.get_values() == {"a": 1, "b": 2}
    assert len(m.db) == 2


def test_symlinked_directory_is_followed_once(tmp_path):
    write(tmp_path, "real/c.py", "_('c', 3)\n")
    write(tmp_path, "proj/main.py", "_('main', 0)\n")
    os.symlink(str(tmp_path / "real"), str(tmp_path / "proj" / "linked"))
    m = HyperParameterManager("_").parse_file([str(tmp_path / "proj"), str(tmp_path / "real")])
    assert m.get_values() == {"main": 0, "c": 3}
    assert len(m.db) == 2


# -- skipped folders -------------------------------------------------------------------

@pytest.mark.parametrize("folder", [".git", "node_modules", "__pycache__", "build", "dist",
                                    "pkg/.git", "pkg/node_modules", "pkg/build", "pkg/dist"])
def test_skipped_folders(tmp_path, folder):
    write(tmp_path, "kept.py", "_('kept', 1)\n")
    write(tmp_path, folder + "/skipped.py", "_('skipped', 2)\n")
    m = HyperParameterManager("_").parse_file(str(tmp_path))
    assert names(m) == ["kept"]


@pytest.mark.parametrize("venv_name", ["venv", ".venv", "env", "my-environment", "pkg/whatever"])
def test_virtualenv_found_by_pyvenv_cfg(tmp_path, venv_name):
    write(tmp_path, "kept.py", "_('kept', 1)\n")
    write(tmp_path, venv_name + "/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, venv_name + "/lib/python3/site-packages/dep.py", "_('from_venv', 2)\n")
    m = HyperParameterManager("_").parse_file(str(tmp_path))
    assert names(m) == ["kept"]


def test_package_named_venv_without_pyvenv_cfg_is_code(tmp_path):
    write(tmp_path, "venv/__init__.py", "_('venv_pkg', 1)\n")
    write(tmp_path, "env/mod.py", "_('env_pkg', 2)\n")
    m = HyperParameterManager("_").parse_file(str(tmp_path))
    assert names(m) == ["env_pkg", "venv_pkg"]


def test_explicit_file_inside_a_skipped_folder_is_parsed(tmp_path):
    path = write(tmp_path, "build/gen.py", "_('gen', 1)\n")
    assert HyperParameterManager("_").parse_file(path).get_values() == {"gen": 1}


def test_directory_order_is_stable(tmp_path):
    for name in ["z.py", "a.py", "m/b.py", "B.py"]:
        write(tmp_path, name, "_('{}')\n".format(name))
    m = HyperParameterManager("_").parse_file(str(tmp_path))
    files = [os.path.relpath(r.filename, str(tmp_path)) for r in m.db]
    assert files == sorted(files)


def test_warnings_of_the_code_read_are_neither_shown_nor_errors(tmp_path):
    import warnings
    path = write(tmp_path, "a.py", 'from hpman.m import _\nx = 1\npattern = _("pattern", "\\(a\\)")\n')
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("error")
        m = HyperParameterManager("_").parse_file(path)
    assert m.get_value("pattern") == "\\(a\\)" and not seen


def test_a_large_tree_is_parsed_in_two_processes_with_the_same_result(tmp_path, monkeypatch):
    """parse_file spawns a fresh interpreter for half of the modules (never a fork of the user's
    program); what it finds is exactly what one process finds."""
    from hpman.index import parallel
    for i in range(80):
        write(tmp_path, "pkg/m{:02d}.py".format(i), "from hpman.m import _\ndef f():\n    return _('n{0}', {0}) + _('shared')\n".format(i))
    write(tmp_path, "pkg/z.py", "from hpman.m import _\n_('shared', 1)\n")
    spawned = []
    real = parallel.map_spawned
    monkeypatch.setattr(parallel, "map_spawned", lambda *a, **k: spawned.append(len(a[1])) or real(*a, **k))
    import hpman.index.workspace as W
    monkeypatch.setattr(W, "map_spawned", parallel.map_spawned)
    monkeypatch.setenv("HPMAN_NO_CACHE", "1")
    two = HyperParameterManager("_").parse_file(str(tmp_path))
    assert spawned == [81]
    monkeypatch.setenv("HPMAN_WORKERS", "1")
    one = HyperParameterManager("_").parse_file(str(tmp_path))
    assert list(two.get_values().items()) == list(one.get_values().items())
    rows = lambda m: [(r.name, r.filename, r.lineno, repr(r.value)) for r in m.db]  # noqa: E731
    assert rows(two) == rows(one)
    write(tmp_path, "pkg/m40.py", "from hpman.m import _\ndef f(:\n    return _('n40', 40)\n")
    monkeypatch.delenv("HPMAN_WORKERS")
    with pytest.raises(SyntaxError) as err:
        HyperParameterManager("_").parse_file(str(tmp_path))
    assert err.value.filename.endswith("m40.py") and err.value.lineno == 2


def test_a_syntax_error_anywhere_in_a_module_that_uses_hpman_raises_also_from_the_cache(tmp_path):
    """0.13 parsed every module whole: a syntax error far from any `_()` call still fails the
    parse, and the verdict kept in the cache says the same on the next start."""
    path = write(tmp_path, "m.py", "from hpman.m import _\nx = _('x', 1)\n\ndef (:\n    pass\n")
    for _attempt in range(2):
        m = HyperParameterManager("_")
        with pytest.raises(SyntaxError) as err:
            m.parse_file(path)
        assert err.value.lineno == 4 and err.value.filename == path
        assert m.get_values() == {}
    with pytest.raises(SyntaxError):
        HyperParameterManager("_").parse_source("w = \uff3f('Z9')\n")   # a full-width underscore


@pytest.mark.parametrize("text, cls", [
    ("  indented = 1\n_('a', 1)\n", IndentationError),
    ("def f():\n\tif 1:\n        pass\n\tx=1\n\nf(_('a', 1))\n", TabError),
    ("_('a', 1)\ndef (:\n", SyntaxError),
])
def test_the_syntax_error_keeps_the_class_python_raised(tmp_path, text, cls):
    """`except IndentationError` written for hpman 0.13 still catches it, from a file (also
    from the cache on the second parse) and from parse_source."""
    path = write(tmp_path, "m.py", text)
    for _attempt in range(2):
        with pytest.raises(SyntaxError) as err:
            HyperParameterManager("_").parse_file(path)
        assert type(err.value) is cls and err.value.filename == path
    with pytest.raises(SyntaxError) as err:
        HyperParameterManager("_").parse_source(text)
    assert type(err.value) is cls
