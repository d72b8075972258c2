"""Property tests: every literal value survives the command line, every format, and listing."""
import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpargparse import serial
from hpargparse.listing import list_json, list_yaml
from hpargparse.option_types import from_loaded, from_text

finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
           | st.binary(max_size=10) | st.complex_numbers(allow_nan=False))
finite_scalars = (st.none() | st.booleans() | st.integers() | finite | st.text(max_size=20)
                  | st.binary(max_size=10) | st.complex_numbers(allow_nan=False, allow_infinity=False))


def literals(base):
    hashables = st.recursive(base, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=4)
    return st.recursive(base, lambda inner: (
        st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple) | st.sets(hashables, max_size=4)
        | st.dictionaries(hashables, inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)),
        max_leaves=12)


SETTINGS = settings(max_examples=int(os.environ.get("HPA_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(value=literals(scalars), fmt=st.sampled_from(serial.FORMATS))
def test_save_load_round_trip(value, fmt):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "v." + fmt)
        assert serial.save(path, {"x": value, "y.z": [value]}, fmt) == {}
        loaded = serial.load(path, fmt)
    assert loaded == {"x": value, "y.z": [value]}
    assert type(loaded["x"]) is type(value)


@SETTINGS
@given(value=literals(finite_scalars))
def test_command_line_text_round_trip(value):
    assert from_text(value, str(value) if isinstance(value, str) else repr(value)) == value
    assert from_text(None, repr(value)) == value


@SETTINGS
@given(value=literals(scalars))
def test_loaded_values_keep_their_type(value):
    out = from_loaded(value, value)
    assert out == value and type(out) is type(value)


@SETTINGS
@given(value=literals(scalars | st.just(float("nan"))))
def test_listing_json_is_strict_json(value):
    def refuse(constant):
        raise AssertionError("non-JSON constant " + constant)

    data = json.loads(list_json({"x": value}), parse_constant=refuse)
    assert set(data) == {"x"}


@SETTINGS
@given(value=literals(scalars))
def test_listing_yaml_reads_back(value):
    assert serial.read_yaml(list_yaml({"x": value}), "<listing>") == {"x": value}



names = st.from_regex(r"[a-z][a-z0-9_]{0,6}(\.[a-z][a-z0-9_]{0,6}){0,2}", fullmatch=True)
ZERO = {bool: False, int: 0, float: 0.0, complex: 0j, str: "", bytes: b"", list: [], tuple: (), set: set(),
        dict: {}, type(None): None}


@settings(max_examples=int(os.environ.get("HPA_EXAMPLES", "100")) // 2, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(names, literals(finite_scalars), min_size=1, max_size=4))
def test_bound_parser_takes_the_text_of_any_value_of_the_type(values):
    """Defaults of every kind (the kind's zero); the command line gives any value of that kind."""
    import argparse

    import hpargparse
    import hpman
    from hpargparse.option_types import kind_of

    chosen = {}
    for name in sorted(values):  # no name may be the prefix of another (a value and a tree at once)
        clash = any(o.startswith(name + ".") or name.startswith(o + ".") or o.replace("_", "-") == name.replace("_", "-")
                    for o in chosen)
        if not clash:
            chosen[name] = values[name]
    defaults = {name: ZERO[kind_of(v)] for name, v in chosen.items()}
    mgr = hpman.HyperParameterManager("_")
    mgr.set_values(defaults)
    parser = argparse.ArgumentParser(prog="prog")
    hpargparse.bind(parser, mgr)
    argv = ["--{}={}".format(name.replace("_", "-"), v if isinstance(v, str) else repr(v))
            for name, v in chosen.items()]
    ns = parser.parse_args(argv)
    for name, value in chosen.items():
        assert getattr(ns, name) == value and type(getattr(ns, name)) is type(value)
        assert mgr.get_value(name) == value
    ns = parser.parse_args([])
    assert {name: getattr(ns, name) for name in chosen} == defaults
    assert mgr.get_values() == defaults
