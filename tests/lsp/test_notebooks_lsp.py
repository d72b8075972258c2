"""Notebook document sync: a notebook open in the editor is indexed from its cells, and
hover, definition, references, highlights, diagnostics and quick fixes work in cell coordinates."""
import json

import pytest
from lsprotocol import types as T

CELLS = [
    ("markdown", "# Experiment\n`_('x', 1)` in markdown is not code"),
    ("code", "%load_ext hpman\nfrom hpman.m import _"),
    ("code", "!nvidia-smi\n# 学习率\nlr = _('lr', 0.2)\nbs = _('bs', 32)"),
]


def write_notebook(path, cells):
    nb = {"cells": [{"cell_type": kind, "metadata": {}, "source": text.splitlines(True),
                     **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                    for kind, text in cells],
          "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def cell_uri(nb_uri, i):
    return "vscode-notebook-cell:" + nb_uri[len("file://"):] + "#W{}sZmlsZQ==".format(i)


def open_notebook(s, name, cells, version=1):
    nb_uri = s.uri(name)
    s.client.notebook_document_did_open(T.DidOpenNotebookDocumentParams(
        notebook_document=T.NotebookDocument(
            uri=nb_uri, notebook_type="jupyter-notebook", version=version,
            cells=[T.NotebookCell(kind=T.NotebookCellKind.Code if k == "code" else T.NotebookCellKind.Markup,
                                  document=cell_uri(nb_uri, i)) for i, (k, _t) in enumerate(cells)]),
        cell_text_documents=[T.TextDocumentItem(uri=cell_uri(nb_uri, i), language_id="python" if k == "code"
                                                else "markdown", version=1, text=t)
                             for i, (k, t) in enumerate(cells)]))
    return nb_uri


def pos_in(text, needle, offset=0):
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    col = index - (text.rfind("\n", 0, index) + 1)
    return T.Position(line, len(text[index - col:index].encode("utf-16-le")) // 2)


async def test_notebook_in_the_workspace_is_indexed_before_it_is_opened(start, workspace):
    write_notebook(workspace / "exp.ipynb", CELLS)
    s = await start()
    diags = await s.diagnostics_where("exp.ipynb", lambda d: any(x.code == "duplicate-default" for x in d))
    dup = [d for d in diags if d.code == "duplicate-default"][0]
    assert dup.message.startswith("cell 3, line 3: ")       # a closed notebook: where, in the message
    model = await s.diagnostics_where("model.py", lambda d: any(x.code == "duplicate-default" for x in d))
    related = [r.location.uri for d in model if d.code == "duplicate-default" for r in d.related_information]
    assert s.uri("exp.ipynb") in related
    # "Keep this default" would edit the notebook's JSON on disk: not offered; removing here is
    actions = await s.client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(s.uri("model.py")), range=s.range_of("model.py", "'lr'"),
        context=T.CodeActionContext(diagnostics=[])))
    assert [a.title for a in actions or []] == ["Remove this duplicate default"]
    assert list(actions[0].edit.changes) == [s.uri("model.py")]
    # a rename would have to edit it too: refused, with the reason
    with pytest.raises(Exception, match="not open: open it to rename there too"):
        await s.client.text_document_rename_async(T.RenameParams(
            text_document=T.TextDocumentIdentifier(s.uri("model.py")), position=s.pos("model.py", "'lr'", 1),
            new_name="rate"))


async def test_hover_definition_references_diagnostics_and_fixes_in_cells(start, workspace):
    write_notebook(workspace / "exp.ipynb", CELLS)
    s = await start()
    nb_uri = open_notebook(s, "exp.ipynb", CELLS)
    cell3 = cell_uri(nb_uri, 2)
    text3 = CELLS[2][1]

    # diagnostics of the duplicate default land in the cell, at cell lines
    diags = await s.until(lambda: [d for d in s.client.diagnostics.get(cell3, []) if d.code == "duplicate-default"],
                          what="duplicate-default in the cell")
    assert diags[0].range.start.line == 2
    assert [r.location.uri for r in diags[0].related_information] == [s.uri("model.py")]
    model = await s.diagnostics_where("model.py", lambda ds: any(
        r.location.uri == cell3 for d in ds for r in d.related_information or []), what="related to the cell")
    dup_model = [d for d in model if d.code == "duplicate-default"][0]
    assert [(r.location.uri, r.location.range.start.line) for r in dup_model.related_information] == [(cell3, 2)]

    # hover in the cell: the name's range in cell coordinates
    hover = await s.client.text_document_hover_async(T.HoverParams(
        T.TextDocumentIdentifier(cell3), pos_in(text3, "'lr'", 1)))
    assert hover is not None and "`lr`" in hover.contents.value and "Used 4 times in 3 files" in hover.contents.value
    assert "Default: [exp.ipynb, cell 3:3]({})".format(cell3) in hover.contents.value
    assert hover.range == T.Range(pos_in(text3, "'lr'"), pos_in(text3, "'lr'", 4))
    # nothing on a magic line or in a markdown cell
    assert await s.client.text_document_hover_async(T.HoverParams(
        T.TextDocumentIdentifier(cell_uri(nb_uri, 0)), T.Position(1, 3))) is None

    # definition from the cell: both defaults; references from the module reach the cell
    defs = await s.client.text_document_definition_async(T.DefinitionParams(
        T.TextDocumentIdentifier(cell3), pos_in(text3, "'lr'", 1)))
    assert sorted((d.uri, d.range.start.line) for d in defs) == sorted(
        [(cell3, 2), (s.uri("model.py"), s.pos("model.py", "'lr'").line)])
    refs = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(s.uri("model.py")), position=s.pos("model.py", "'lr'", 1),
        context=T.ReferenceContext(include_declaration=True)))
    assert (cell3, 2, pos_in(text3, "'lr'").character) in {
        (r.uri, r.range.start.line, r.range.start.character) for r in refs}
    highlights = await s.client.text_document_document_highlight_async(T.DocumentHighlightParams(
        T.TextDocumentIdentifier(cell3), pos_in(text3, "'lr'", 1)))
    assert [h.range for h in highlights] == [T.Range(pos_in(text3, "'lr'"), pos_in(text3, "'lr'", 4))]

    # quick fix in the cell: the edit is on the cell, at cell lines
    actions = await s.client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(cell3),
        range=T.Range(pos_in(text3, "'lr'", 1), pos_in(text3, "'lr'", 1)),
        context=T.CodeActionContext(diagnostics=diags)))
    remove = [a for a in actions if a.title == "Remove this duplicate default"][0]
    assert list(remove.edit.changes) == [cell3]
    (edit,) = remove.edit.changes[cell3]
    assert edit.range.start.line == 2
    lines = text3.split("\n")
    line = lines[2]
    fixed_line = line[:edit.range.start.character] + edit.new_text + line[edit.range.end.character:]
    assert fixed_line == "lr = _('lr')"

    # editing the cell (as the fix would) clears the duplicate everywhere
    new_text = "\n".join(lines[:2] + [fixed_line] + lines[3:])
    s.client.notebook_document_did_change(T.DidChangeNotebookDocumentParams(
        notebook_document=T.VersionedNotebookDocumentIdentifier(version=2, uri=nb_uri),
        change=T.NotebookDocumentChangeEvent(cells=T.NotebookDocumentCellChanges(text_content=[
            T.NotebookDocumentCellContentChanges(
                document=T.VersionedTextDocumentIdentifier(uri=cell3, version=2),
                changes=[T.TextDocumentContentChangeWholeDocument(text=new_text)])]))))
    await s.diagnostics_where("model.py", lambda d: not any(x.code == "duplicate-default" for x in d),
                              what="without the duplicate")
    await s.until(lambda: not [d for d in s.client.diagnostics.get(cell3, []) if d.code == "duplicate-default"],
                  what="the cell's duplicate cleared")

    # a new cell that adds a duplicate default of `bs` in the cell before
    s.client.notebook_document_did_change(T.DidChangeNotebookDocumentParams(
        notebook_document=T.VersionedNotebookDocumentIdentifier(version=3, uri=nb_uri),
        change=T.NotebookDocumentChangeEvent(cells=T.NotebookDocumentCellChanges(
            structure=T.NotebookDocumentCellChangeStructure(
                array=T.NotebookCellArrayChange(start=2, delete_count=0, cells=[
                    T.NotebookCell(kind=T.NotebookCellKind.Code, document=cell_uri(nb_uri, 9))]),
                did_open=[T.TextDocumentItem(uri=cell_uri(nb_uri, 9), language_id="python", version=1,
                                             text="bs = _('bs', 64)")])))))
    new_cell = await s.until(lambda: [d for d in s.client.diagnostics.get(cell_uri(nb_uri, 9), [])
                                      if d.code == "duplicate-default"], what="duplicate in the new cell")
    assert new_cell[0].range.start.line == 0
    assert [r.location.uri for r in new_cell[0].related_information] == [cell3]

    # closing the notebook clears the cells' diagnostics and goes back to the file on disk
    s.client.notebook_document_did_close(T.DidCloseNotebookDocumentParams(
        notebook_document=T.NotebookDocumentIdentifier(uri=nb_uri),
        cell_text_documents=[T.TextDocumentIdentifier(cell_uri(nb_uri, i)) for i in (0, 1, 9, 2)]))
    await s.until(lambda: s.client.diagnostics.get(cell_uri(nb_uri, 9)) is not None
                  and not list(s.client.diagnostics[cell_uri(nb_uri, 9)]), what="cleared cell diagnostics")
    await s.diagnostics_where("model.py", lambda d: any(x.code == "duplicate-default" for x in d),
                              what="the disk's duplicate again")


