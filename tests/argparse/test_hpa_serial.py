"""Values files: round trips, atomic writes, and loading that never runs code."""
import math
import os
import pickle
import subprocess
import sys

import pytest
import yaml
from hpa_helpers import hpm, make_mgr, new_parser, run, write  # noqa: F401  (fixtures)

import hpargparse
from hpargparse import serial
from hpargparse.serial import SerialError

VALUES = {
    "b": True, "i": -3, "big": 2 ** 70, "f": 0.1, "tiny": 1e-300, "inf": float("inf"), "c": 1 - 2.5j,
    "s": "text: with 'quotes' \"and\" #hash\nand a newline", "cn": "中文", "empty": "", "yes_str": "yes",
    "num_str": "1e-4", "bytes": b"\x00\xff", "none": None,
    "list": [1, [2, (3, 4)], {"k": {5}}], "tuple": (1, "a", None, (2.5,)), "one": (1,), "unit": (),
    "set": {1, 2, 3}, "strset": {"x", "y"}, "tupset": {(1, 2), (3,)}, "emptyset": set(),
    "dict": {"a": 1, "b": [2]}, "keys": {1: "x", (1, 2): "y", None: "z", 2.5: "w", False: "t"},
    "wrapper_like": {"__tuple__": [1, 2]}, "dict_key": {"__dict__": 1}, "nested.name": {"deep": {"er": (1,)}},
}


@pytest.mark.parametrize("fmt", serial.FORMATS)
def test_round_trip_every_literal(tmp_path, fmt):
    path = str(tmp_path / ("v." + fmt))
    assert serial.save(path, VALUES, fmt) == {}
    loaded = serial.load(path, fmt)
    assert loaded == VALUES

    def same_types(a, b):
        assert type(a) is type(b), (a, b)
        if isinstance(a, dict):
            for k in a:
                same_types(a[k], b[k])
        elif isinstance(a, (list, tuple)):
            for x, y in zip(a, b):
                same_types(x, y)

    same_types(loaded, VALUES)


def test_nan_round_trips(tmp_path):
    for fmt in serial.FORMATS:
        path = str(tmp_path / ("nan." + fmt))
        serial.save(path, {"x": float("nan")}, fmt)
        assert math.isnan(serial.load(path, fmt)["x"])


def test_json_save_is_strict_json(tmp_path):
    import json
    path = str(tmp_path / "v.json")
    serial.save(path, VALUES, "json")
    with open(path) as f:
        json.load(f, parse_constant=lambda c: pytest.fail("non-standard JSON constant " + c))


def test_yaml_save_is_readable_and_safe_loadable_where_plain(tmp_path):
    path = str(tmp_path / "v.yaml")
    serial.save(path, {"lr": 0.1, "name": "resnet", "epochs": [30, 60], "shape": (3, 224)}, "yaml")
    with open(path) as f:
        text = f.read()
    assert text == "epochs:\n- 30\n- 60\nlr: 0.1\nname: resnet\nshape: !!python/tuple [3, 224]\n"


def test_reads_yaml_written_by_pyyaml_default_dumper(tmp_path):
    # hpargparse 0.14 saved with yaml.dump: tuples as !!python/tuple
    path = write(tmp_path, "old.yaml", yaml.dump({"shape": (1, 2), "lr": 0.5, "tags": {"a"}}))
    assert serial.load(path) == {"shape": (1, 2), "lr": 0.5, "tags": {"a"}}


def test_non_literal_values_are_skipped_not_saved(tmp_path):
    path = str(tmp_path / "v.yaml")
    skipped = serial.save(path, {"a": 1, "f": len, "o": [object()]}, "auto")
    assert set(skipped) == {"f", "o"}
    assert serial.load(path) == {"a": 1}


