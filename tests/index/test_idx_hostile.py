"""Nothing in a workspace makes the index raise: each bad file is a problem on that file."""
import ast
import builtins
import os
import stat

import pytest
from idx_helpers import memory_ws, problems, scan, write

from hpman.index import facts as F
from hpman.index.workspace import MAX_FILE_BYTES, Workspace

GOOD = "from hpman.m import _\nlr = _('lr', 0.1)\n"


def only_problem(ws, path):
    found = problems(ws, path=path)
    assert [(p.code, p.severity) for p in found] == [("syntax-error", "error")], found
    return found[0]


def assert_rest_indexed(ws, root):
    assert ws.names("_") == ["lr"]
    (occ,) = ws.occurrences_of(("_", "lr"))
    assert os.path.realpath(occ.path) == os.path.realpath(os.path.join(str(root), "good.py"))


def refuse(monkeypatch, path, exc):
    """Make every way of opening `path` fail with `exc` (root can read anything, so chmod is no test)."""
    real_open, real_os_open = builtins.open, os.open

    def is_it(file):
        return isinstance(file, (str, os.PathLike)) and os.path.abspath(os.fspath(file)) == path

    def fake_open(file, *args, **kwargs):
        if is_it(file):
            raise exc
        return real_open(file, *args, **kwargs)

    def fake_os_open(file, *args, **kwargs):
        if is_it(file):
            raise exc
        return real_os_open(file, *args, **kwargs)
    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)


@pytest.mark.parametrize("name,data,fragment", [
    ("syntax.py", b"from hpman.m import _\nx = _('a', 1\n", None),
    ("indent.py", b"from hpman.m import _\n  _('a', 1)\n", None),
    ("undecodable.py", b"from hpman.m import _\nx = '\xff\xfe\xfa'; _('a', 1)\n", "decode"),
    ("cookie_mismatch.py", b"# coding: ascii\nfrom hpman.m import _\n_('\xc3\xa9', 1)\n", "decode"),
    ("nul.py", b"from hpman.m import _\n\x00\x01\x02_('a', 1)\x00\n", "NUL"),
    ("binary.py", b"\x7fELF\x02\x01\x01\x00hpman\x00\x00\xff\xfe" * 100, ""),
    ("parens.py", b"from hpman.m import _\nx = " + b"(" * 1000 + b"_('a', 1)" + b")" * 1000 + b"\n", "nested"),
    ("brackets.py", b"from hpman.m import _\n_('a', " + b"[" * 1000 + b"]" * 1000 + b")\n", ""),
    ("unary.py", b"from hpman.m import _\n_('a', " + b"-" * 100000 + b"1)\n", ""),
])
def test_bad_file_is_a_syntax_error_problem_and_the_rest_is_indexed(tmp_path, name, data, fragment):
    write(tmp_path, "good.py", GOOD)
    bad = write(tmp_path, name, data)
    ws = scan(tmp_path)
    p = only_problem(ws, bad)
    if fragment is None:  # Python's own message (its wording varies between versions)
        with pytest.raises(SyntaxError) as exc:
            ast.parse(data)
        fragment = exc.value.msg
    assert fragment in p.message
    assert_rest_indexed(ws, tmp_path)
    # the same through set_text (an editor buffer) where the text can be decoded
    if fragment == "decode":
        return  # an editor buffer is already text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    ws.set_text(bad, text)
    only_problem(ws, bad)
    assert_rest_indexed(ws, tmp_path)


