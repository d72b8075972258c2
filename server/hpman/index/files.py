"""Finding and reading Python files the way Python itself does."""
import codecs
import errno
import fnmatch
import os
import re
import stat
from typing import Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")

Exclude = Union[Sequence[str], Mapping[str, Sequence[str]]]   # globs, or globs per root

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", "build", "dist",
                          ".hpman_cache", ".mypy_cache", ".pytest_cache", ".tox", ".nox", ".ipynb_checkpoints"})


def decode_source(data: bytes) -> str:
    """Decode module bytes per PEP 263: BOM, else coding cookie on line 1 or 2, else UTF-8.

    Raises UnicodeDecodeError / LookupError / SyntaxError for undecodable text,
    as Python's own import would refuse it. Newlines are normalised to "\\n".
    Not tokenize.detect_encoding (nor importlib.util.decode_source, built on it): they refuse a
    cookie line that is not UTF-8 itself (`# coding: latin-1` followed by latin-1 text), which
    the interpreter runs.
    """
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[3:]
    encoding = "utf-8"
    first, _, rest = data.partition(b"\n")
    match = _COOKIE.match(first)
    if not match and _BLANK_OR_COMMENT.match(first):
        match = _COOKIE.match(rest.partition(b"\n")[0])
    if match:
        encoding = match.group(1).decode("ascii")
        if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig") and bom:
            raise SyntaxError("encoding problem: {} with BOM".format(encoding), (None, 1, None, None))
    if bom:
        encoding = "utf-8"
    text = data.decode(encoding)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def cookie_encoding(data: bytes) -> Optional[Tuple[int, str]]:
    """(0-based line, name) of the PEP 263 coding cookie, or None."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    first, _, rest = data.partition(b"\n")
    match = _COOKIE.match(first)
    if match:
        return 0, match.group(1).decode("ascii")
    if _BLANK_OR_COMMENT.match(first):
        match = _COOKIE.match(rest.partition(b"\n")[0])
        if match:
            return 1, match.group(1).decode("ascii")
    return None


def decode_lenient(data: bytes) -> Tuple[str, Optional[Tuple[int, str]]]:
    """decode_source, except that a cookie naming an encoding Python does not know is read as
    UTF-8, as hpman 0.13 read every file (the standard library's own tests have a `uft-8`
    cookie). Returns the text and, for such a cookie, its (line, name) to report."""
    try:
        return decode_source(data), None
    except LookupError:
        cookie = cookie_encoding(data)
        body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
        text = body.decode("utf-8")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text, cookie if cookie is not None else (0, "?")


def read_bytes(path: str) -> bytes:
    """The bytes of a regular file. Anything else named like a module (a FIFO, a device) is
    refused with an OSError instead of blocking forever on the read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        return f.read()


def read_source(path: str) -> str:
    return decode_source(read_bytes(path))


