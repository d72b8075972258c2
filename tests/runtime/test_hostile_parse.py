"""Reliability: the runtime `parse_file` on a hostile workspace.

Each bad file raises the documented exception (SyntaxError for text Python itself
would refuse, OSError for what cannot be read), with the file and the line, in a
one-line message, and leaves the manager as it was; every good file is indexed;
nothing hangs (each call runs under a watchdog).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import hostile  # noqa: E402  (tests/hostile.py)

import hpman.manager  # noqa: E402
from hpman import HyperParameterManager  # noqa: E402

WATCHDOG = 20.0

# bad file -> the line the error must point at
BAD_LINES = {
    "bad/syntax_error.py": (2, 3),   # the unclosed bracket (3.10+), the line after it (3.9)
    "bad/python2.py": 2,
    "bad/binary.py": None,           # somewhere in the junk: any line >= 1
    "bad/nul_bytes.py": 3,
    "bad/latin1_no_cookie.py": 2,
    "bad/nested_parens.py": 2,
    "bad/nested_lists.py": 2,
    "bad/bad_bom.py": 1,
}


def bounded(fn, *args):
    return hostile.bounded(WATCHDOG, fn, *args)


@pytest.fixture
def ws(tmp_path):
    return hostile.make_hostile_workspace(tmp_path / "ws")


def snapshot(m):
    return repr(m.get_values()), [(r.name, r.priority, r.filename, r.lineno) for r in m.db]


def test_the_generator_covers_what_issue_8_lists(ws):
    assert set(BAD_LINES) | {"huge/big.py"} == set(ws.bad)
    assert os.path.getsize(ws.path("huge/big.py")) > 10 * 1024 * 1024
    assert os.path.islink(ws.path("links/up")) and os.path.realpath(ws.path("links/up")) == os.path.realpath(ws.root)
    with open(ws.path("good/bom.py"), "rb") as f:
        assert f.read(3) == b"\xef\xbb\xbf"
    with open(ws.path("good/latin1.py"), "rb") as f:
        assert b"caf\xe9" in f.read()


@pytest.mark.parametrize("rel", sorted(BAD_LINES))
def test_each_bad_file_raises_one_line_with_file_and_line(ws, rel):
    m = HyperParameterManager("_")
    m.parse_file(ws.path("good/train.py"))
    before = snapshot(m)
    box = bounded(m.parse_file, ws.path(rel))
    exc = box.get("error")
    assert isinstance(exc, SyntaxError), (rel, box)
    assert os.path.realpath(exc.filename) == os.path.realpath(ws.path(rel))
    assert exc.lineno is not None and exc.lineno >= 1
    expected = BAD_LINES[rel]
    if expected is not None:
        assert exc.lineno in (expected if isinstance(expected, tuple) else (expected,)), (rel, exc.lineno, str(exc))
    message = str(exc)
    assert "\n" not in message, message
    assert os.path.basename(rel) in message and "line {}".format(exc.lineno) in message
    # atomic: the manager is as before, and still works
    assert snapshot(m) == before
    m.parse_file(ws.path("good/uses.py"))
    assert m.get_value("lr") == 0.1


def test_every_good_file_is_indexed(ws):
    m = HyperParameterManager("_")
    box = bounded(m.parse_file, hostile.good_files(ws))
    assert "error" not in box, box
    values = m.get_values()
    assert values["lr"] == 0.1 and values["batch"] == 32 and values["model.depth"] == 18
    assert values["latin1.greeting"] == "caf\xe9"          # read through its coding cookie
    assert values["bom.value"] == "值"                      # UTF-8 BOM
    assert values["crlf.x"] == 1
    assert values["codec"] == 1                             # an unknown cookie reads as UTF-8
    assert values["deep.ok"] == eval("[" * 20 + "]" * 20)
    for i, name in enumerate(hostile.ODD_NAMES):
        assert values[name] == i, name
        assert m.get_value(name) == i
    # gettext's `_('Hello, world')` is just a name without a default for the runtime
    assert "Hello, world" not in values
    # positions survive the odd names: the occurrence of each points at its own line
    odd_lines = {r.name: r.lineno for r in m.db if r.filename.endswith("odd_names.py")}
    for i, name in enumerate(hostile.ODD_NAMES):
        assert odd_lines[name] == 3 + i


def test_the_10mb_module_is_parsed_in_bounded_time(ws):
    m = HyperParameterManager("_")
    box = bounded(m.parse_file, ws.path("huge/big.py"))
    assert "error" not in box, box
    assert m.get_value("big.value") == 1
    assert box["seconds"] < WATCHDOG


def test_symlink_loops_fifos_and_dangling_links_in_a_folder(tmp_path):
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a.py").write_text(hostile.HEADER + "_('a', 1)\n")
    (root / "sub" / "b.py").write_text(hostile.HEADER + "_('b', 2)\n")
    os.symlink("..", str(root / "sub" / "back"))             # a directory loop
    os.symlink("../a.py", str(root / "sub" / "alias.py"))     # the same file again
    os.symlink("self.py", str(root / "self.py"))               # ELOOP
    os.symlink("nowhere.py", str(root / "dangling.py"))
    os.mkfifo(str(root / "pipe.py"))                            # opening it would block
    m = HyperParameterManager("_")
    box = bounded(m.parse_file, str(root))
    assert "error" not in box, box
    assert m.get_values() == {"a": 1, "b": 2}   # each file once: no duplicate default through the alias


def test_a_fifo_named_as_a_module_is_refused_not_waited_on(ws):
    m = HyperParameterManager("_")
    box = bounded(m.parse_file, ws.path("links/fifo.py"))
    assert isinstance(box.get("error"), OSError), box
    assert "fifo.py" in str(box["error"])
    assert m.get_values() == {}


@pytest.mark.parametrize("rel", ["links/self_loop.py", "links/a_loop.py", "links/dangling.py"])
def test_broken_symlinks_given_by_name_are_file_not_found(ws, rel):
    m = HyperParameterManager("_")
    box = bounded(m.parse_file, ws.path(rel))
    assert isinstance(box.get("error"), FileNotFoundError), box
    assert os.path.basename(rel) in str(box["error"])


def test_an_unreadable_file_raises_permission_error_naming_it(ws):
    """Tests run as root, so chmod cannot make a file unreadable: open/os.open are patched
    in-process (hostile.unreadable_open) to refuse that one path."""
    path = hostile.add_unreadable(ws)
    m = HyperParameterManager("_")
    m.parse_file(ws.path("good/train.py"))
    before = snapshot(m)
    with hostile.unreadable_open([path]):
        box = bounded(m.parse_file, [ws.path("good/uses.py"), path])
    exc = box.get("error")
    assert isinstance(exc, PermissionError), box
    assert "unreadable.py" in str(exc) and "\n" not in str(exc)
    assert snapshot(m) == before
    m.parse_file(path)  # readable again
    assert m.get_value("unreadable") == 1


def test_a_file_deleted_while_the_scan_runs(ws, monkeypatch):
    """The file listing is wrapped so that one listed file is deleted before it is read."""
    import hpman.index.workspace
    real_iter = hpman.index.workspace.iter_python_files
    victim = ws.path("good/train.py")

    def listing_then_delete(paths, *args, **kwargs):
        files = list(real_iter(paths, *args, **kwargs))
        assert victim in files
        os.unlink(victim)
        return iter(files)

    monkeypatch.setattr(hpman.index.workspace, "iter_python_files", listing_then_delete)
    m = HyperParameterManager("_")
    box = bounded(m.parse_file, ws.path("good"))
    exc = box.get("error")
    assert isinstance(exc, FileNotFoundError), box
    assert "train.py" in str(exc)
    assert m.get_values() == {}                  # atomic: nothing from the other files either
    monkeypatch.undo()
    m.parse_file(ws.path("good"))                # the scan works again without the file
    assert "lr" not in m.get_values() and m.get_value("bom.value") == "值"


def test_the_whole_hostile_tree_fails_fast_on_its_first_bad_file(ws):
    """parse_file over everything: the first bad file (in path order) is reported, quickly."""
    m = HyperParameterManager("_")
    box = bounded(m.parse_file, ws.root)
    exc = box.get("error")
    assert isinstance(exc, SyntaxError), box
    assert os.path.realpath(exc.filename).startswith(os.path.realpath(ws.path("bad")))
    assert m.get_values() == {}


DEEP = [
    ("unary", "_('x', " + "-" * 5000 + "1)"),
    ("not", "_('x', " + "not " * 5000 + "1)"),
    ("sum", "_('x', " + "1 + " * 5000 + "1)"),
    ("attributes", "_('x', " + "a." * 5000 + "b)"),
    ("lambdas", "x = " + "lambda: " * 990 + "_('x', 1)"),
    ("calls", "x = " + "f(" * 199 + "_('x', 1)" + ")" * 199),
]


@pytest.mark.parametrize("label,source", DEEP, ids=[d[0] for d in DEEP])
def test_deeply_nested_sources_are_a_syntax_error_or_parse(tmp_path, label, source):
    """Nesting beyond what the parser can build is a SyntaxError with file and line (Python
    itself refuses such a module), never a RecursionError out of parse_file."""
    path = tmp_path / "deep.py"
    path.write_text(hostile.HEADER + source + "\n")
    m = HyperParameterManager("_")
    box = bounded(m.parse_file, str(path))
    if "error" in box:
        exc = box["error"]
        assert isinstance(exc, SyntaxError), (label, repr(exc))
        assert exc.filename == str(path) and exc.lineno >= 1 and "\n" not in str(exc)
        assert m.get_values() == {}
    else:
        assert "x" in m.get_values() or m.get_occurrence("x") is not None


# -- property: random sources raise only the documented exceptions, atomically ------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import hpman as _hpman  # noqa: E402
from hpman.primitives import BadArgumentsException  # noqa: E402

DOCUMENTED = (SyntaxError, _hpman.DoubleAssignmentException, _hpman.NotLiteralNameException,
              _hpman.NotLiteralEvaluable, _hpman.ImpossibleTree, BadArgumentsException)
PIECES = ["_('a', 1)", "_('a')", "_('a.b', 2)", "_(x)", "_()", "_('c', 1, 2)", "_('h', 1, help=f())",
          "_('d', {[1]: 2})", "_('e', lambda: 1)", "_('学习率', '值')", "_('', 0)", "_('q\\'', 1)",
          "def f(_):\n    return _('local', 1)\n", "(", ")", "[", "]", ",", "'", "\"", "#", "\n", " ",
          "\\", "print 'x'", "\0", "\ufeff", "\r", "\t", "if 1:\n  ", "x = ", "1", "_", "-" * 300]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=25), st.lists(st.sampled_from(PIECES[:12]), max_size=4))
def test_random_sources_raise_only_documented_exceptions_atomically(pieces, before_pieces):
    m = HyperParameterManager("_")
    try:
        m.parse_source("\n".join(before_pieces), "<before>")
    except DOCUMENTED:
        pass
    m("runtime.value", 1)
    snap = snapshot(m)
    try:
        m.parse_source("".join(pieces), "<random>")
    except DOCUMENTED as exc:
        assert snapshot(m) == snap
        if isinstance(exc, SyntaxError):
            assert exc.lineno is not None and exc.lineno >= 1
    m.get_values()
    m.get_tree()
    assert m.db is not None
    assert m.get_value("runtime.value") == 1