# -- loading never runs code -------------------------------------------------------------
class Payload:
    """Unpickling this runs `touch <marker>` (through os.system)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch " + self.marker,))


class OpenPayload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("payload_cls", [Payload, OpenPayload])
def test_pickle_with_reduce_payload_is_refused(tmp_path, make_mgr, run, payload_cls):
    marker = str(tmp_path / "marker")
    data = pickle.dumps({"n": payload_cls(marker)}, protocol=4)
    # the payload is real: a plain unpickler creates the marker
    pickle.loads(data)
    assert os.path.exists(marker)
    os.remove(marker)

    evil = tmp_path / "evil.pkl"
    evil.write_bytes(data)
    with pytest.raises(SerialError, match="refusing to load"):
        serial.load(str(evil))
    assert not os.path.exists(marker)

    mgr = make_mgr("from hpman.m import _\n_('n', 1)\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    r = run(p, ["--hp-load", str(evil)])
    assert r.code == 2 and "Traceback" not in r.err
    last = r.err.strip().splitlines()[-1]
    assert last.startswith("prog: error: refusing to load `{}`: it asks for `".format(evil))
    assert "only plain data" in last
    assert not os.path.exists(marker)
    assert mgr.get_value("n") == 1


def test_pickle_payload_refused_in_a_real_program(tmp_path):
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.pickle"
    evil.write_bytes(pickle.dumps({"n": Payload(str(marker))}))
    prog = write(tmp_path, "prog.py", '''
        import hpargparse
        from hpman.m import _
        n = _('n', 1)
        args = hpargparse.parse_args(_, __file__)
        print(args.n)
    ''')
    proc = subprocess.run([sys.executable, prog, "--hp-load", str(evil)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "refusing to load" in proc.stderr.strip().splitlines()[-1]
    assert not marker.exists()


def test_yaml_python_tags_are_refused(tmp_path):
    marker = tmp_path / "marker"
    text = "n: !!python/object/apply:os.system ['touch {}']\n".format(marker)
    yaml.unsafe_load(text)  # the payload is real
    assert marker.exists()
    marker.unlink()
    path = write(tmp_path, "evil.yaml", text)
    with pytest.raises(SerialError, match=r"refusing to load .*python/object/apply:os.system"):
        serial.load(path)
    assert not marker.exists()
    for tag in ("!!python/object:os.PathLike {}", "!!python/name:os.system ''", "!custom 1"):
        path = write(tmp_path, "tag.yaml", "n: {}\n".format(tag))
        with pytest.raises(SerialError, match="refusing to load"):
            serial.load(path)


def test_restricted_unpickler_reads_old_protocols(tmp_path):
    for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
        path = tmp_path / "p{}.pkl".format(proto)
        value = {"s": {1, 2}, "c": 1j, "b": b"ab", "f": frozenset([3]), "t": (1, [2])}
        path.write_bytes(pickle.dumps(value, protocol=proto))
        assert serial.load(str(path)) == value


@pytest.mark.parametrize("fmt,content", [
    ("pickle", b"\x80\x04garbage"), ("pickle", b""), ("json", b"{nope"), ("yaml", b"a: [1,\n"),
    ("yaml", b"\xff\xfe\x00bad"), ("json", b'{"a": {"__bytes__": "***"}}'),
])
def test_corrupt_files_are_one_line_errors(tmp_path, fmt, content):
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    with pytest.raises(SerialError) as info:
        serial.load(str(path), fmt)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


# -- atomic writes ------------------------------------------------------------------------
def test_save_replaces_atomically_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("old: 1\n")
    os.chmod(str(path), 0o640)
    serial.save(str(path), {"new": 2})
    assert path.read_text() == "new: 2\n"
    assert os.stat(str(path)).st_mode & 0o777 == 0o640
    assert os.listdir(str(tmp_path)) == ["v.yaml"]


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "v.json"
    path.write_text('{"old": 1}\n')

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(SerialError, match="No space left on device"):
        serial.save(str(path), {"new": list(range(10000))})
    assert path.read_text() == '{"old": 1}\n'
    assert os.listdir(str(tmp_path)) == ["v.json"]

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        serial.save(str(path), {"new": 1})
    assert path.read_text() == '{"old": 1}\n'
    assert os.listdir(str(tmp_path)) == ["v.json"]


def test_new_file_honours_umask(tmp_path):
    old = os.umask(0o027)
    try:
        serial.save(str(tmp_path / "n.yaml"), {"a": 1})
    finally:
        os.umask(old)
    assert os.stat(str(tmp_path / "n.yaml")).st_mode & 0o777 == 0o640


def test_save_into_missing_directory_is_one_line_error(tmp_path, make_mgr, run):
    mgr = make_mgr("from hpman.m import _\n_('n', 1)\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    target = tmp_path / "missing" / "v.yaml"
    r = run(p, ["--hp-save", str(target)])
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err.strip().splitlines()[-1].startswith("prog: error: cannot save `{}`".format(target))


def test_save_through_a_symlink_keeps_the_link(tmp_path):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "real.yaml"
    target.write_text("old: 1\n")
    link = tmp_path / "link.yaml"
    os.symlink(str(target), str(link))
    serial.save(str(link), {"new": 2})
    assert os.path.islink(str(link))
    assert target.read_text() == "new: 2\n"
    assert sorted(os.listdir(str(tmp_path / "store"))) == ["real.yaml"]
