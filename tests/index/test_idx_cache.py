"""The persistent cache: a second start parses nothing; touched files are not re-parsed; changed ones are."""
import os

from idx_helpers import problems, scan, snapshot, write

from hpman.index import cache as C
from hpman.index import edits as E
from hpman.index.workspace import Workspace

FILES = {
    "a.py": "from hpman.m import _\nimport math\nlr = _('lr', 0.1)  # 学习率\npi = _('pi', math.pi)\n_('use')\n",
    "pkg/b.py": "from hpman.m import _, cfg\n_('lr', 0.2, help='b')\ncfg('depth', 3, choices=[1, 2])\n_('opt', None)\n",
    "pkg/c.py": "from hpman.m import _\n_('broken',\n",
    "plain.py": "print('no manager here')\n",
}


def make(tmp_path):
    root = tmp_path / "src"
    for rel, text in FILES.items():
        write(root, rel, text)
    return root


def test_second_scan_parses_nothing_and_knows_the_same(tmp_path):
    root = make(tmp_path)
    cache = tmp_path / "cache"
    first = scan(root, cache_dir=cache)
    assert first.parsed_files == 3
    assert os.listdir(str(cache))
    second = scan(root, cache_dir=cache)
    assert second.parsed_files == 0
    assert snapshot(second) == snapshot(first)
    assert [p.code for p in problems(second)] == [p.code for p in problems(first)]
    assert {"duplicate-default", "not-in-choices", "syntax-error", "no-default",
            "non-literal-default"} <= {p.code for p in problems(second)}


def test_cached_values_keep_their_kinds(tmp_path):
    root = make(tmp_path)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    ws = scan(root, cache_dir=cache)
    pi, = ws.defaults_of(("_", "pi"))
    assert type(pi.value).__name__ == "NotLiteralEvaluable" and pi.default_text == "math.pi"
    use, = ws.occurrences_of(("_", "use"))
    assert not use.has_default and type(use.value).__name__ == "EmptyValue"
    opt, = ws.defaults_of(("_", "opt"))
    assert opt.has_default and opt.value is None
    assert ws.defaults_of(("cfg", "depth"))[0].hints == {"choices": [1, 2]}


def test_touched_file_is_not_reparsed(tmp_path):
    root = make(tmp_path)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    path = str(root / "a.py")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10 ** 9))
    ws = scan(root, cache_dir=cache)
    assert ws.parsed_files == 0
    assert ws.defaults_of(("_", "lr"))[0].value == 0.1


