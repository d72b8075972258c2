"""Finding and reading files the way Python does; what a workspace includes."""
import os

import pytest
from idx_helpers import scan, write

from hpman.index.files import decode_source, iter_python_files
from hpman.index.workspace import Workspace


@pytest.mark.parametrize("data,text", [
    (b"x = 1\n", "x = 1\n"),
    (b"\xef\xbb\xbfx = '\xc3\xa9'\n", "x = '\u00e9'\n"),
    (b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "# -*- coding: latin-1 -*-\nx = '\u00e9'\n"),
    (b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n",
     "#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\u20ac'\n"),
    (b"x = 1\r\ny = 2\r\n", "x = 1\ny = 2\n"),
    (b"x = 1\ry = 2\r", "x = 1\ny = 2\n"),
    # the cookie's own line in latin-1: Python runs it (tokenize.detect_encoding refuses it)
    (b"# coding: latin-1 \xe9t\xe9\nx = '\xe9'\n", "# coding: latin-1 \u00e9t\u00e9\nx = '\u00e9'\n"),
    (b"x = '\xe4\xb8\xad'  # coding: latin-1 on line 1 but not a comment line\n", "x = '\u4e2d'  # coding: latin-1 on line 1 but not a comment line\n"),
])
def test_decode_source_like_python(data, text):
    assert decode_source(data) == text


def test_cookie_on_line_2_only_after_a_comment_or_blank_line():
    data = b"x = 1\n# coding: latin-1\ny = '\xe9'\n"
    with pytest.raises(UnicodeDecodeError):
        decode_source(data)  # line 1 is code: the cookie does not count, UTF-8 fails


@pytest.mark.parametrize("data,error", [
    (b"# coding: no-such-codec\n", LookupError),
    (b"x = '\xff'\n", UnicodeDecodeError),
])
def test_undecodable(data, error):
    with pytest.raises(error):
        decode_source(data)


def test_iter_python_files_order_dedupe_and_skips(tmp_path):
    for rel in ("b.py", "a.py", "pkg/c.py", "pkg/sub/d.py", ".git/e.py", "node_modules/f.py", "build/g.py",
                "dist/h.py", "__pycache__/i.py", "env/j.py", "venv/k.py", "x.txt", "pkg/.hidden.py"):
        write(tmp_path, rel, "")
    write(tmp_path, "env/pyvenv.cfg", "")
    os.symlink(str(tmp_path / "a.py"), str(tmp_path / "pkg" / "link.py"))
    found = [os.path.relpath(p, str(tmp_path)) for p in iter_python_files([str(tmp_path)])]
    assert found == ["a.py", "b.py", "pkg/c.py", "pkg/sub/d.py", "venv/k.py"]    # dot-names left out, as glob
    # a file given twice (and through its folder) comes once
    again = list(iter_python_files([str(tmp_path / "a.py"), str(tmp_path / "a.py"), str(tmp_path / "pkg")]))
    assert [os.path.relpath(p, str(tmp_path)) for p in again] == ["a.py", "pkg/c.py", "pkg/sub/d.py"]
    # a hidden file named itself is taken
    assert list(iter_python_files([str(tmp_path / "pkg" / ".hidden.py")])) == [str(tmp_path / "pkg" / ".hidden.py")]
    with pytest.raises(FileNotFoundError):
        list(iter_python_files([str(tmp_path / "missing")]))


def test_exclude_globs(tmp_path):
    for rel in ("a.py", "test_a.py", "pkg/test_b.py", "pkg/c.py", "gen/d.py"):
        write(tmp_path, rel, "")
    rel = lambda paths: sorted(os.path.relpath(p, str(tmp_path)) for p in paths)  # noqa: E731
    assert rel(iter_python_files([str(tmp_path)], ["test_*.py"])) == ["a.py", "gen/d.py", "pkg/c.py"]
    assert rel(iter_python_files([str(tmp_path)], ["gen"])) == ["a.py", "pkg/c.py", "pkg/test_b.py", "test_a.py"]
    assert rel(iter_python_files([str(tmp_path)], ["pkg/*"])) == ["a.py", "gen/d.py", "test_a.py"]


def test_reload_respects_roots_skips_and_excludes(tmp_path):
    hp = "from hpman.m import _\n_('{}', 1)\n"
    write(tmp_path, "root/a.py", hp.format("a"))
    ws = Workspace([str(tmp_path / "root")], exclude=["skip_*.py"], cache=False)
    ws.scan()
    for rel, name in (("root/node_modules/n.py", "n"), ("root/skip_me.py", "s"), ("elsewhere/o.py", "o"),
                      ("root/build/b.py", "b")):
        ws.reload(write(tmp_path, rel, hp.format(name)))
    assert ws.names("_") == ["a"]
    ws.reload(write(tmp_path, "root/pkg/new.py", hp.format("new")))
    assert ws.names("_") == ["a", "new"]


def test_scan_of_several_roots_and_single_files(tmp_path):
    hp = "from hpman.m import _\n_('{}', 1)\n"
    one = write(tmp_path, "one/a.py", hp.format("a"))
    write(tmp_path, "two/b.py", hp.format("b"))
    ws = Workspace([one, str(tmp_path / "two")], cache=False)
    ws.scan()
    assert ws.names("_") == ["a", "b"]


def test_text_of_reads_cached_entries_from_disk(tmp_path):
    write(tmp_path, "a.py", "# -*- coding: latin-1 -*-\nfrom hpman.m import _\n_('a', '\u00e9')\n", encoding="latin-1")
    cache = tmp_path / "cache"
    scan(tmp_path, cache_dir=cache)
    ws = scan(tmp_path, cache_dir=cache)
    assert ws.parsed_files == 0
    path = str(tmp_path / "a.py")
    assert ws.kept_text(path) is None
    assert ws.text_of(path).endswith("_('a', '\u00e9')\n")
    assert ws.text_of(str(tmp_path / "nope.py")) is None
