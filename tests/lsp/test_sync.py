"""Open documents follow their unsaved text (incremental sync); files on disk are watched."""
from lsprotocol import types as T


def codes_of(diags):
    return sorted(str(d.code) for d in diags or [])


async def test_unsaved_text_replaces_the_file_and_clears_fixed_problems(start):
    s = await start()
    await s.until(lambda: s.diagnostics("dup_a.py"), what="initial diagnostics")
    before = s.tree_changed
    s.open("dup_b.py", s.text("dup_b.py").replace("_('dropout', 0.2)", "_('dropout')"))
    await s.diagnostics_where("dup_a.py", lambda d: len(d) == 0, "cleared")
    await s.diagnostics_where("dup_b.py", lambda d: len(d) == 0, "cleared")
    await s.until(lambda: s.tree_changed > before, what="hpman/treeChanged")
    hover = await s.hover("dup_b.py", s.pos("dup_b.py", "'dropout'", 1))
    assert "`0.1` (float)" in hover.contents.value


async def test_incremental_edits_update_diagnostics_in_every_affected_file(start):
    s = await start()
    s.open("train.py")
    text = s.text("train.py")
    call = s.range_of("train.py", "_('lr')")
    # type a default into `_('lr')` on the line with Chinese text: now `lr` has two defaults
    at = s.pos("train.py", "'lr')", 4)
    s.replace("train.py", T.Range(at, at), ", 0.2")
    train = await s.diagnostics_where("train.py", lambda d: "duplicate-default" in codes_of(d), "duplicate")
    await s.diagnostics_where("model.py", lambda d: "duplicate-default" in codes_of(d), "duplicate")
    (dup,) = [d for d in train if d.code == "duplicate-default"]
    edited = text.replace("_('lr')", "_('lr', 0.2)", 1)
    assert dup.range == s.range_of("train.py", "0.2", text=edited)
    assert dup.severity == T.DiagnosticSeverity.Error
    (related,) = dup.related_information
    assert related.location.uri == s.uri("model.py")
    call_in_model = s.range_of("model.py", "_('lr', 0.1, help='learning rate')")
    r = related.location.range
    assert call_in_model.start.line == r.start.line == r.end.line
    assert call_in_model.start.character <= r.start.character < r.end.character <= call_in_model.end.character
    assert s.published[-1].version == s.open_versions[s.uri("train.py")] or any(
        p.uri == s.uri("train.py") and p.version == 2 for p in s.published)
    # undo it: both files are clean again
    s.replace("train.py", T.Range(at, s.pos("train.py", "'lr', 0.2)", 9, text=edited)), "")
    await s.diagnostics_where("train.py", lambda d: len(d) == 0, "cleared")
    await s.diagnostics_where("model.py", lambda d: len(d) == 0, "cleared")
    assert call == s.range_of("train.py", "_('lr')")


async def test_several_changes_in_one_notification(start):
    s = await start()
    s.open("defines.py")
    text = s.text("defines.py")
    first = s.range_of("defines.py", "500")
    s.change("defines.py", [
        T.TextDocumentContentChangePartial(range=first, text="600"),
        T.TextDocumentContentChangePartial(range=T.Range(T.Position(2, 0), T.Position(2, 0)), text="# 注释\n"),
    ])
    await s.settle()
    new_text = text.replace("500", "600").replace("print(", "# 注释\nprint(", 1)
    hover = await s.hover("defines.py", s.pos("defines.py", "'warmup_steps'", 1, text=new_text))
    assert "`600` (int)" in hover.contents.value
    assert hover.range == s.range_of("defines.py", "'warmup_steps'", text=new_text)


async def test_whole_document_changes_and_crlf_text(start):
    s = await start()
    s.open("defines.py")
    crlf = "from hpman.m import _\r\n# 中文\r\nsteps = _('warmup_steps', 700)\r\n"
    s.replace_all("defines.py", crlf)
    lf = crlf.replace("\r\n", "\n")
    hover = await s.hover("defines.py", s.pos("defines.py", "'warmup_steps'", 2, text=lf))
    assert "`700` (int)" in hover.contents.value
    assert hover.range == s.range_of("defines.py", "'warmup_steps'", text=lf)


async def test_closing_a_document_goes_back_to_the_disk(start):
    s = await start()
    s.open("uses.py", s.text("uses.py").replace("_('warmup_steps')", "_('warmup_steps', 1)"))
    await s.diagnostics_where("uses.py", lambda d: "duplicate-default" in codes_of(d), "duplicate")
    s.close("uses.py")
    await s.diagnostics_where("uses.py", lambda d: len(d) == 0, "cleared after close")
    await s.diagnostics_where("defines.py", lambda d: len(d) == 0, "cleared after close")


