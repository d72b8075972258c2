"""Property tests: every literal value survives the command line, every format, and listing."""
import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from hpargparse import serial
from hpargparse.convert import from_loaded, from_text
from hpargparse.listing import list_json, list_yaml

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
