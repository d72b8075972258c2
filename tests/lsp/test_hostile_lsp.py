"""Reliability and security of the language server on hostile workspaces.

The real server (`python -m hpman_lsp`, through the pytest-lsp fixture in
conftest.py) is started on the generated hostile workspace (tests/hostile.py):
it answers, publishes a syntax-error diagnostic on every bad file, serves
hpman/tree with every good name, survives watched-file events on a FIFO, symlink
loops and deleted files, and answers requests for documents it has never seen.
Unreadable file: a sitecustomize.py on the server's PYTHONPATH makes open/os.open
refuse it (tests run as root, so chmod would not stop the read).

Security: the server runs in a folder full of modules that would create a marker
file if imported or executed, including modules named like the ones the server
imports itself (`logging.py`, `yaml.py`, `hpman.py`, ...), with its working
directory in that folder as an editor starts it; the marker never appears.
"""
import asyncio
import os
import sys
from pathlib import Path

import pytest
from lsprotocol import types as T

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import hostile  # noqa: E402  (tests/hostile.py)


def tree_names(tree):
    out = {}

    def walk(nodes, manager):
        for node in nodes:
            out.setdefault(manager, set()).add(node["name"] if isinstance(node, dict) else node.name)
            walk(node["children"] if isinstance(node, dict) else node.children, manager)
    for mgr in (tree["managers"] if isinstance(tree, dict) else tree.managers):
        name = mgr["name"] if isinstance(mgr, dict) else mgr.name
        walk(mgr["nodes"] if isinstance(mgr, dict) else mgr.nodes, name)
    return out


async def tree(session):
    return await asyncio.wait_for(session.client.protocol.send_request_async("hpman/tree", {}), 20)


def to_plain(obj):
    """pygls hands custom results over as namedtuples: make them dicts."""
    if hasattr(obj, "_asdict"):
        return {k: to_plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(o) for o in obj]
    return obj


def raw_uri(root, rel):
    """A file URI without resolving symlinks (a symlink loop cannot be resolved)."""
    return (Path(root) / rel).absolute().as_uri()


def disk_event(session, root, rel, kind):
    session.client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(
        [T.FileEvent(uri=raw_uri(root, rel), type=kind)]))


@pytest.fixture
def hostile_ws(tmp_path, monkeypatch):
    h = hostile.make_hostile_workspace(tmp_path / "hws")
    unreadable = hostile.add_unreadable(h)
    env = hostile.unreadable_env(tmp_path / "site", [unreadable], env={})
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in [env["PYTHONPATH"], os.environ.get("PYTHONPATH")] if p))
    monkeypatch.setenv("HPMAN_TEST_UNREADABLE", env["HPMAN_TEST_UNREADABLE"])
    return h


async def test_the_server_indexes_a_hostile_workspace_and_keeps_serving(start, hostile_ws):
    h = hostile_ws
    s = await start(root=Path(h.root))
    # every bad file gets a syntax-error diagnostic
    for rel in sorted(h.bad):
        diags = await s.diagnostics_where(rel, lambda d: any(str(x.code) == "syntax-error" for x in d), rel)
        assert all(x.severity == T.DiagnosticSeverity.Error for x in diags if str(x.code) == "syntax-error")
    unreadable = [d for d in s.diagnostics("bad/unreadable.py") if str(d.code) == "syntax-error"]
    assert "Permission denied" in unreadable[0].message
    # hpman/tree has every good name of both managers
    names = tree_names(to_plain(await tree(s)))
    for rel, managers in h.good.items():
        for manager, wanted in managers.items():
            for name in wanted:
                assert name in names.get(manager, ()), (rel, manager, name)
    assert "venv.name" not in names.get("_", ())
    # hover and definition on a good file still work
    hover = await s.hover("good/train.py", s.pos("good/train.py", "'lr'", offset=1))
    assert hover is not None and "0.1" in hover.contents.value
    # every odd name answers hover, definition and references at its own literal
    text = s.text("good/odd_names.py")
    for i, name in enumerate(hostile.ODD_NAMES):
        literal = "v{} = _({!r}".format(i, name)
        pos = s.pos("good/odd_names.py", literal, offset=len(literal) - len(repr(name)) + 1)
        doc = T.TextDocumentIdentifier(s.uri("good/odd_names.py"))
        hover = await s.hover("good/odd_names.py", pos)
        assert hover is not None, name
        defs = await s.client.text_document_definition_async(T.DefinitionParams(text_document=doc, position=pos))
        refs = await s.client.text_document_references_async(T.ReferenceParams(
            text_document=doc, position=pos, context=T.ReferenceContext(include_declaration=True)))
        defs = defs if isinstance(defs, list) else [defs]
        assert len(defs) == 1 and len(refs) == 1, (name, defs, refs)
        r = refs[0].range
        line = text.split("\n")[r.start.line]
        assert r.start.line == r.end.line
        start = len(line.encode("utf-16-le")[:2 * r.start.character].decode("utf-16-le"))
        end = len(line.encode("utf-16-le")[:2 * r.end.character].decode("utf-16-le"))
        assert line[start:end] == repr(name), (name, line[start:end])


