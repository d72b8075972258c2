"""Reliability: try hard to break the lock-free hot path of the runtime.

`HyperParameterManager.__call__` stores a runtime value without the lock, into
the cell it found for the name on the fast path, while set_value, re-parsing or a
new name under it may be changing that name under the lock. Under the GIL those
few bytecodes rarely switch threads, so these tests also use names of a `str`
subclass whose `__hash__` yields the GIL (`time.sleep(0)`): every dict or set
operation on such a name becomes a thread-switch point, which gives the
interleavings a free-threaded interpreter would produce. Each test runs for a
bounded time and then checks that the store is consistent:

- `get_value(n)` is the value of the highest-priority occurrence row of `n`
  (`get_occurrence(n).value`), which is derived from the stored sources;
- a setter value always wins over runtime values;
- `get_values()` agrees with `get_value` for every name;
- no thread raised.
"""
import random
import sys
import threading
import time

import pytest

from hpman import HyperParameterManager
from hpman.hpm_db import P

RUN_SECONDS = 1.5
MIN_ROUNDS = 11


class YieldingName(str):
    """A hyperparameter name that lets other threads run whenever it is hashed."""

    def __hash__(self):
        time.sleep(0)
        return str.__hash__(self)

    __eq__ = str.__eq__


@pytest.fixture
def switchy():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_threads(targets, seconds):
    """Run each target(stop_time) in its own thread; return the exceptions they raised."""
    errors = []
    barrier = threading.Barrier(len(targets))

    def wrap(fn):
        def body():
            try:
                barrier.wait()
                fn(time.monotonic() + seconds)
            except BaseException as exc:  # noqa: B902 - any failure in a thread fails the test
                errors.append(exc)
        return body

    threads = [threading.Thread(target=wrap(fn), daemon=True) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 20)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return errors


def assert_consistent(m, names, setter_names=()):
    values = m.get_values()
    for name in names:
        value = m.get_value(name)
        occ = m.get_occurrence(name)
        assert occ is not None, name
        # the effective value is the one of the highest-priority row
        assert value is occ.value or value == occ.value, (name, value, occ.value, occ.priority)
        assert values[name] is value or values[name] == value, (name, values[name], value)
        assert m.exists(name)
        runtime_rows = [r for r in m.db if r.name == name and r.priority == P.PRIORITY_SET_FROM_CALLABLE]
        setter_rows = [r for r in m.db if r.name == name and r.priority == P.PRIORITY_SET_FROM_SETTER]
        if name in setter_names:
            assert len(setter_rows) == 1 and occ.priority == P.PRIORITY_SET_FROM_SETTER, name
            assert value is setter_rows[0].value, (name, value, setter_rows[0].value)
        elif runtime_rows:
            assert value is runtime_rows[-1].value, (name, value, runtime_rows[-1].value)
    assert set(values) == set(names) | set(values)  # nothing lost
    # the tree view agrees with the flat view
    tree = m.get_tree()
    for name in names:
        level = tree
        for part in name.split("."):
            level = level[part]
        assert level is values[name] or level == values[name], name


def test_mixed_threads_on_shared_names_leave_a_consistent_store(tmp_path, switchy):
    """_() with and without a default, set_value, parsing and readers, all on shared names."""
    names = ["lr", "model.depth", "model.width", "opt.name", "opt.momentum", "batch", "seed"]
    setter_names = {"opt.momentum", "seed"}
    src = tmp_path / "defaults.py"
    src.write_text("".join("_({!r}, {})\n".format(n, i) for i, n in enumerate(names)))
    m = HyperParameterManager("_")
    m.parse_file(str(src))
    for n in setter_names:
        m.set_value(n, ("S", n, -1))
    setter_values = {n: set() for n in setter_names}
    counts = {"calls": 0}

    def caller(k):
        def body(stop):
            rnd = random.Random(k)
            i = 0
            while time.monotonic() < stop:
                name = rnd.choice(names)
                if rnd.random() < 0.6:
                    value = ("R", k, i)
                    got = m(name, value)
                    if name in setter_names:
                        # a setter value always wins over a runtime value
                        assert isinstance(got, tuple) and got[0] == "S", (name, got)
                else:
                    got = m(name)
                    assert got is not None
                i += 1
            counts["calls"] += i
        return body

    def setter(stop):
        rnd = random.Random(99)
        i = 0
        while time.monotonic() < stop:
            name = rnd.choice(sorted(setter_names))
            value = ("S", name, i)
            setter_values[name].add(value)
            m.set_value(name, value)
            i += 1

    def reparser(stop):
        i = 0
        while time.monotonic() < stop:
            # new default values for every name: each parse re-derives every value
            src.write_text("".join("_({!r}, {})\n".format(n, i * 100 + j) for j, n in enumerate(names)))
            m.parse_file(str(src))
            i += 1

    def reader(stop):
        while time.monotonic() < stop:
            values = m.get_values()
            assert set(values) == set(names), sorted(values)
            tree = m.get_tree()
            assert set(tree) == {"lr", "model", "opt", "batch", "seed"}
            assert m.db is not None

    errors = run_threads([caller(k) for k in range(4)] + [setter, reparser, reader], RUN_SECONDS)
    assert not errors, errors[:3]
    assert counts["calls"] > 1000
    assert_consistent(m, names, setter_names)
    for n in setter_names:
        assert m.get_value(n) in setter_values[n] | {("S", n, -1)}


