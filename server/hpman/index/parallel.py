"""Running a function over many items on two cores: half of them in a forked child.

A cold index of a large tree is CPU-bound Python, one file at a time; a second
process halves the wall time on a two-core machine. The child is forked (it
inherits every loaded module and costs a few milliseconds), computes every other
item and sends its results back through a pipe as marshal data, which can only
hold plain values. Anything that goes wrong on the child's side (no fork, a
crash, a result that does not decode) only means the parent computes those items
itself. Fork only from a process without other threads: the command line, never
the language server.
"""
import importlib
import marshal
import os
import sys
from typing import Any, Callable, List, Optional, Sequence, Tuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 64   # below this, a fork costs more than it saves
# macOS has fork, but system libraries there are not fork-safe: its Python spawns instead
FORK_OK = hasattr(os, "fork") and sys.platform.startswith("linux")


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def map_split(fn: Callable[[T], R], items: Sequence[T], encode: Callable[[R], Any],
              decode: Callable[[Any], R], done: Optional[Callable[[int], None]] = None) -> List[R]:
    """[fn(x) for x in items], the odd-indexed items computed in a forked child.

    `encode` turns a result into marshal-able data and `decode` turns it back; `done(n)`
    reports progress: about n items are complete (with a child, an estimate from the parent's
    share, which never claims the last item)."""
    if len(items) < MIN_ITEMS or not FORK_OK:
        return map_sequential(fn, items, done)
    theirs_items = items[1::2]
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return map_sequential(fn, items, done)
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return map_sequential(fn, items, done)
    if pid == 0:                     # the child: compute, send, leave without running any cleanup
        status = 1
        try:
            os.close(read_fd)
            data = marshal.dumps([encode(fn(x)) for x in theirs_items])
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    mine = []
    for x in items[0::2]:
        mine.append(fn(x))
        if done is not None:
            done(min(2 * len(mine), len(items) - 1))
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    theirs = _decoded(data, decode, len(theirs_items)) if status == 0 else None
    if theirs is None:
        theirs = [fn(x) for x in theirs_items]
    out: List[R] = []
    for k, result in enumerate(mine):
        out.append(result)
        if k < len(theirs):
            out.append(theirs[k])
    return out


def map_spawned(fn: Callable[[T], R], items: Sequence[T], child_items: Sequence[Any],
                target: Tuple[str, tuple], decode: Callable[[Any], R],
                done: Optional[Callable[[int], None]] = None) -> List[R]:
    """[fn(x) for x in items], the odd-indexed ones computed in a fresh interpreter.

    For a process that must not fork (the runtime's parse_file runs inside the user's program:
    threads, GPU contexts). The child runs `module:function` of `target` as
    function(*args, child_items[1::2]), which returns marshal-able results that `decode` turns
    back; `child_items` are what the child needs to redo an item (paths, not contents). On any
    failure (no interpreter to start, a crash, bad data) the parent computes those items itself."""
    if len(items) < MIN_ITEMS or not _can_spawn() or os.environ.get("HPMAN_WORKERS") == "1":
        return map_sequential(fn, items, done)
    import subprocess
    import threading
    theirs = list(child_items[1::2])
    payload = marshal.dumps((target[0], target[1], theirs))
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = "import sys; sys.path.insert(0, sys.argv[1]); from hpman.index.parallel import child_main; child_main()"
    try:
        proc = subprocess.Popen([sys.executable, "-c", code, here], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
    except (OSError, ValueError):
        return map_sequential(fn, items, done)

    def feed() -> None:
        try:
            proc.stdin.write(payload)
            proc.stdin.close()
        except OSError:
            pass
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    mine = []
    try:
        for x in items[0::2]:
            mine.append(fn(x))
            if done is not None:
                done(min(2 * len(mine), len(items) - 1))
        data = proc.stdout.read()
        status = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        writer.join()
        proc.stdout.close()
    got = _decoded(data, decode, len(theirs)) if status == 0 else None
    if got is None:
        got = [fn(x) for x in items[1::2]]
    out: List[R] = []
    for k, result in enumerate(mine):
        out.append(result)
        if k < len(got):
            out.append(got[k])
    return out


def _can_spawn() -> bool:
    """Whether sys.executable is a Python to start with `-c`: not in a frozen application (its
    executable is the application itself) nor in a program embedding Python (Blender, uWSGI)."""
    exe = os.path.basename(sys.executable or "").lower()
    return not getattr(sys, "frozen", False) and exe.startswith(("python", "pypy"))


def child_main() -> None:
    """The spawned interpreter's side of map_spawned: items on stdin, results on stdout."""
    module, args, items = marshal.loads(sys.stdin.buffer.read())
    name, function = module.split(":")
    results = getattr(importlib.import_module(name), function)(*args, items)
    sys.stdout.buffer.write(marshal.dumps(results))
    sys.stdout.flush()


def _square_all(items: List[int]) -> List[int]:
    """A child target for the tests of map_spawned."""
    return [x * x for x in items]


def _decoded(data: bytes, decode: Callable[[Any], R], count: int) -> Optional[List[R]]:
    try:
        values = marshal.loads(data)
        results = [decode(v) for v in values]
    except Exception:   # a child that died mid-write: the parent does its share instead
        return None
    return results if len(results) == count else None


def map_sequential(fn: Callable[[T], R], items: Sequence[T],
                   done: Optional[Callable[[int], None]] = None) -> List[R]:
    """[fn(x) for x in items], calling `done(n)` after each."""
    out = []
    for x in items:
        out.append(fn(x))
        if done is not None:
            done(len(out))
    return out
