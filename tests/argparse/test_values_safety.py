"""Values files are read and written safely by every front end: only regular files, a size
cap, no hang on a FIFO, one line (naming the file, and the key when there is one) for
every file that cannot be used, never a traceback, and never a device replaced."""
import os
import pickle
import socket
import stat
import subprocess
import sys

import pytest
from hpa_helpers import hpm, make_mgr, new_parser, run, write  # noqa: F401  (fixtures)

import hpargparse
from hpman.values import MAX_BYTES, ValuesError, load, save
from hpman.values.safeio import read_regular

SRC = "from hpman.m import _\n_('lr', 0.1)\n_('n', 3)\n_('z', 1j)\n"
TIMEOUT = 60   # a generous guard for a subprocess on a busy machine; a hang fails, nothing is timed


def bound(make_mgr):
    mgr = make_mgr(SRC)
    parser = new_parser()
    hpargparse.bind(parser, mgr)
    return parser, mgr


def one_error_line(r, *needles):
    assert r.code == 2, r
    lines = r.err.strip().splitlines()
    assert "Traceback" not in r.err and lines[-1].startswith("prog: error: "), r.err
    for needle in needles:
        assert needle in lines[-1], lines[-1]
    return lines[-1]


def special_files(tmp_path):
    """name -> path of a FIFO, a socket, a directory and (as root) a character device like /dev/null."""
    out = {}
    fifo = str(tmp_path / "fifo.yaml")
    os.mkfifo(fifo)
    out["a FIFO"] = fifo
    sock_path = str(tmp_path / "sock.yaml")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(sock_path)
    out["a socket"] = sock_path
    folder = str(tmp_path / "folder.yaml")
    os.mkdir(folder)
    out["a directory"] = folder
    if os.geteuid() == 0:
        dev = str(tmp_path / "null.yaml")
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        out["a character device"] = dev
    else:   # not root: /dev/null cannot be replaced, so trying is harmless
        out["a character device"] = "/dev/null"
    return out, sock


@pytest.mark.parametrize("kind", ["a FIFO", "a socket", "a directory", "a character device"])
def test_save_refuses_what_is_not_a_regular_file(tmp_path, make_mgr, run, kind):
    files, sock = special_files(tmp_path)
    try:
        path = files[kind]
        before = os.stat(path).st_mode
        parser, _mgr = bound(make_mgr)
        r = run(parser, ["--hp-save", path, "--hp-serial-format", "yaml"])
        one_error_line(r, "cannot save `{}`".format(path), "it is {}".format(kind))
        assert os.stat(path).st_mode == before          # still the FIFO / socket / device / folder
    finally:
        sock.close()


def test_save_refuses_dev_null(make_mgr, run):
    parser, _mgr = bound(make_mgr)
    r = run(parser, ["--hp-save", "/dev/null", "--hp-serial-format", "yaml"])
    one_error_line(r, "cannot save `/dev/null`: it is a character device")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_save_through_a_symlink_replaces_the_file_it_points_to(tmp_path, make_mgr, run):
    target = write(tmp_path, "real.yaml", "lr: 1\n")
    link = str(tmp_path / "link.yaml")
    os.symlink(target, link)
    parser, _mgr = bound(make_mgr)
    r = run(parser, ["--hp-save", link])
    assert r.code is None, r
    assert os.path.islink(link) and load(target)["lr"] == 0.1
    os.symlink(str(tmp_path / "dev"), str(tmp_path / "to_dev.yaml"))
    os.symlink("/dev/null", str(tmp_path / "dev"))
    r = run(parser, ["--hp-save", str(tmp_path / "to_dev.yaml")])
    one_error_line(r, "it is a character device")


@pytest.mark.parametrize("kind", ["a FIFO", "a socket", "a directory", "a character device"])
def test_load_refuses_what_is_not_a_regular_file_without_waiting(tmp_path, make_mgr, run, kind):
    files, sock = special_files(tmp_path)
    try:
        parser, mgr = bound(make_mgr)
        r = run(parser, ["--hp-load", files[kind]])     # a FIFO without a writer: no hang
        one_error_line(r, "cannot read `{}`".format(files[kind]), kind)
        assert mgr.get_value("lr") == 0.1
    finally:
        sock.close()


def test_load_dev_zero_is_one_line(make_mgr, run):
    parser, _mgr = bound(make_mgr)
    r = run(parser, ["--hp-load", "/dev/zero", "--hp-serial-format", "yaml"])
    one_error_line(r, "cannot read `/dev/zero`: it is a character device")


def test_load_caps_the_size_and_says_the_cap(tmp_path, make_mgr, run):
    path = str(tmp_path / "huge.yaml")
    with open(path, "wb") as f:
        f.truncate(1 << 30)             # 1 GB, sparse: nothing of it is read
    parser, _mgr = bound(make_mgr)
    r = run(parser, ["--hp-load", path])
    one_error_line(r, "cannot read `{}`: it is larger than 16 MiB".format(path))
    with pytest.raises(ValuesError, match="larger than 1,000 bytes"):
        read_regular(path, 1000)
    assert MAX_BYTES == 16 * 1024 * 1024


