"""The split scan: half of the files read and parsed in a forked child (index/parallel.py)."""
import os
import time
import types

import pytest
from idx_helpers import write

from hpman.index import parallel, workspace
from hpman.index.problems import all_problems
from hpman.index.workspace import Workspace

pytestmark = pytest.mark.skipif(not parallel.FORK_OK, reason="splits only where fork is safe (Linux)")


def square(x):
    return x * x


def test_map_split_keeps_order_and_reports_progress():
    items = list(range(parallel.MIN_ITEMS * 2 + 1))
    seen = []
    assert parallel.map_split(square, items, lambda r: r, lambda v: v, seen.append) == [x * x for x in items]
    assert seen and seen == sorted(seen) and max(seen) < len(items)


def test_map_split_does_the_childs_share_when_the_child_fails():
    items = list(range(parallel.MIN_ITEMS * 2))

    def broken_encode(_result):
        raise RuntimeError("the child dies here")

    assert parallel.map_split(square, items, broken_encode, lambda v: v) == [x * x for x in items]

    def broken_decode(_value):
        raise ValueError("garbled")

    assert parallel.map_split(square, items, lambda r: r, broken_decode) == [x * x for x in items]


def test_map_split_runs_chunks_in_another_process(tmp_path):
    items = list(range(parallel.MIN_ITEMS * 2))
    parent = os.getpid()

    def where(_x):
        # each process's first item waits until the other has taken a chunk too, so both compute
        # some whatever the timing (the one that starts first cannot take every chunk)
        mine, theirs = ("parent", "child") if os.getpid() == parent else ("child", "parent")
        (tmp_path / mine).touch()
        deadline = time.monotonic() + 30
        while not (tmp_path / theirs).exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        return os.getpid()

    pids = parallel.map_split(where, items, lambda r: r, lambda v: v)
    assert len(pids) == len(items) and parent in pids and len(set(pids)) == 2
    # each chunk is computed whole by one process
    for k in range(0, len(items), parallel.CHUNK):
        assert len(set(pids[k:k + parallel.CHUNK])) == 1


def test_few_items_stay_in_this_process():
    pids = parallel.map_split(lambda _x: os.getpid(), [1, 2, 3], lambda r: r, lambda v: v)
    assert set(pids) == {os.getpid()}


def _facts(ws):
    return {p: ([(o.key(), o.call, o.name_range, o.default_range, repr(o.value), o.hints)
                 for o in e.facts.occurrences],
                [(i.code, i.range, i.message) for i in e.facts.issues], e.facts.managers, e.stamp, e.digest)
            for p, e in ws._files.items()}   # white-box: the entries' stamps and digests too


def test_split_scan_equals_a_scan_in_one_process(tmp_path):
    for i in range(150):
        body = "from hpman.m import _\n"
        if i % 3:
            body += "x = _('m{}.a', {})\ny = _('shared', 1)\n".format(i % 40, i)
        if i % 7 == 0:
            body += "def f(:\n"            # a syntax error
        if i % 11 == 0:
            body += "for _ in range(3):\n    pass\n"   # a rebinding
        write(tmp_path, "pkg{}/mod{}.py".format(i % 5, i), body if i % 13 else "print('no hyperparameters')\n")
    one = Workspace([str(tmp_path)], cache=False)
    one.scan(workers=1)
    two = Workspace([str(tmp_path)], cache=False)
    progress = []
    two.scan(workers=2, progress=lambda done, total: progress.append((done, total)))
    assert _facts(two) == _facts(one)
    assert [(p.path, p.range, p.code, p.message) for p in all_problems(two)] == \
        [(p.path, p.range, p.code, p.message) for p in all_problems(one)]
    assert two.parsed_files == one.parsed_files > 100
    assert progress[-1] == (150, 150) and all(d <= t for d, t in progress)
    # the files parsed by the child have no text in memory, but it is there when asked for
    path = two.paths()[1]
    assert two.text_of(path) == one.text_of(path)


def test_spawned_map_equals_the_sequential_one_and_falls_back_where_it_cannot_spawn(monkeypatch):
    """map_spawned (the runtime's: a fresh interpreter, never a fork) gives what a loop gives;
    in a frozen application, whose executable is the application itself, it does not spawn."""
    import sys

    from hpman.index import parallel
    items = list(range(100))
    target = ("hpman.index.parallel:_square_all", ())
    assert parallel.map_spawned(lambda x: x * x, items, items, target, lambda v: v) == [x * x for x in items]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert not parallel._can_spawn()
    monkeypatch.setattr(parallel, "child_main", None)   # would fail if a child were started
    assert parallel.map_spawned(lambda x: x + 1, items, items, target, lambda v: v) == [x + 1 for x in items]


def test_a_split_scan_caches_the_stat_of_every_file_either_process_read(tmp_path, monkeypatch):
    root = tmp_path / "w"
    for i in range(150):
        body = "from hpman.m import _\nx = _('m{}', {})\n".format(i, i) if i % 4 else "print('plain')\n"
        write(root, "mod{}.py".format(i), body)
        os.utime(root / "mod{}.py".format(i), (1_600_000_000, 1_600_000_000))   # long settled: stats are trusted
    cache = str(tmp_path / "cache")
    # the utime above changed each ctime just now: hash "later", so that the stat keys are trusted
    later = time.time_ns() + 2 * workspace.RACY_NS
    monkeypatch.setattr(workspace, "time", types.SimpleNamespace(time_ns=lambda: later))
    first = Workspace([str(root)], cache_dir=cache)
    first.scan(workers=2)
    assert first.parsed_files > 100
    reads = []
    real = workspace.read_bytes
    monkeypatch.setattr(workspace, "read_bytes", lambda path, *a: reads.append(path) or real(path, *a))
    second = Workspace([str(root)], cache_dir=cache)
    second.scan(workers=1)
    assert reads == [] and second.parsed_files == 0
    assert {p: f[:3] for p, f in _facts(second).items()} == {p: f[:3] for p, f in _facts(first).items()}


def test_a_file_gone_when_the_spawned_child_reads_it_is_parsed_from_what_the_parent_read(tmp_path):
    """The child of a spawned scan reads its share again; a file deleted in between comes back as
    an entry without a stamp, and the parent parses the content it had read instead."""
    path = write(tmp_path, "m.py", "from hpman.m import _\n_('a', 1)\n")
    ws = Workspace([str(tmp_path)], cache=False)
    _entry, item = ws._lookup(path, None)
    assert item is not None
    os.remove(path)
    (packed,) = workspace.parse_in_child((False, None, None), [path])
    entry = ws._same_content(ws._decode_entry(packed), item)
    assert [o.name for o in entry.facts.occurrences] == ["a"] and entry.facts.issues == []
