"""A hostile workspace, generated into a temporary folder (nothing binary is committed).

Used by the reliability tests of every tool (runtime `parse_file`, `hpman check`,
the language server). Import it from any test folder with

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import hostile

`make_hostile_workspace(root)` returns a `Hostile` manifest saying which files are
good (they must be indexed, with the names listed) and which are bad (each must
become a reported problem on that file, never an exception or a hang).

What cannot be made hostile by the file system alone, because the tests run as
root (chmod does not stop root from reading):

- "unreadable": `unreadable_open(paths)` patches `builtins.open`, `io.open` and
  `os.open` in-process to raise PermissionError for those paths, and
  `unreadable_sitecustomize(folder, paths)` writes a sitecustomize.py that does
  the same inside a subprocess (the CLI, the language server) put on PYTHONPATH;
- "deleted while the scan runs": the tests wrap the file listing so that a file
  is deleted right after it has been listed.
A FIFO named `.py` (opening it would block forever), a dangling symlink, a file
symlink loop and a directory symlink loop are real file system objects.
"""
import builtins
import contextlib
import io
import os
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

HEADER = "from hpman.m import _\n"
BIG_BYTES = 10 * 1024 * 1024 + 4096     # just over the index's 10 MB limit
NESTING = 1000

# Names with every odd character: quotes, backslashes, unicode, dots at the ends, the empty name.
ODD_NAMES = [
    "it's", 'say "hi"', "back\\slash", "tab\there", "名字.学习率", "emoji.🚀", "trail.", "a..b",
    "",
]
# A leading dot makes "" a prefix: such names live under another manager (`hp`).
ODD_HP_NAMES = [".lead", "..", ".end."]


