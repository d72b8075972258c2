"""Bindings in order and aliases, checked against Python itself: random straight-line modules
that bind, alias and rebind the manager's name at module level and in functions are run with
a recording stand-in for `hpman.m`, and the calls that really reached the manager must be the
ones the index (and the runtime's parse_source) finds. Functions are called when the module
has finished, the model the README states."""
import sys
import types

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpman import HyperParameterManager
from hpman.index import facts as F

NAMES = ["_", "h", "g"]
SOURCES = ["_", "h", "g", "str", "None"]


class _Recorder:
    def __init__(self) -> None:
        self.names = []

    def __call__(self, name, *args, **hints):
        self.names.append(name)


def _guarded(call: str, indent: str) -> str:
    return "{0}try:\n{0}    {1}\n{0}except Exception:\n{0}    pass\n".format(indent, call)


@st.composite
def modules(draw):
    lines = ["_ = h = g = None\n"]   # every name bound from the start: no binding itself fails
    functions = []
    for i in range(draw(st.integers(1, 9))):
        kind = draw(st.sampled_from(["bind", "bind", "import", "import_as", "call", "call", "def", "def_local"]))
        name, source = draw(st.sampled_from(NAMES)), draw(st.sampled_from(SOURCES))
        if kind == "bind":
            lines.append("{} = {}\n".format(name, source))
        elif kind == "import":
            lines.append("from hpman.m import _\n")
        elif kind == "import_as":
            lines.append("from hpman.m import _ as {}\n".format(name))
        elif kind == "call":
            lines.append(_guarded("{}('k{}', {})".format(name, i, i), ""))
        elif kind == "def":
            functions.append("f{}".format(i))
            lines.append("def f{}():\n".format(i) + _guarded("{}('k{}', {})".format(name, i, i), "    "))
        else:
            local = draw(st.sampled_from(NAMES))
            source = "str" if source == local else source   # `_ = _` in a function: UnboundLocalError
            functions.append("f{}".format(i))
            lines.append("def f{}():\n    {} = {}\n".format(i, local, source)
                         + _guarded("{}('k{}', {})".format(local, i, i), "    "))
    if functions:
        lines.append("for fn_ in ({},):\n    fn_()\n".format(", ".join(functions)))
    return "".join(lines)


def _run(text: str):
    """The names of the calls that reached hpman's `_` when the module runs."""
    recorder = _Recorder()
    stub = types.ModuleType("hpman.m")
    stub._ = recorder
    saved = sys.modules.get("hpman.m")
    sys.modules["hpman.m"] = stub
    try:
        exec(compile(text, "<generated>", "exec"), {"__name__": "generated"})
    finally:
        if saved is not None:
            sys.modules["hpman.m"] = saved
        else:
            del sys.modules["hpman.m"]
    return sorted(set(recorder.names))


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
def test_the_calls_found_are_the_calls_that_reach_the_manager(text):
    ran = _run(text)
    static = sorted({o.name for o in F.extract_workspace(text, "/w/m.py").occurrences if o.manager == "_"})
    assert static == ran, text
    if "from hpman.m import _\n" in text:   # the placeholder is bound by the module itself
        runtime = HyperParameterManager("_").parse_source(text)
        assert sorted(runtime.get_values()) == ran, text