async def test_server_advertises_notebook_sync(start):
    s = await start(notebooks=True)
    sync = s.init_result.capabilities.notebook_document_sync
    assert [(f.notebook, [c.language for c in f.cells]) for f in sync.notebook_selector] == [
        ("jupyter-notebook", ["python"])]
    # only to clients that support notebooks; the handlers are there for all
    other = await start()
    assert other.init_result.capabilities.notebook_document_sync is None


USES = [
    ("code", "from hpman.m import _"),
    ("markdown", "Uses only: the defaults are in model.py"),
    ("code", "import os\nrate = _('lr')\ndepth = _('model.depth')\nbatch = _('batch', 32)"),
]


async def test_completion_rename_code_lens_and_inlay_hints_in_cells(start, workspace):
    write_notebook(workspace / "uses.ipynb", USES)
    s = await start()
    nb_uri = open_notebook(s, "uses.ipynb", USES)
    cell = cell_uri(nb_uri, 2)
    text = USES[2][1]
    await s.settle()

    completion = await s.client.text_document_completion_async(T.CompletionParams(
        text_document=T.TextDocumentIdentifier(cell), position=pos_in(text, "'lr'", 2)))
    lr = [i for i in completion.items if i.label == "lr"][0]
    assert lr.text_edit.range == T.Range(pos_in(text, "'lr'", 1), pos_in(text, "'lr'", 2))

    lenses = await s.client.text_document_code_lens_async(T.CodeLensParams(T.TextDocumentIdentifier(cell)))
    assert sorted((l.range.start.line, l.command.title.split(":")[0]) for l in lenses) == [(1, "lr"), (2, "model.depth")]

    hints = await s.client.text_document_inlay_hint_async(T.InlayHintParams(
        text_document=T.TextDocumentIdentifier(cell), range=T.Range(T.Position(0, 0), T.Position(4, 0))))
    assert sorted((h.position.line, h.position.character) for h in hints) == [
        (1, len("rate = _('lr')")), (2, len("depth = _('model.depth')"))]

    placeholder = await s.client.text_document_prepare_rename_async(T.PrepareRenameParams(
        text_document=T.TextDocumentIdentifier(cell), position=pos_in(text, "'lr'", 1)))
    assert placeholder.range == T.Range(pos_in(text, "'lr'"), pos_in(text, "'lr'", 4))
    edit = await s.client.text_document_rename_async(T.RenameParams(
        text_document=T.TextDocumentIdentifier(cell), position=pos_in(text, "'lr'", 1), new_name="learning_rate"))
    assert cell in edit.changes and s.uri("model.py") in edit.changes
    assert [(e.range.start.line, e.new_text) for e in edit.changes[cell]] == [(1, "'learning_rate'")]
    assert not any(u.endswith("uses.ipynb") for u in edit.changes)

    symbols = await s.client.workspace_symbol_async(T.WorkspaceSymbolParams(query="batch"))
    assert (cell, 3) in {(sym.location.uri, sym.location.range.start.line) for sym in symbols}