class Hostile:
    """What the generator wrote: good files with the names they define, bad files."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.good: Dict[str, Dict[str, List[str]]] = {}   # rel path -> {manager: [names]}
        self.bad: Dict[str, str] = {}                      # rel path -> why it is bad
        self.ignored: Dict[str, str] = {}                  # rel path -> why no tool should read it
        self.special: Dict[str, str] = {}                  # symlink loops, FIFOs, ...

    def path(self, rel: str) -> str:
        return os.path.join(self.root, rel)

    def names(self, manager: str = "_") -> List[str]:
        out = []
        for managers in self.good.values():
            out.extend(managers.get(manager, []))
        return out


def _write(root: str, rel: str, data) -> str:
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def make_hostile_workspace(root, big: bool = True, fifo: bool = True) -> Hostile:
    """Write the hostile workspace under `root` (created if needed)."""
    root = os.fspath(root)
    os.makedirs(root, exist_ok=True)
    h = Hostile(root)

    # -- good files ---------------------------------------------------------------------
    _write(root, "good/train.py", HEADER + "lr = _('lr', 0.1)\nbatch = _('batch', 32)\n"
                                           "model = _('model.depth', 18)\n")
    h.good["good/train.py"] = {"_": ["lr", "batch", "model.depth"]}
    _write(root, "good/uses.py", HEADER + "print(_('lr'), _('batch'))\n")
    h.good["good/uses.py"] = {"_": []}
    latin1 = ("# -*- coding: latin-1 -*-\n" + HEADER + "# caf\xe9 cr\xe8me\n"
              "greeting = _('latin1.greeting', 'caf\xe9')\n").encode("latin-1")
    _write(root, "good/latin1.py", latin1)
    h.good["good/latin1.py"] = {"_": ["latin1.greeting"]}
    _write(root, "good/bom.py", b"\xef\xbb\xbf" + (HEADER + "# 中文注释\nv = _('bom.value', '值')\n").encode("utf-8"))
    h.good["good/bom.py"] = {"_": ["bom.value"]}
    _write(root, "good/crlf.py", (HEADER + "x = _('crlf.x', 1)\n").replace("\n", "\r\n"))
    h.good["good/crlf.py"] = {"_": ["crlf.x"]}
    odd = HEADER + "from hpman.m import hp\n"
    for i, name in enumerate(ODD_NAMES):
        odd += "v{} = _({!r}, {})\n".format(i, name, i)
    for i, name in enumerate(ODD_HP_NAMES):
        odd += "w{} = hp({!r}, {})\n".format(i, name, i)
    _write(root, "good/odd_names.py", odd)
    h.good["good/odd_names.py"] = {"_": list(ODD_NAMES), "hp": list(ODD_HP_NAMES)}
    # gettext: a module without hpman (none of the index's business) and one where the
    # last binding of `_` is gettext's (its calls are not hyperparameters for the index)
    _write(root, "good/i18n.py", "import gettext\n_ = gettext.gettext\nprint(_('Hello, world'))\n")
    h.good["good/i18n.py"] = {}
    _write(root, "good/gettext_after.py", HEADER + "from gettext import gettext as _\nprint(_('Good morning'))\n")
    h.good["good/gettext_after.py"] = {}
    # a cookie naming no known codec (the standard library's test/tokenizedata/bad_coding.py has
    # `uft-8`): read as UTF-8, as hpman 0.13 reads every file, with an information problem
    _write(root, "good/unknown_codec.py", "# -*- coding: no-such-codec -*-\n" + HEADER + "x = _('codec', 1)\n")
    h.good["good/unknown_codec.py"] = {"_": ["codec"]}
    # a deep but legal expression (20 nested lists) as a default
    _write(root, "good/deep_ok.py", HEADER + "d = _('deep.ok', " + "[" * 20 + "]" * 20 + ")\n")
    h.good["good/deep_ok.py"] = {"_": ["deep.ok"]}
    if big:
        # a 10 MB module: legal Python, mostly comments; the index refuses files over 10 MB
        head = HEADER + "big = _('big.value', 1)\n"
        line = "# " + "padding " * 12 + "\n"
        count = (BIG_BYTES - len(head)) // len(line) + 1
        _write(root, "huge/big.py", head + line * count)
        h.bad["huge/big.py"] = "larger than 10 MB"

    # -- bad files: each one mentions hpman and calls `_`, so every tool must look at it -----
    _write(root, "bad/syntax_error.py", HEADER + "x = _('broken', 1\ny = 2\n")
    h.bad["bad/syntax_error.py"] = "syntax error"
    _write(root, "bad/python2.py", HEADER + "print 'hello'\nlr = _('py2.lr', 0.1)\nprint 'lr is', _('py2.lr')\n")
    h.bad["bad/python2.py"] = "Python 2 syntax"
    _write(root, "bad/binary.py", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8 + b"hpman _('bin', 1)\n")
    h.bad["bad/binary.py"] = "binary junk named .py"
    _write(root, "bad/nul_bytes.py", HEADER + "x = _('nul', 1)\n\0\0\0\n")
    h.bad["bad/nul_bytes.py"] = "NUL bytes in valid UTF-8"
    _write(root, "bad/latin1_no_cookie.py", (HEADER + "x = _('caf\xe9', 1)\n").encode("latin-1"))
    h.bad["bad/latin1_no_cookie.py"] = "latin-1 without a coding cookie"
    _write(root, "bad/nested_parens.py", HEADER + "x = _('nested', " + "(" * NESTING + "1" + ")" * NESTING + ")\n")
    h.bad["bad/nested_parens.py"] = "1,000 nested parentheses"
    _write(root, "bad/nested_lists.py", HEADER + "x = _('nested.lists', " + "[" * NESTING + "]" * NESTING + ")\n")
    h.bad["bad/nested_lists.py"] = "1,000 nested brackets"
    _write(root, "bad/bad_bom.py", b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + HEADER.encode() + b"x = _('bom_cookie', 1)\n")
    h.bad["bad/bad_bom.py"] = "UTF-8 BOM with a latin-1 cookie"

    # -- file system oddities ------------------------------------------------------------------
    os.makedirs(os.path.join(root, "links"), exist_ok=True)
    os.symlink("..", os.path.join(root, "links", "up"))                  # directory loop
    os.symlink("self_loop.py", os.path.join(root, "links", "self_loop.py"))  # ELOOP on open
    os.symlink("a_loop.py", os.path.join(root, "links", "b_loop.py"))
    os.symlink("b_loop.py", os.path.join(root, "links", "a_loop.py"))
    os.symlink("missing.py", os.path.join(root, "links", "dangling.py"))
    os.symlink(os.path.join("..", "good", "train.py"), os.path.join(root, "links", "train_link.py"))
    h.special["links/up"] = "symlink to its parent: a directory loop"
    h.special["links/self_loop.py"] = "symlink to itself"
    h.special["links/a_loop.py"] = "two symlinks pointing at each other"
    h.special["links/dangling.py"] = "dangling symlink"
    h.special["links/train_link.py"] = "symlink to a good file (the same file, counted once)"
    if fifo:
        os.mkfifo(os.path.join(root, "links", "fifo.py"))
        h.special["links/fifo.py"] = "a FIFO named .py (opening it for reading blocks)"

    # -- a folder no tool should enter -------------------------------------------------------------
    _write(root, "venv_here/pyvenv.cfg", "home = /usr/bin\n")
    _write(root, "venv_here/lib/site.py", HEADER + "_('venv.name', 1)\n_('venv.name', 2)\n")
    h.ignored["venv_here/lib/site.py"] = "inside a virtual environment"
    _write(root, "node_modules/pkg/x.py", HEADER + "_('nm', 1)\n_('nm', 2)\n")
    h.ignored["node_modules/pkg/x.py"] = "inside node_modules"
    return h


def good_files(h: Hostile) -> List[str]:
    return [h.path(rel) for rel in sorted(h.good)]


# -- unreadable files --------------------------------------------------------------------------


@contextlib.contextmanager
def unreadable_open(paths: Sequence[str]):
    """Make these files unreadable in this process: open/os.open raise PermissionError."""
    real = {os.path.realpath(p) for p in paths}
    orig_open, orig_io_open, orig_os_open = builtins.open, io.open, os.open

    def refuse(file) -> bool:
        try:
            return isinstance(file, (str, bytes, os.PathLike)) and os.path.realpath(os.fsdecode(file)) in real
        except (TypeError, ValueError):
            return False

    def patched_open(file, *args, **kwargs):
        if refuse(file):
            raise PermissionError(13, "Permission denied", os.fsdecode(file))
        return orig_open(file, *args, **kwargs)

    def patched_os_open(path, *args, **kwargs):
        if refuse(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return orig_os_open(path, *args, **kwargs)

    builtins.open, io.open, os.open = patched_open, patched_open, patched_os_open
    try:
        yield
    finally:
        builtins.open, io.open, os.open = orig_open, orig_io_open, orig_os_open


SITECUSTOMIZE = '''\
"""Written by tests/hostile.py: files listed in HPMAN_TEST_UNREADABLE cannot be opened."""
import builtins, io, os
_real = set(p for p in os.environ.get("HPMAN_TEST_UNREADABLE", "").split(os.pathsep) if p)
_open, _os_open = builtins.open, os.open

def _refuse(file):
    try:
        return isinstance(file, (str, bytes, os.PathLike)) and os.path.realpath(os.fsdecode(file)) in _real
    except (TypeError, ValueError):
        return False

def _patched_open(file, *args, **kwargs):
    if _refuse(file):
        raise PermissionError(13, "Permission denied", os.fsdecode(file))
    return _open(file, *args, **kwargs)

def _patched_os_open(path, *args, **kwargs):
    if _refuse(path):
        raise PermissionError(13, "Permission denied", os.fsdecode(path))
    return _os_open(path, *args, **kwargs)

if _real:
    builtins.open = io.open = _patched_open
    os.open = _patched_os_open
'''


def unreadable_env(folder, paths: Sequence[str], env: Optional[dict] = None) -> dict:
    """Environment for a subprocess in which `paths` cannot be opened (a sitecustomize.py in
    `folder`, put first on PYTHONPATH)."""
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "sitecustomize.py"), "w") as f:
        f.write(SITECUSTOMIZE)
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([folder] + [p for p in [env.get("PYTHONPATH")] if p])
    env["HPMAN_TEST_UNREADABLE"] = os.pathsep.join(os.path.realpath(p) for p in paths)
    return env


def add_unreadable(h: Hostile) -> str:
    """A good-looking file that the tests make unreadable; returns its path."""
    path = _write(h.root, "bad/unreadable.py", HEADER + "x = _('unreadable', 1)\n")
    h.bad["bad/unreadable.py"] = "cannot be read (PermissionError)"
    return path


if __name__ == "__main__":  # handy for looking at it: python tests/hostile.py /tmp/ws
    target = sys.argv[1]
    made = make_hostile_workspace(target)
    for rel in sorted(made.good):
        print("good   ", rel)
    for rel, why in sorted(made.bad.items()):
        print("bad    ", rel, "-", why)
    for rel, why in sorted(made.special.items()):
        print("special", rel, "-", why)


def bounded(watchdog: float, fn: Callable, *args: Any) -> Dict[str, Any]:
    """Run fn(*args) in a thread and fail the test, instead of hanging the suite, when it takes
    more than `watchdog` seconds; returns {"result" or "error", "seconds"}."""
    box: Dict[str, Any] = {}

    def body():
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # noqa: B902
            box["error"] = exc

    t = threading.Thread(target=body, daemon=True)
    start = time.monotonic()
    t.start()
    t.join(watchdog)
    assert not t.is_alive(), "{} hung for more than {} s".format(fn, watchdog)
    box["seconds"] = time.monotonic() - start
    return box
