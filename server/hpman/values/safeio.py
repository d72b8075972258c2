"""Reading and writing values files without surprises.

A values file is a few kilobytes of data that a person or a program saved.
Reading one must never block (a FIFO without a writer), never run out of
memory (`/dev/zero`, a 1 GB file) and never follow the user into a device;
writing one must never replace something that is not a regular file (run as
root, `--hp-save /dev/null` would otherwise destroy `/dev/null`) and never
leave half a file behind. Every refusal is a `ValuesError` whose one-line
message names the path.
"""
import errno
import os
import stat
import sys

#: Largest values file read (bytes). Values files are kilobytes; this bounds memory.
MAX_BYTES = 16 * 1024 * 1024


class ValuesError(Exception):
    """A values file that cannot be read, decoded or written (one-line message naming it).
    `reason` is the message without the path (for callers that name the file themselves)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


def _refuse(verb: str, path: str, reason: str) -> ValuesError:
    return ValuesError("cannot {} `{}`: {}".format(verb, path, reason), reason)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def size_text(limit: int = MAX_BYTES) -> str:
    """`16 MiB`: the cap as the error messages state it."""
    return "{} MiB".format(limit // (1024 * 1024)) if limit >= 1024 * 1024 else "{:,} bytes".format(limit)


def read_regular(path: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.

    The file is opened non-blocking and checked with fstat before any read, so
    a FIFO, a device or a directory is refused at once; a file over the cap is
    refused without reading it whole."""
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
                     | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise _refuse("read", path, "it is a directory, not a values file") from None
        try:   # a socket cannot be opened at all: say what it is
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise _refuse("read", path, "it is {}, not a values file".format(_kind(mode))) from None
        raise _refuse("read", path, _reason(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse("read", path, "it is {}, not a values file".format(_kind(info.st_mode)))
        if info.st_size > limit:
            raise _refuse("read", path, "it is larger than {}, the most a values file may be".format(size_text(limit)))
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _refuse("read", path, "it is larger than {}, the most a values file may be".format(
                    size_text(limit)))
        return b"".join(chunks)
    except OSError as exc:
        raise _refuse("read", path, _reason(exc)) from None
    finally:
        os.close(fd)


def writable_target(path: str) -> str:
    """The file a save to `path` replaces: `path` itself, or the regular file a symlink at
    `path` points to. Anything else that exists there (a device, a FIFO, a socket, a
    directory, a dangling link) is refused: replacing it would destroy it."""
    path = os.fspath(path)
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            raise ValuesError("cannot save `{}`: it is a symbolic link to a missing file ({})".format(
                path, target)) from None
        return target
    except OSError as exc:
        raise ValuesError("cannot save `{}`: {}".format(path, _reason(exc))) from None
    if not stat.S_ISREG(mode):
        raise ValuesError("cannot save `{}`: it is {}; a values file is saved only to a regular file "
                          "or a new one".format(path, _kind(mode)))
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same directory and `os.replace`,
    so an interrupted save leaves the old file whole; an existing file keeps its mode."""
    target = writable_target(path)
    directory = os.path.dirname(os.path.abspath(target))
    try:
        mode = os.stat(target).st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        import tempfile  # only writers need it: the index and `check` load faster without
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(target) + ".", suffix=".tmp")
    except OSError as exc:
        raise ValuesError("cannot save `{}`: {}".format(path, _reason(exc))) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ValuesError("cannot save `{}`: {}".format(path, _reason(exc))) from None
        raise


def drop_stdout() -> None:
    """After a failed write to stdout (a full disk, `> /dev/full`), point stdout at /dev/null so
    that the interpreter's last flush does not fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