async def test_files_created_changed_and_deleted_on_disk(start, workspace):
    s = await start()
    await s.until(lambda: s.registrations, what="watcher registration")
    before = s.tree_changed
    (workspace / "new_mod.py").write_text("from hpman.m import _\n\nx = _('lr', 0.3)\n", encoding="utf-8")
    s.disk_changed("new_mod.py", T.FileChangeType.Created)
    await s.diagnostics_where("new_mod.py", lambda d: codes_of(d) == ["duplicate-default"], "duplicate")
    await s.diagnostics_where("model.py", lambda d: codes_of(d) == ["duplicate-default"], "duplicate")
    await s.until(lambda: s.tree_changed > before, what="hpman/treeChanged")

    (workspace / "new_mod.py").write_text("from hpman.m import _\n\nx = _('lr')\n", encoding="utf-8")
    s.disk_changed("new_mod.py", T.FileChangeType.Changed)
    await s.diagnostics_where("model.py", lambda d: len(d) == 0, "cleared")
    refs = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(s.uri("model.py")), position=s.pos("model.py", "'lr'", 1),
        context=T.ReferenceContext(include_declaration=True)))
    assert s.uri("new_mod.py") in {r.uri for r in refs}

    (workspace / "new_mod.py").unlink()
    s.disk_changed("new_mod.py", T.FileChangeType.Deleted)
    await s.settle()
    refs = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(s.uri("model.py")), position=s.pos("model.py", "'lr'", 1),
        context=T.ReferenceContext(include_declaration=True)))
    assert s.uri("new_mod.py") not in {r.uri for r in refs}


async def test_deleting_a_file_with_problems_clears_them(start, workspace):
    s = await start()
    await s.diagnostics_where("dup_b.py", lambda d: len(d) == 1, "duplicate")
    (workspace / "dup_b.py").unlink()
    s.disk_changed("dup_b.py", T.FileChangeType.Deleted)
    await s.diagnostics_where("dup_b.py", lambda d: len(d) == 0, "cleared")
    await s.diagnostics_where("dup_a.py", lambda d: len(d) == 0, "cleared")


async def test_values_file_edited_on_disk_and_in_the_editor(start, workspace):
    s = await start(settings={"valuesFile": "values.yaml"})
    assert "`0.05`" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value
    (workspace / "values.yaml").write_text("lr: 0.5\n", encoding="utf-8")
    s.disk_changed("values.yaml", T.FileChangeType.Changed)
    await s.diagnostics_where("values.yaml", lambda d: len(d) == 0, "unknown keys gone")
    assert "`0.5` (float)" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value
    # unsaved text of the values file wins while it is open
    s.open("values.yaml", "lr: 0.7\nbogus_key: 1\n")
    await s.diagnostics_where("values.yaml", lambda d: codes_of(d) == ["unknown-key"], "unknown key")
    assert "`0.7` (float)" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value


async def test_documents_outside_the_workspace_or_in_a_venv_stay_out_of_the_index(start, tmp_path, workspace):
    from lsp_helpers import uri
    venv = workspace / ".venv"
    (venv / "lib" / "site-packages" / "lib_mod").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    outside = tmp_path / "elsewhere" / "script.py"
    outside.parent.mkdir()
    text = "from hpman.m import _\nv = _('lr', 5)\n"     # a second default of `lr` if it counted
    library = venv / "lib" / "site-packages" / "lib_mod" / "core.py"
    for path in (outside, library):
        path.write_text(text, encoding="utf-8")
    s = await start()
    for path in (outside, library):
        s.client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(
            uri=uri(path), language_id="python", version=1, text=text)))
        hover = await s.client.text_document_hover_async(T.HoverParams(
            T.TextDocumentIdentifier(uri(path)), T.Position(1, 8)))
        assert hover is None
    await s.settle()
    assert not s.diagnostics("model.py")                     # no duplicate default of `lr`


async def test_without_workspace_folders_every_open_python_document_counts(start, tmp_path):
    from lsp_helpers import uri
    lone = tmp_path / "lone" / "script.py"
    lone.parent.mkdir()
    text = "from hpman.m import _\nv = _('lr', 5)\nw = _('lr')\n"
    lone.write_text(text, encoding="utf-8")
    s = await start(no_folders=True)
    s.client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(
        uri=uri(lone), language_id="python", version=1, text=text)))
    hover = await s.client.text_document_hover_async(T.HoverParams(
        T.TextDocumentIdentifier(uri(lone)), T.Position(2, 8)))
    assert "`5` (int)" in hover.contents.value