async def test_watched_file_events_on_fifos_loops_and_deleted_files(start, hostile_ws):
    h = hostile_ws
    s = await start(root=Path(h.root))
    os.unlink(h.path("good/uses.py"))
    for rel in ["links/fifo.py", "links/self_loop.py", "links/a_loop.py", "links/dangling.py", "links/up",
                "good/uses.py", "huge/big.py", "bad/binary.py", "bad/unreadable.py", "nowhere/at/all.py"]:
        for kind in (T.FileChangeType.Created, T.FileChangeType.Changed, T.FileChangeType.Deleted):
            disk_event(s, h.root, rel, kind)
    await asyncio.wait_for(s.settle(), 30)
    names = tree_names(to_plain(await tree(s)))
    assert "lr" in names["_"]
    # a FIFO announced as changed must not block the server: it answers right away
    disk_event(s, h.root, "links/fifo.py", T.FileChangeType.Changed)
    await asyncio.wait_for(s.settle(), 10)


async def test_opening_hostile_texts_and_unknown_documents(start, hostile_ws):
    h = hostile_ws
    s = await start(root=Path(h.root))
    texts = {
        "bad/nul_bytes.py": "from hpman.m import _\n_('nul', 1)\n\0\0\0",
        "bad/nested_parens.py": "from hpman.m import _\n_('n', " + "(" * 1000 + ")" * 1000 + ")\n",
        "good/deep.py": "from hpman.m import _\n_('d', " + "-" * 5000 + "1)\n",
        "good/lone_surrogate.py": "from hpman.m import _\n_('s', '\ud800'.strip())\n",
        "good/crlf2.py": "from hpman.m import _\r\n_('crlf2', 1)\r\n",
    }
    for name, text in texts.items():
        s.open(name, text)
    for name in texts:
        await s.diagnostics_where(name, lambda d: True, name)
    # requests for documents the server has never seen, with odd URIs
    unknown = [raw_uri(h.root, "never/seen.py"), "untitled:Untitled-1", "file:///", "vscode-notebook-cell:/x#1",
               raw_uri(h.root, "links/fifo.py"), raw_uri(h.root, "links/self_loop.py")]
    pos = T.Position(0, 0)
    far = T.Position(10 ** 6, 10 ** 6)
    for u in unknown:
        doc = T.TextDocumentIdentifier(u)
        for p in (pos, far):
            await asyncio.wait_for(s.client.text_document_hover_async(T.HoverParams(text_document=doc, position=p)), 20)
            await asyncio.wait_for(s.client.text_document_definition_async(T.DefinitionParams(text_document=doc, position=p)), 20)
            await asyncio.wait_for(s.client.text_document_references_async(
                T.ReferenceParams(text_document=doc, position=p,
                                  context=T.ReferenceContext(include_declaration=True))), 20)
            await asyncio.wait_for(s.client.text_document_completion_async(T.CompletionParams(text_document=doc, position=p)), 20)
    # positions past the end of an open document
    doc = T.TextDocumentIdentifier(s.uri("good/crlf2.py"))
    await asyncio.wait_for(s.client.text_document_hover_async(T.HoverParams(text_document=doc, position=far)), 20)
    names = tree_names(to_plain(await tree(s)))
    assert "crlf2" in names["_"]