async def test_tree_locations_point_into_open_cells(start, workspace):
    write_notebook(workspace / "uses.ipynb", USES)
    s = await start()
    nb_uri = open_notebook(s, "uses.ipynb", USES)
    await s.settle()
    tree = await s.client.protocol.send_request_async("hpman/tree", {})
    (manager,) = [m for m in tree.managers if m.name == "_"]
    (batch,) = [n for n in manager.nodes if n.name == "batch"]
    assert batch.default.uri == cell_uri(nb_uri, 2)
    assert (batch.default.range.start.line, batch.default.range.start.character) == (3, len("batch = _("))


async def _reindex_from_disk(s):
    """Change a setting, so that the server indexes the workspace again from disk, and wait
    for that second index to end."""
    s.client.set_configuration({"exclude": ["nothing/**"]}, section="hpman")
    s.client.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings={}))
    await s.until(lambda: sum(isinstance(r, T.WorkDoneProgressEnd)
                              for reports in s.client.progress_reports.values() for r in reports) >= 2,
                  what="the second index")
    await s.settle()


async def test_notebook_opened_before_the_first_index_and_kept_across_a_reindex(start, workspace):
    write_notebook(workspace / "uses.ipynb", USES)
    s = await start(wait=False)
    edited = [USES[0], USES[1], ("code", USES[2][1] + "\nlr2 = _('lr', 0.5)")]   # unsaved: a duplicate default
    nb_uri = open_notebook(s, "uses.ipynb", edited)
    cell = cell_uri(nb_uri, 2)

    def duplicate_in_cell():
        return [d for d in s.client.diagnostics.get(cell, []) if d.code == "duplicate-default"]
    found = await s.until(duplicate_in_cell, what="the duplicate from the unsaved cell")
    assert found[0].range.start.line == 4
    # a settings change re-indexes from disk; the open notebook's cells still count
    await _reindex_from_disk(s)
    model = await s.diagnostics_where("model.py", lambda d: any(
        r.location.uri == cell for x in d for r in x.related_information or []), what="related to the unsaved cell")
    assert model and duplicate_in_cell()