def test_same_size_rewrite_with_the_old_mtime_is_reparsed(tmp_path):
    """The content is the key: a rewrite that keeps the size and restores the mtime (what a
    stat-keyed cache cannot see) gets fresh facts, from the index and from the runtime."""
    root = make(tmp_path)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    path = str(root / "a.py")
    st = os.stat(path)
    write(root, "a.py", FILES["a.py"].replace("0.1", "0.7"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns
    ws = scan(root, cache_dir=cache)
    assert ws.parsed_files == 1
    assert sorted(d.value for d in ws.defaults_of(("_", "lr"))) == [0.2, 0.7]


def test_modified_file_is_reparsed(tmp_path):
    root = make(tmp_path)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    path = str(root / "a.py")
    st = os.stat(path)
    text = FILES["a.py"].replace("0.1", "0.3")  # same size, other content
    write(root, "a.py", text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10 ** 9))
    ws = scan(root, cache_dir=cache)
    assert ws.parsed_files == 1
    assert sorted(d.value for d in ws.defaults_of(("_", "lr"))) == [0.2, 0.3]


def test_added_and_deleted_files(tmp_path):
    root = make(tmp_path)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    os.unlink(str(root / "pkg" / "b.py"))
    write(root, "new.py", "from hpman.m import _\n_('new', 1)\n")
    ws = scan(root, cache_dir=cache)
    assert ws.parsed_files == 1
    assert "new" in ws.names("_") and ws.managers() == ["_"]
    assert [p.code for p in problems(ws, "duplicate-default")] == []


def test_cached_workspace_can_still_edit(tmp_path):
    root = make(tmp_path)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    ws = scan(root, cache_dir=cache)
    keep = ws.defaults_of(("_", "lr"))[0]
    edits = E.keep_only(ws, keep)
    assert len(edits) == 1
    path, rng, new = edits[0]
    ws.set_text(path, E.apply(ws.text_of(path), [(rng, new)]))
    assert len(ws.defaults_of(("_", "lr"))) == 1


def test_corrupt_or_foreign_cache_files_are_ignored(tmp_path):
    root = make(tmp_path)
    cache = tmp_path / "cache"
    first = scan(root, cache_dir=cache)
    (name,) = os.listdir(str(cache))
    for junk in (b"", b"\x00garbage\xff" * 10, b"\xe3" + b"\x00" * 5):
        with open(str(cache / name), "wb") as f:
            f.write(junk)
        ws = scan(root, cache_dir=cache)
        assert ws.parsed_files == 3
        assert snapshot(ws) == snapshot(first)
    import marshal
    with open(str(cache / name), "wb") as f:
        marshal.dump({"format": C.FORMAT, "files": {"x": 1}}, f)
    assert scan(root, cache_dir=cache).parsed_files == 3
    # an old format is not reused
    with open(str(cache / name), "wb") as f:
        marshal.dump({"format": C.FORMAT - 1, "files": {}}, f)
    assert scan(root, cache_dir=cache).parsed_files == 3


def test_unwritable_cache_only_costs_time(tmp_path):
    root = make(tmp_path)
    blocker = write(tmp_path, "cachefile", "not a directory")
    ws = Workspace([str(root)], cache=True, cache_dir=os.path.join(blocker, "sub"))
    ws.scan()
    assert ws.parsed_files == 3
    assert "lr" in ws.names("_")


def test_cache_location(monkeypatch, tmp_path):
    monkeypatch.setenv("HPMAN_CACHE_DIR", str(tmp_path / "env"))
    assert C.cache_dir() == str(tmp_path / "env")
    assert C.cache_dir(str(tmp_path / "explicit")) == str(tmp_path / "explicit")
    monkeypatch.delenv("HPMAN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert C.cache_dir() == str(tmp_path / "xdg" / "hpman")
    # scanning with the environment variable writes there
    root = make(tmp_path)
    monkeypatch.setenv("HPMAN_CACHE_DIR", str(tmp_path / "env"))
    ws = Workspace([str(root)])
    ws.scan()
    assert os.listdir(str(tmp_path / "env"))
    ws2 = Workspace([str(root)])
    ws2.scan()
    assert ws2.parsed_files == 0


def test_different_roots_do_not_share_a_cache(tmp_path):
    root = make(tmp_path)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    sub = scan(root / "pkg", cache_dir=cache)
    assert sub.parsed_files == 2
    assert len(os.listdir(str(cache))) == 2


def test_the_syntax_verdict_is_cached_by_content(tmp_path):
    """A module using hpman is checked whole once per content (verify=True, as `hpman check`);
    an unchanged tree checks nothing on the next start and reports the same."""
    root = tmp_path / "src"
    write(root, "a.py", "from hpman.m import _\nlr = _('lr', 0.1)\n\nprint 'python 2'\n")
    write(root, "b.py", "from hpman.m import _\nbs = _('bs', 32)\n")
    cache = tmp_path / "cache"
    first = Workspace([str(root)], cache_dir=str(cache), verify=True)
    first.scan()
    assert first.verified_files == 2
    (err,) = problems(first, "syntax-error")
    assert os.path.basename(err.path) == "a.py" and err.range[0] == 3
    second = Workspace([str(root)], cache_dir=str(cache), verify=True)
    second.scan()
    assert second.verified_files == 0 and second.parsed_files == 0
    assert [(p.path, p.range) for p in problems(second, "syntax-error")] == [(err.path, err.range)]


def test_verify_pending_checks_in_batches_then_caches(tmp_path):
    """The language server's way: scan without verification (fast first index), then
    verify_pending in small batches; each batch returns the files to republish."""
    root = tmp_path / "src"
    for i in range(5):
        write(root, "m{}.py".format(i), "from hpman.m import _\n_('n{}', 1)\n".format(i))
    write(root, "bad.py", "from hpman.m import _\n_('b', 1)\n\nprint 'python 2'\n")
    write(root, "plain.py", "print 'no hpman here'\n")
    cache = tmp_path / "cache"
    ws = Workspace([str(root)], cache_dir=str(cache))
    ws.scan()
    assert len(ws.pending()) == 6 and problems(ws, "syntax-error") == []
    published = set()
    rounds = 0
    while ws.pending():
        published |= ws.verify_pending(max_files=2)
        rounds += 1
    assert rounds == 3 and ws.verified_files == 6
    assert str(root / "bad.py") in published
    (err,) = problems(ws, "syntax-error")
    assert err.path == str(root / "bad.py") and err.range[0] == 3
    again = Workspace([str(root)], cache_dir=str(cache))
    again.scan()
    assert again.pending() == [] and len(problems(again, "syntax-error")) == 1
    # an edited buffer is pending again until verified
    again.set_text(str(root / "m0.py"), "from hpman.m import _\n_('n0', 1)\ndef (:\n")
    assert again.pending() == [str(root / "m0.py")]
    assert str(root / "m0.py") in again.verify_file(str(root / "m0.py"))
    assert len(problems(again, "syntax-error")) == 2


def test_an_unchanged_file_is_not_even_read_once_its_stat_is_old_enough(tmp_path, monkeypatch):
    """A stat short-cuts the read only for a file that had not changed for a while when it was
    hashed (RACY_NS); a same-size rewrite with the old mtime restored changes the ctime, so the
    file is read and re-parsed even then."""
    import time

    from hpman.index import workspace as W
    root = make(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setattr(W, "RACY_NS", -10 ** 12)   # every stat is "old enough" here
    scan(root, cache_dir=cache)
    reads = []
    real = W.read_bytes
    monkeypatch.setattr(W, "read_bytes", lambda p: reads.append(p) or real(p))
    ws = scan(root, cache_dir=cache)
    assert ws.parsed_files == 0 and reads == []
    assert snapshot(ws) == snapshot(scan(root))
    path = str(root / "a.py")
    st = os.stat(path)
    time.sleep(0.05)   # past the coarse clock tick of the first write, so that the ctime moves
    write(root, "a.py", FILES["a.py"].replace("0.1", "0.9"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    del reads[:]
    ws = scan(root, cache_dir=cache)
    assert reads == [path] and ws.parsed_files == 1
    assert sorted(d.value for d in ws.defaults_of(("_", "lr"))) == [0.2, 0.9]


def test_a_recently_changed_file_is_read_whatever_its_stat_says(tmp_path):
    """Within RACY_NS of its last change a file is always read: a second write in the same clock
    tick could leave the very same stat."""
    from hpman.index import workspace as W
    root = make(tmp_path)
    cache = tmp_path / "cache"
    scan(root, cache_dir=cache)
    reads = []
    real = W.read_bytes
    W.read_bytes = lambda p: reads.append(p) or real(p)
    try:
        ws = scan(root, cache_dir=cache)
    finally:
        W.read_bytes = real
    assert len(reads) == len(FILES) and ws.parsed_files == 0


def test_a_row_without_a_stat_key_is_read_then_taken_by_its_content(tmp_path, monkeypatch):
    """A cache row with no stat key (never written by save, but a cache file is outside data)
    short-cuts no read; the file's content still finds its facts."""
    import marshal

    from hpman.index import workspace as W
    root = make(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setattr(W, "RACY_NS", -10 ** 12)   # any real stat key would be trusted
    first = scan(root, cache_dir=cache)
    (name,) = os.listdir(str(cache))
    with open(str(cache / name), "rb") as f:
        data = marshal.loads(f.read())
    data["files"] = {path: (dig, packed, None) for path, (dig, packed, _key) in data["files"].items()}
    with open(str(cache / name), "wb") as f:
        f.write(marshal.dumps(data))
    reads = []
    real = W.read_bytes
    monkeypatch.setattr(W, "read_bytes", lambda p: reads.append(p) or real(p))
    ws = scan(root, cache_dir=cache)
    assert sorted(reads) == sorted(str(root / rel) for rel in FILES) and ws.parsed_files == 0
    assert snapshot(ws) == snapshot(first)