@pytest.mark.parametrize("expression", [
    "+".join(["1"] * 3000),                       # a long chain of operators
    "a" + ".b" * 3000,                            # a long attribute chain
    "f" + "()" * 3000,                            # a long call chain
    "1 if c else " * 2000 + "1",                  # nested conditional expressions
    "not " * 3000 + "x",
    "'s' " * 5000,                                # a long implicit concatenation
])
def test_deep_but_valid_expressions_do_not_raise(expression):
    # `ast.parse` accepts or refuses them depending on the Python version; either way: no exception
    for text in ("from hpman.m import _\nx = _('a', " + expression + ")\n",
                 "from hpman.m import _\nx = " + expression + " + _('a', 1)\n",
                 "from hpman.m import _\ndef f():\n    return [" + expression + ", _('a', 1)]\n"):
        facts = F.extract_workspace(text, "/w/a.py")
        assert [o.name for o in facts.occurrences] == ["a"] or [i.code for i in facts.issues] == ["syntax-error"]
        placeholder = F.extract_placeholder(text, "/w/a.py", "_")
        assert [o.name for o in placeholder.occurrences] == ["a"] or \
            [i.code for i in placeholder.issues] == ["syntax-error"]
        ws = memory_ws({"/w/a.py": text})
        problems(ws)


def test_deep_expression_that_parses_is_indexed():
    text = "from hpman.m import _\nx = _('a', 1) + " + " + ".join(["y"] * 1500) + "\n"
    facts = F.extract_workspace(text, "/w/a.py")
    if facts.issues:  # refused by this Python's parser
        assert [i.code for i in facts.issues] == ["syntax-error"]
    else:
        assert [(o.name, o.value) for o in facts.occurrences] == [("a", 1)]


