"""Thread safety: concurrent `_()` / set_value / parsing never corrupt the store."""
import sys
import threading
import time

import pytest

from hpman import HyperParameterManager
from hpman.hpm_db import P

NAMES = ["shared.{}".format(i) for i in range(16)] + ["flat{}".format(i) for i in range(8)]
SET_NAMES = NAMES[::2]          # these also receive set_value calls
THREADS = 8
ROUNDS = 3000
DEADLINE = 60.0


def _run(threads):
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, DEADLINE - (time.monotonic() - start)))
    assert not any(t.is_alive() for t in threads), "threads still running after {} s".format(DEADLINE)


def test_concurrent_calls_and_setters_are_consistent(frequent_switches):
    m = HyperParameterManager("_")
    m.parse_source("\n".join("_({!r}, -1)".format(n) for n in NAMES), "defaults.py")
    errors = []
    barrier = threading.Barrier(THREADS + 2)

    def caller(k):
        try:
            barrier.wait()
            for i in range(ROUNDS):
                name = NAMES[(i + k) % len(NAMES)]
                got = m(name, (k, i))
                assert got is not None
                m(name)
                m.get_value(name)
        except BaseException as exc:  # noqa: B902 - report any failure from the thread
            errors.append(exc)

    def setter(k):
        try:
            barrier.wait()
            for i in range(ROUNDS // 3):
                name = SET_NAMES[(i + k) % len(SET_NAMES)]
                m.set_value(name, ("set", name))
                m.get_values()
        except BaseException as exc:  # noqa: B902
            errors.append(exc)

    def parser():
        try:
            barrier.wait()
            for i in range(30):
                m.parse_source("_('parsed.{}', {})".format(i, i), "p{}.py".format(i))
                m.get_tree()
        except BaseException as exc:  # noqa: B902
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(THREADS - 2)]
    threads += [threading.Thread(target=setter, args=(k,)) for k in range(2)]
    threads += [threading.Thread(target=parser), threading.Thread(target=caller, args=(99,))]
    _run(threads)
    assert not errors, errors[:3]

    values = m.get_values()
    # setter values win, whatever the interleaving
    for name in SET_NAMES:
        assert m.get_value(name) == ("set", name)
        assert m(name, "late runtime value") == ("set", name)
    # the others hold the last runtime value some caller stored: a (k, i) pair
    for name in NAMES:
        if name not in SET_NAMES:
            value = m.get_value(name)
            assert isinstance(value, tuple) and len(value) == 2 and value[0] != "set"
    # get_values agrees with get_value for every name, and nothing is lost
    assert set(values) == set(NAMES) | {"parsed.{}".format(i) for i in range(30)}
    for name in values:
        if name not in SET_NAMES:
            assert m.get_value(name) == m.get_values()[name]
    for name in SET_NAMES:
        assert values[name] == ("set", name)
    # one runtime row and (for SET_NAMES) one setter row per name
    rows = m.db
    for name in NAMES:
        mine = [r for r in rows if r.name == name]
        assert sum(r.priority == P.PRIORITY_SET_FROM_CALLABLE for r in mine) == 1
        assert sum(r.priority == P.PRIORITY_SET_FROM_SETTER for r in mine) == (name in SET_NAMES)
        assert sum(r.priority == P.PRIORITY_PARSED_FROM_SOURCE_CODE for r in mine) == 1
    tree = m.get_tree()
    assert set(tree["shared"]) == {str(i) for i in range(16)}
    assert tree["parsed"]["29"] == 29


@pytest.fixture
def frequent_switches():
    """Switch threads as often as the interpreter allows, to widen race windows."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def test_setter_racing_with_fast_path_on_one_name(frequent_switches):
    # The hot path stores without the lock; a setter racing with it must still win.
    for _round in range(200):
        m = HyperParameterManager("_")
        m("x", 0)
        go = threading.Event()
        stop = threading.Event()

        def hammer():
            go.wait()
            i = 0
            while not stop.is_set():
                m("x", i)
                i += 1

        workers = [threading.Thread(target=hammer) for _ in range(3)]
        for w in workers:
            w.start()
        go.set()
        m.set_value("x", "final")
        stop.set()
        for w in workers:
            w.join(10)
        assert not any(w.is_alive() for w in workers)
        assert m.get_value("x") == "final"
        assert m.get_values() == {"x": "final"}
        assert m("x") == "final"


def test_many_new_names_from_many_threads():
    m = HyperParameterManager("_")
    per_thread = 500

    def define(k):
        for i in range(per_thread):
            m("t{}.n{}".format(k, i), i)

    threads = [threading.Thread(target=define, args=(k,)) for k in range(8)]
    _run(threads)
    values = m.get_values()
    assert len(values) == 8 * per_thread
    assert all(values["t{}.n{}".format(k, i)] == i for k in range(8) for i in range(per_thread))
    assert m.tree.count() == 8 * per_thread
    assert len(m.get_tree()) == 8