def test_yielding_names_two_writers_of_one_name(switchy):
    """Two threads racing `_('x', v)` with the GIL released inside the fast path's stores."""
    deadline = time.monotonic() + 1.5
    rounds = 0
    while rounds < MIN_ROUNDS or time.monotonic() < deadline:  # enough rounds on a loaded machine too
        rounds += 1
        m = HyperParameterManager("_")
        m("x", 0)

        def writer(k):
            def body(stop):
                name = YieldingName("x")
                for i in range(30):
                    m(name, (k, i))
            return body

        errors = run_threads([writer(k) for k in range(3)], 0)
        assert not errors, errors[:3]
        assert_consistent(m, ["x"])
    assert rounds >= MIN_ROUNDS


def test_yielding_names_writers_racing_with_reparsing(tmp_path, switchy):
    """The fast path racing with the re-derivation a parse does (the store-then-recheck protocol)."""
    src = tmp_path / "mod.py"
    src.write_text("_('x', -1)\n")
    deadline = time.monotonic() + 1.5
    rounds = 0
    while rounds < MIN_ROUNDS or time.monotonic() < deadline:  # enough rounds on a loaded machine too
        rounds += 1
        m = HyperParameterManager("_")
        m.parse_file(str(src))
        m("x", 0)

        def writer(k):
            def body(stop):
                name = YieldingName("x")
                for i in range(30):
                    m(name, (k, i))
            return body

        def reparse(stop):
            for i in range(10):
                m.parse_source("_('x', {})\n_('y', {})\n".format(i, i), str(src))

        errors = run_threads([writer(k) for k in range(2)] + [reparse], 0)
        assert not errors, errors[:3]
        assert_consistent(m, ["x", "y"])
    assert rounds >= MIN_ROUNDS


def test_yielding_names_writers_racing_with_set_value(switchy):
    """Once set_value has run, no racing runtime store may show through."""
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        m = HyperParameterManager("_")
        m("x", 0)
        done = threading.Event()

        def writer(k):
            def body(stop):
                name = YieldingName("x")
                for i in range(40):
                    was_done = done.is_set()   # before the call: a call begun earlier may return its own value
                    got = m(name, (k, i))
                    if was_done:
                        assert got == ("S",), got
            return body

        def setter(stop):
            m.set_value("x", ("S",))
            done.set()

        errors = run_threads([writer(k) for k in range(2)] + [setter], 0)
        assert not errors, errors[:3]
        assert_consistent(m, ["x"], {"x"})
        assert m.get_value("x") == ("S",)


def test_yielding_names_fast_path_racing_with_a_name_becoming_a_branch(switchy):
    """`x` turns into a branch (set_value('x.y')) while threads store runtime values on `x`:
    the writers may fail with ImpossibleTree or KeyError, but the store must stay a tree."""
    from hpman import ImpossibleTree
    deadline = time.monotonic() + 1.5
    rounds = 0
    while rounds < MIN_ROUNDS or time.monotonic() < deadline:  # enough rounds on a loaded machine too
        rounds += 1
        m = HyperParameterManager("_")
        m("x", 0)

        def writer(k):
            def body(stop):
                name = YieldingName("x")
                for i in range(30):
                    try:
                        m(name, (k, i))
                    except (ImpossibleTree, KeyError):
                        pass
            return body

        def brancher(stop):
            m.set_value("x.y", 1)

        errors = run_threads([writer(k) for k in range(2)] + [brancher], 0)
        assert not errors, errors[:3]
        # `x` is a branch now: its value is the subtree, and no leaf value hides it
        assert m.get_value("x") == {"y": 1}
        assert m.get_values() == {"x.y": 1}
        assert m.get_tree() == {"x": {"y": 1}}
    assert rounds >= MIN_ROUNDS


def test_many_threads_creating_names_under_one_prefix(switchy):
    """New names appear concurrently under shared prefixes: every one ends up in the tree."""
    m = HyperParameterManager("_")

    def creator(k):
        def body(stop):
            for i in range(150):
                m("layer{}.unit{}".format(i % 7, k * 1000 + i), i)
                m("layer{}.unit{}".format(i % 7, k * 1000 + i))
        return body

    errors = run_threads([creator(k) for k in range(6)], 0)
    assert not errors, errors[:3]
    values = m.get_values()
    assert len(values) == 6 * 150
    tree = m.get_tree()
    assert sum(len(v) for v in tree.values()) == 6 * 150
    assert_consistent(m, sorted(values)[:50])