SHADOWED = ["logging", "yaml", "hpman", "json", "pygls", "lsprotocol", "cattrs", "attrs", "typing_extensions",
            "asyncio", "argparse", "difflib", "fnmatch", "marshal", "hashlib", "concurrent", "traceback"]


async def test_the_server_never_imports_or_runs_workspace_code(start, tmp_path, monkeypatch):
    """The workspace is the server's working directory (as an editor may start it), full of
    modules named like the ones the server imports, and modules whose code, defaults,
    hints or names would create the marker; a values file with python/ tags is selected.
    (PYTHONPATH is set, as the VS Code client sets it, so that the harness's
    `SERVER_DIR + os.pathsep + ""` does not add an empty entry: an empty PYTHONPATH entry
    means the working directory even before `site` runs, which no server code can undo.)"""
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "not-the-workspace"))
    marker = tmp_path / "MARKER"
    code = "open({!r}, 'a').write(__name__ + '\\n')\n".format(str(marker))
    for name in SHADOWED:
        (tmp_path / (name + ".py")).write_text(code + "from hpman.m import _\n_('shadow.{}', 1)\n".format(name))
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(code)
    (tmp_path / "sitecustomize.py").write_text(code)
    (tmp_path / "usercustomize.py").write_text(code)
    expr = "__import__('pathlib').Path({!r}).write_text('evaluated')".format(str(marker))
    (tmp_path / "evil.py").write_text("from hpman.m import _\nlr = _('lr', {})\nx = _('x', 1, help={})\n"
                                      "y = _({}, 2)\n".format(expr, expr, expr))
    (tmp_path / "values.yaml").write_text("lr: !!python/object/apply:os.system [\"touch {}\"]\n".format(marker))
    s = await start(root=tmp_path, settings={"valuesFile": "values.yaml"})
    names = tree_names(to_plain(await tree(s)))
    assert "lr" in names["_"] and "shadow.logging" in names["_"]
    hover = await s.hover("evil.py", s.pos("evil.py", "'lr'", offset=1))
    assert hover is not None
    s.open("evil.py")
    await s.diagnostics_where("evil.py", lambda d: True, "evil")
    await s.diagnostics_where("values.yaml", lambda d: True, "values")
    await asyncio.wait_for(s.settle(), 20)
    assert not marker.exists(), "workspace code ran in the server: " + marker.read_text()


async def test_a_hostile_values_file_is_a_diagnostic_not_a_hang(start, tmp_path):
    root = tmp_path / "vws"
    root.mkdir()
    (root / "m.py").write_text("from hpman.m import _\nlr = _('lr', 0.1)\n")
    (root / "values.yaml").write_text("lr: &l [1, *l]\n")
    s = await start(root=root, settings={"valuesFile": "values.yaml"})
    await s.diagnostics_where("values.yaml", lambda d: any(str(x.code) == "syntax-error" for x in d), "recursive")
    s.open("values.yaml")
    bomb = ["a0: &a0 {x: 1, y: 2}"] + ["a{}: &a{} {{p: *a{}, q: *a{}}}".format(i, i, i - 1, i - 1)
                                       for i in range(1, 25)]
    s.replace_all("values.yaml", "\n".join(bomb) + "\n")
    await s.diagnostics_where("values.yaml", lambda d: any("aliases" in x.message for x in d), "bomb")
    hover = await asyncio.wait_for(s.hover("m.py", s.pos("m.py", "'lr'", offset=1)), 20)
    assert hover is not None and "0.1" in hover.contents.value
    s.replace_all("values.yaml", "lr: 0.5\n")
    await s.diagnostics_where("values.yaml", lambda d: not d, "fixed")
    hover = await asyncio.wait_for(s.hover("m.py", s.pos("m.py", "'lr'", offset=1)), 20)
    assert "0.5" in hover.contents.value