def is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def excluded(rel: str, patterns: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def patterns_for(exclude: Exclude, root: str) -> List[str]:
    """The exclude globs of one root (the same for every root unless given per root)."""
    if isinstance(exclude, Mapping):
        return list(exclude.get(root) or exclude.get(os.path.abspath(root)) or ())
    return list(exclude)


def hidden(name: str) -> bool:
    """A dot-name: left out of a folder's walk, as hpman 0.13's `glob('**/*.py')` left it out
    (editor backups, `.ipynb_checkpoints` copies and tool caches would repeat every default)."""
    return name.startswith(".")


def skipped_dir(path: str, rel: str, exclude: Sequence[str] = ()) -> bool:
    """Whether discovery leaves out the folder at `path` (`rel`: its path below the root)."""
    name = rel.rsplit("/", 1)[-1]
    return name in SKIPPED_DIRS or hidden(name) or excluded(rel, exclude) or is_virtualenv(path)


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def owned(path: str, roots: Sequence[str], exclude: Exclude = (),
          suffixes: Tuple[str, ...] = (".py",)) -> bool:
    """Whether `path` is a file the workspace scan of `roots` indexes: the one "is this ours"
    test of the scan, a reload and the language server's events (a file inside a virtual
    environment, a skipped or excluded folder, or reached through a link that leaves the
    roots is not ours). Without roots, every file with a wanted suffix is."""
    path = os.path.abspath(path)
    if not path.endswith(suffixes):
        return False
    if not roots:
        return True
    for root in roots:
        patterns = patterns_for(exclude, root)
        root = os.path.abspath(root)
        if not _inside(path, root) or path == root:
            continue
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        parts = rel.split("/")
        folder = root
        for i, part in enumerate(parts[:-1]):
            folder = os.path.join(folder, part)
            if skipped_dir(folder, "/".join(parts[:i + 1]), patterns):
                return False
        if excluded(rel, patterns) or hidden(parts[-1]):
            return False
        return _inside(os.path.realpath(path), os.path.realpath(root))
    return False


def iter_python_files(paths: Iterable[str], exclude: Exclude = (),
                      suffixes: Tuple[str, ...] = (".py",)) -> Iterator[str]:
    """Yield each Python file under `paths` once (by real path), in a stable order.

    Directories are walked recursively; a symlink is followed only when its target stays
    inside the folder being walked (a link to `/` or to a sibling project is not), so neither
    loops nor links out of the workspace are walked. Hidden files and folders (as 0.13's glob),
    virtual environments (by their pyvenv.cfg), node_modules, caches, build and dist folders are
    skipped (see `owned`).
    Missing paths raise FileNotFoundError.
    """
    seen: Set[str] = set()
    for path in paths:
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        if os.path.isdir(path):
            yield from _walk(path, patterns_for(exclude, path), suffixes, seen)
        else:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path


def _walk(root: str, exclude: Sequence[str], suffixes: Tuple[str, ...], seen: Set[str]) -> Iterator[str]:
    # Real paths are derived from the folder's real path; only symlinks need os.path.realpath
    # (resolving every file costs an lstat per path component: most of a cached start).
    visited_dirs: Set[str] = set()
    real_root = os.path.realpath(root)
    stack: List[Tuple[str, str, str]] = [(root, "", real_root)]
    while stack:
        folder, rel_folder, real = stack.pop()
        if real in visited_dirs:
            continue
        visited_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            rel = rel_folder + entry.name
            try:
                is_dir = entry.is_dir()
                is_link = entry.is_symlink()
            except OSError:
                continue
            if is_dir:
                if skipped_dir(entry.path, rel, exclude):
                    continue
                sub_real = os.path.realpath(entry.path) if is_link else os.path.join(real, entry.name)
                if is_link and not _inside(sub_real, real_root):
                    continue
                subdirs.append((entry.path, rel + "/", sub_real))
            elif entry.name.endswith(suffixes) and not hidden(entry.name) and not excluded(rel, exclude):
                if is_link:
                    file_real = os.path.realpath(entry.path)
                    regular = _inside(file_real, real_root) and os.path.isfile(file_real)
                else:
                    file_real = os.path.join(real, entry.name)
                    try:
                        regular = entry.is_file()
                    except OSError:
                        regular = False
                if regular and file_real not in seen:
                    seen.add(file_real)
                    yield entry.path
        stack.extend(reversed(subdirs))


def folders_to_watch(roots: Sequence[str], exclude: Exclude = (), limit: int = 20000) -> List[str]:
    """The folders discovery walks under `roots` (the same pruning and link rule as
    iter_python_files), at most `limit`: what a file watcher needs to see, and no more."""
    out: List[str] = []
    seen: Set[str] = set()
    for root in roots:
        if not os.path.isdir(root):
            continue
        patterns = patterns_for(exclude, root)
        real_root = os.path.realpath(root)
        stack: List[Tuple[str, str]] = [(root, "")]
        while stack and len(out) < limit:
            folder, rel_folder = stack.pop()
            real = os.path.realpath(folder)
            if real in seen:
                continue
            seen.add(real)
            out.append(folder)
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in reversed(entries):
                rel = rel_folder + entry.name
                try:
                    if not entry.is_dir() or skipped_dir(entry.path, rel, patterns):
                        continue
                    if entry.is_symlink() and not _inside(os.path.realpath(entry.path), real_root):
                        continue
                except OSError:
                    continue
                stack.append((entry.path, rel + "/"))
    return out
