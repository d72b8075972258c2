"""Running a function over many items on two cores: about half of them in a forked child.

A cold index of a large tree is CPU-bound Python, one file at a time; a second
process halves the wall time on a two-core machine. The child is forked (it
inherits every loaded module and costs a few milliseconds), computes the chunks
of items it takes from a shared queue and sends its results back through a pipe as marshal data, which can only
hold plain values. Anything that goes wrong on the child's side (no fork, a
crash, a result that does not decode) only means the parent computes those items
itself. Fork only from a process without other threads: the command line, never
the language server.
"""
import importlib
import marshal
import os
import struct
import sys
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar

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
    """[fn(x) for x in items], shared with a forked child.

    The items are cut into small chunks whose numbers wait in a pipe; each process takes the
    next number when it is free, so neither waits for the other at the end however uneven the
    items' costs are (a read of a few bytes from a pipe is atomic: no number is taken twice).
    `encode` turns a result into marshal-able data and `decode` turns it back; `done(n)`
    reports progress: about n items are complete (with a child, an estimate from the parent's
    share, which never claims the last item)."""
    if len(items) < MIN_ITEMS or not FORK_OK:
        return map_sequential(fn, items, done)
    size = max(CHUNK, -(-len(items) // MAX_CHUNKS))
    bounds = [(k, min(k + size, len(items))) for k in range(0, len(items), size)]
    try:
        queue = _queue(len(bounds))
    except OSError:
        return map_sequential(fn, items, done)
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        os.close(queue)
        return map_sequential(fn, items, done)
    try:
        pid = os.fork()
    except OSError:
        for fd in (queue, read_fd, write_fd):
            os.close(fd)
        return map_sequential(fn, items, done)
    if pid == 0:                     # the child: compute, send, leave without running any cleanup
        status = 1
        try:
            os.close(read_fd)
            chunks = [(c, [encode(fn(x)) for x in items[bounds[c][0]:bounds[c][1]]]) for c in _taken(queue)]
            data = marshal.dumps(chunks)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    results: Dict[int, List[R]] = {}
    count = 0
    for c in _taken(queue):
        lo, hi = bounds[c]
        mine = results[c] = []
        for x in items[lo:hi]:
            mine.append(fn(x))
            count += 1
            if done is not None:
                done(min(2 * count, len(items) - 1))
    os.close(queue)
    if done is not None:   # every chunk is taken: only the child's last ones are still running
        done(len(items) - 1)
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    theirs = _decoded_chunks(data, decode, bounds, results) if status == 0 else None
    if theirs is not None:
        results.update(theirs)
    out: List[R] = []
    for c, (lo, hi) in enumerate(bounds):
        got = results.get(c)
        out.extend(got if got is not None else [fn(x) for x in items[lo:hi]])
    return out


CHUNK = 8            # items per turn: a few milliseconds of work, so the two processes end together
MAX_CHUNKS = 4096    # numbers in the pipe at most: 16 KB, under any pipe's capacity, written before the fork
_TOKEN = struct.Struct("<I")


def _queue(chunks: int) -> int:
    """The read end of a pipe holding the numbers 0..chunks-1, its write end closed."""
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, b"".join(_TOKEN.pack(c) for c in range(chunks)))
    except OSError:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    return read_fd


def _taken(queue: int) -> Iterator[int]:
    """The chunk numbers this process takes from the queue, until it is empty."""
    while True:
        token = os.read(queue, _TOKEN.size)
        if len(token) != _TOKEN.size:
            return
        yield _TOKEN.unpack(token)[0]


def _decoded_chunks(data: bytes, decode: Callable[[Any], R], bounds: List[Tuple[int, int]],
                    mine: Dict[int, List[R]]) -> Optional[Dict[int, List[R]]]:
    """The child's results by chunk, or None when they do not decode or do not fit (the parent
    then computes every chunk it did not do itself)."""
    try:
        chunks = marshal.loads(data)
        out = {c: [decode(v) for v in values] for c, values in chunks}
    except Exception:   # a child that died mid-write: the parent does its share instead
        return None
    for c, values in out.items():
        if c in mine or not 0 <= c < len(bounds) or len(values) != bounds[c][1] - bounds[c][0]:
            return None
    return out


def map_spawned(fn: Callable[[T], R], items: Sequence[T], child_items: Sequence[Any],
                target: Tuple[str, Tuple[Any, ...]], decode: Callable[[Any], R],
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
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None and stdout is not None   # both are pipes (PIPE above)

    def feed() -> None:
        try:
            stdin.write(payload)
            stdin.close()
        except OSError:
            pass
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    mine: List[R] = []
    try:
        for x in items[0::2]:
            mine.append(fn(x))
            if done is not None:
                done(min(2 * len(mine), len(items) - 1))
        data = stdout.read()
        status = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        writer.join()
        stdout.close()
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
