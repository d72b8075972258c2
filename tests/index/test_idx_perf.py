"""Linear cost: many uses of one name, big files, one-statement edits.

Time is measured in `make bench`; here the work is counted (Python calls made and characters
handed to the parser), which is the same on a busy machine as on an idle one.
"""
import sys
from contextlib import contextmanager

from hpman.index import problems as P
from hpman.index import scan
from hpman.index.workspace import Workspace


class Work:
    calls = 0
    parsed = 0


@contextmanager
def counting():
    """Count Python-level calls (a deterministic stand-in for CPU time) and parsed characters."""
    work = Work()
    real_parse = scan.parse_module

    def parse(text, filename):
        work.parsed += len(text)
        return real_parse(text, filename)

    def profile(frame, event, arg):
        if event == "call":
            work.calls += 1

    scan.parse_module = parse
    sys.setprofile(profile)
    try:
        yield work
    finally:
        sys.setprofile(None)
        scan.parse_module = real_parse


def index_work(text):
    with counting() as work:
        ws = Workspace([], cache=False)
        ws.set_text("/w/uses.py", text)
        found = P.all_problems(ws)
    return work, ws, found


def uses(n):
    # the shape of the benchmark: one default, n uses
    return "from hpman.m import _\n\n_('x', 1)\n" + "_('x')\n" * n


def test_20000_uses_of_one_name_index_linearly():
    w5, _ws, _f = index_work(uses(5000))
    w20, ws, found = index_work(uses(20000))
    assert len(ws.occurrences_of(("_", "x"))) == 20001
    assert found == []
    # 4 times the uses: linear is x4, quadratic x16
    assert w20.calls <= 4.5 * w5.calls, (w5.calls, w20.calls)
    assert w20.parsed <= 2 * len(uses(20000)), w20.parsed


def test_20000_duplicate_defaults_stay_linear():
    # every use has a default: each problem lists a bounded number of related places
    body = lambda n: "from hpman.m import _\n" + "_('x', 1)\n" * n  # noqa: E731
    w5, _ws, _f = index_work(body(5000))
    w20, _ws, found = index_work(body(20000))
    assert len(found) == 20000 and all(p.severity == "error" for p in found)
    assert all(len(p.related) <= P.MAX_RELATED for p in found)
    assert w20.calls <= 4.5 * w5.calls, (w5.calls, w20.calls)


def test_distinct_statements_stay_linear():
    body = lambda n: "from hpman.m import _\n_('x', 1)\n" + "".join(  # noqa: E731
        "v{0} = _('x') + {0}\n".format(i) for i in range(n))
    w1, _ws, _f = index_work(body(1000))
    w4, ws, _f = index_work(body(4000))
    assert len(ws.occurrences_of(("_", "x"))) == 4001
    assert w4.calls <= 4.5 * w1.calls, (w1.calls, w4.calls)
    assert w4.parsed <= 2 * len(body(4000)), w4.parsed


def test_editing_one_statement_of_a_big_file_reparses_only_it():
    text = "from hpman.m import _\n" + "".join(
        "def f{0}(a):\n    '''doc'''\n    return _('n{0}', {0}) + a\n\n\n".format(i) for i in range(1000))
    ws = Workspace([], cache=False)
    ws.set_text("/w/big.py", text)
    P.all_problems(ws)
    edited = text.replace("_('n500', 500)", "_('n500', 5000)")
    with counting() as edit:
        ws.set_text("/w/big.py", edited)
    assert P.problems_of(ws, "/w/big.py") == []
    with counting() as full:
        Workspace([], cache=False).set_text("/w/big.py", edited)
    assert ws.defaults_of(("_", "n500"))[0].value == 5000
    assert 0 < edit.parsed < len(edited) // 20, edit.parsed   # a block around it, not the file
    assert full.parsed >= len(edited) // 2, full.parsed
    # the edit parses one piece and reuses the others; what remains is re-assembling the file's
    # 1,000 occurrences, a linear pass that is a fraction of indexing it from nothing
    assert edit.calls * 3 < full.calls, (edit.calls, full.calls)