def test_huge_file(tmp_path):
    write(tmp_path, "good.py", GOOD)
    line = b"x = _('lr', 0.2)  # hpman\n"
    big = write(tmp_path, "big.py", b"from hpman.m import _\n" + line * (MAX_FILE_BYTES // len(line) + 10))
    assert os.path.getsize(big) > MAX_FILE_BYTES
    ws = scan(tmp_path)
    p = only_problem(ws, big)
    assert "10 MB" in p.message
    assert_rest_indexed(ws, tmp_path)


def test_symlink_loops(tmp_path):
    write(tmp_path, "good.py", GOOD)
    os.symlink(str(tmp_path), str(tmp_path / "loop"))                 # a folder that contains itself
    os.makedirs(str(tmp_path / "a"))
    os.symlink(str(tmp_path / "a"), str(tmp_path / "a" / "again"))
    os.symlink(str(tmp_path / "x.py"), str(tmp_path / "y.py"))        # file links in a cycle
    os.symlink(str(tmp_path / "y.py"), str(tmp_path / "x.py"))
    os.symlink(str(tmp_path / "missing.py"), str(tmp_path / "dangling.py"))
    os.symlink(str(tmp_path / "good.py"), str(tmp_path / "alias.py"))  # the same file twice
    ws = scan(tmp_path)
    assert problems(ws) == []
    assert_rest_indexed(ws, tmp_path)
    assert len(ws.paths()) == 1


def test_fifo_and_special_entries_are_skipped(tmp_path):
    write(tmp_path, "good.py", GOOD)
    os.mkfifo(str(tmp_path / "pipe.py"))  # opening it would block forever
    os.makedirs(str(tmp_path / "dir.py"))
    write(tmp_path, "dir.py/inner.py", "from hpman.m import _\n_('inner', 1)\n")
    ws = scan(tmp_path)
    assert not any(p.endswith("pipe.py") for p in ws.paths())
    assert ws.names("_") == ["inner", "lr"]


def test_unreadable_file(tmp_path, monkeypatch):
    write(tmp_path, "good.py", GOOD)
    locked = write(tmp_path, "locked.py", "from hpman.m import _\n_('secret', 1)\n")
    if os.geteuid() != 0:
        os.chmod(locked, 0)
    else:
        refuse(monkeypatch, locked, PermissionError(13, "Permission denied", locked))
    try:
        ws = scan(tmp_path)
    finally:
        os.chmod(locked, stat.S_IRUSR | stat.S_IWUSR)
    p = only_problem(ws, locked)
    assert "cannot read" in p.message and "denied" in p.message
    assert_rest_indexed(ws, tmp_path)


def test_file_deleted_mid_scan(tmp_path, monkeypatch):
    write(tmp_path, "good.py", GOOD)
    gone = write(tmp_path, "gone.py", "from hpman.m import _\n_('gone', 1)\n")
    from hpman.index import workspace as W
    real = W.iter_python_files

    def deleting(*args, **kwargs):
        for path in real(*args, **kwargs):
            if path.endswith("gone.py"):
                os.unlink(gone)
            yield path
    monkeypatch.setattr(W, "iter_python_files", deleting)
    ws = scan(tmp_path)
    assert not ws.is_indexed(gone)
    assert_rest_indexed(ws, tmp_path)


def test_unknown_coding_cookie_reads_as_utf8_with_an_information(tmp_path):
    """hpman 0.13 read every file as UTF-8; failing on the standard library's `uft-8` test file
    would fail harder than it. The cookie is reported, the module indexed."""
    path = write(tmp_path, "badcookie.py", "# -*- coding: no-such-codec -*-\nfrom hpman.m import _\n_('a', '\u00e9')\n")
    ws = scan(tmp_path)
    (p,) = problems(ws)
    assert (p.code, p.severity, p.range[0]) == ("unknown-encoding", "information", 0)
    assert "no-such-codec" in p.message and "UTF-8" in p.message
    assert ws.defaults_of(("_", "a"))[0].value == "\u00e9"
    assert ws.text_of(path).startswith("# -*-")


def test_file_vanishing_between_stat_and_open(tmp_path, monkeypatch):
    write(tmp_path, "good.py", GOOD)
    gone = write(tmp_path, "gone.py", "from hpman.m import _\n_('gone', 1)\n")
    refuse(monkeypatch, gone, FileNotFoundError(2, "No such file or directory", gone))
    ws = scan(tmp_path)
    assert only_problem(ws, gone).message.startswith("cannot read")
    assert_rest_indexed(ws, tmp_path)


def test_set_text_with_nul_and_reload_of_junk(tmp_path):
    write(tmp_path, "good.py", GOOD)
    ws = scan(tmp_path)
    path = str(tmp_path / "buffer.py")
    ws.set_text(path, "from hpman.m import _\n\x00_('a', 1)\n")
    only_problem(ws, path)
    write(tmp_path, "buffer.py", b"\xff\xfe hpman \x00")
    ws.reload(path)
    only_problem(ws, path)
    assert_rest_indexed(ws, tmp_path)


@pytest.mark.parametrize("data,message", [
    (b"lr: [1, 2\n", "invalid YAML"),
    (b"- 1\n- 2\n", "mapping"),
    (b"lr: !!python/object/apply:os.system ['echo pwned']\n", "`lr`: the YAML tag `tag:yaml.org,2002:python/object/apply:os.system` is not plain data"),
    (b"\xff\xfe\x00garbage", "cannot read"),
    (b"a: &a [1]\nb: *a\nc: {x: *a}\n", None),
])
def test_hostile_values_files(tmp_path, data, message):
    write(tmp_path, "good.py", GOOD)
    values = write(tmp_path, "v.yaml", data)
    ws = scan(tmp_path, values=values)
    found = problems(ws, path=values)
    if message is None:
        assert {p.code for p in found} == {"unknown-key"}
    else:
        (p,) = found
        assert p.code == "syntax-error" and message in p.message
    assert_rest_indexed(ws, tmp_path)


def test_values_file_never_runs_code(tmp_path):
    marker = tmp_path / "pwned"
    write(tmp_path, "good.py", GOOD)
    values = write(tmp_path, "v.yaml", "lr: !!python/object/apply:os.system ['touch {}']\n".format(marker))
    ws = scan(tmp_path, values=values)
    problems(ws)
    assert not marker.exists()


def test_missing_root_raises_file_not_found_but_set_text_works_without_roots(tmp_path):
    ws = Workspace([str(tmp_path / "nope")], cache=False)
    with pytest.raises(FileNotFoundError):
        ws.scan()
    ws2 = Workspace([], cache=False)
    ws2.scan()
    assert ws2.paths() == []