async def test_a_notebook_with_a_cell_that_cannot_be_read_is_left_as_on_disk(start, workspace):
    write_notebook(workspace / "uses.ipynb", USES)
    s = await start()
    nb_uri = s.uri("uses.ipynb")
    unsent = (workspace / "gone" / "cell.py").as_uri()   # a cell whose text the client did not send, on no disk
    s.client.notebook_document_did_open(T.DidOpenNotebookDocumentParams(
        notebook_document=T.NotebookDocument(uri=nb_uri, notebook_type="jupyter-notebook", version=1, cells=[
            T.NotebookCell(kind=T.NotebookCellKind.Code, document=cell_uri(nb_uri, 0)),
            T.NotebookCell(kind=T.NotebookCellKind.Code, document=unsent)]),
        cell_text_documents=[T.TextDocumentItem(uri=cell_uri(nb_uri, 0), language_id="python", version=1,
                                                text="from hpman.m import _\nother = _('other', 1)")]))
    await s.settle()
    # a re-index (settings changed) still completes, and the notebook counts as on disk
    await _reindex_from_disk(s)
    symbols = await s.client.workspace_symbol_async(T.WorkspaceSymbolParams(query="batch"))
    assert nb_uri in [sym.location.uri for sym in symbols]
    assert not await s.client.workspace_symbol_async(T.WorkspaceSymbolParams(query="other"))