def test_huge_yaml_integer_names_the_key(tmp_path, make_mgr, run):
    path = write(tmp_path, "v.yaml", "lr: 0.5\nn: {}\n".format("9" * 5000))
    parser, mgr = bound(make_mgr)
    line = one_error_line(run(parser, ["--hp-load", path]), "cannot read `{}` (line 2, key `n`)".format(path))
    assert "an integer of 5,000 digits (Python reads at most 4,300)" in line and mgr.get_value("lr") == 0.1


def test_huge_json_integer_names_the_key(tmp_path, make_mgr, run):
    path = write(tmp_path, "v.json", '{"lr": 0.5, "n": %s}' % ("9" * 5000))
    parser, _mgr = bound(make_mgr)
    one_error_line(run(parser, ["--hp-load", path]), "cannot read `{}`: `n`: an integer of 5,000 digits".format(path))


def _reduce_pickle(module, name, args_pickle):
    """`{'z': module.name(*args)}` as protocol 2 opcodes (what a hostile or damaged file holds)."""
    return (b"\x80\x02}X\x01\x00\x00\x00zc" + module.encode() + b"\n" + name.encode() + b"\n" + args_pickle
            + b"Rs.")


@pytest.mark.parametrize("module, name, args, needle", [
    ("builtins", "complex", pickle.dumps((10 ** 400,), protocol=2)[2:-1], "complex("),
    ("_codecs", "encode", pickle.dumps(("x", "nosuchcodec"), protocol=2)[2:-1], "_codecs.encode("),
])
def test_pickle_reconstruction_with_bad_arguments_names_the_key(tmp_path, make_mgr, run, module, name, args, needle):
    path = write(tmp_path, "v.pkl", _reduce_pickle(module, name, args), mode="wb")
    parser, _mgr = bound(make_mgr)
    line = one_error_line(run(parser, ["--hp-load", path]), "cannot read `{}`: `z`: ".format(path), needle)
    assert "fails" in line


def test_cli_list_to_a_full_disk_is_one_line(tmp_path):
    write(tmp_path, "m.py", SRC)
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "hpman", "list", "--no-cache", "."], cwd=str(tmp_path),
                              stdout=full, stderr=subprocess.PIPE, universal_newlines=True, timeout=TIMEOUT)
    assert proc.returncode == 1
    assert proc.stderr == "hpman: error: cannot write the output: No space left on device\n"


def _fifo(d):
    os.mkfifo(os.path.join(d, "f.yaml"))
    return os.path.join(d, "f.yaml")


def _huge(d):
    with open(os.path.join(d, "h.yaml"), "wb") as f:
        f.truncate(1 << 30)
    return os.path.join(d, "h.yaml")


def _big_int(d):
    with open(os.path.join(d, "i.yaml"), "w") as f:
        f.write("lr: " + "9" * 5000 + "\n")
    return os.path.join(d, "i.yaml")


@pytest.mark.parametrize("make, needle", [
    (lambda d: "/dev/zero", "it is a character device"),
    (_fifo, "it is a FIFO"),
    (_huge, "larger than 16 MiB"),
    (lambda d: os.path.join(d, "missing.yaml"), "No such file or directory"),
    (_big_int, "i.yaml:1: `lr`: an integer of 5,000 digits (Python reads at most 4,300)"),
], ids=["dev-zero", "fifo", "huge", "missing", "big-int"])
@pytest.mark.parametrize("command", ["list", "check"])
def test_cli_values_that_cannot_be_used_are_one_line(tmp_path, make, needle, command):
    write(tmp_path, "m.py", SRC)
    path = make(str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "hpman", command, "--no-cache", "--values", path, "m.py"],
                          cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=TIMEOUT)
    assert "Traceback" not in proc.stderr
    if command == "check" and make is _big_int:   # a value that does not decode is a problem of the file
        assert proc.returncode == 1 and proc.stderr == ""
        (line,) = [l for l in proc.stdout.splitlines() if "i.yaml" in l]
        assert line.startswith("i.yaml:1:1: error syntax-error `lr`: an integer of 5,000 digits (Python reads at most 4,300)")
        return
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("hpman: error: ") and needle in line and os.path.basename(path) in line


def test_save_refusal_from_the_core(tmp_path):
    with pytest.raises(ValuesError, match="it is a directory"):
        save(str(tmp_path), {"a": 1}, "yaml")
    with pytest.raises(ValuesError, match="cannot tell the format"):
        save(str(tmp_path / "v.txt"), {"a": 1})


def test_hp_list_to_a_full_disk_is_one_line(tmp_path):
    write(tmp_path, "main.py", "import argparse\nimport hpargparse\nfrom hpman.m import _\n_('lr', 0.1)\n"
                               "p = argparse.ArgumentParser(prog='main.py')\n_.parse_file(__file__)\n"
                               "hpargparse.bind(p, _)\np.parse_args()\n")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "main.py", "--hp-list"], cwd=str(tmp_path), stdout=full,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=TIMEOUT)
    assert (proc.returncode, proc.stderr) == (1, "main.py: error: cannot write the listing: No space left on device\n")
