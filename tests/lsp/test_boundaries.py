"""What the server lets in: links out of the workspace, virtual environments seen through
watched-file events, documents over the size cap; and editors that cannot watch files,
ask for whole lines, save, or type a name letter by letter."""
import asyncio
import os

from lsprotocol import types as T

OUTSIDE_MODULE = "from hpman.m import _\nleak = _('outside.secret', 1)\n"


def tree_names(tree) -> set:
    out = set()

    def walk(nodes):
        for node in nodes:
            out.add(node["name"])
            walk(node["children"])
    for manager in tree["managers"]:
        walk(manager["nodes"])
    return out


async def get_tree(s):
    result = await asyncio.wait_for(s.client.protocol.send_request_async("hpman/tree", {}), 20)
    return _plain(result)


def _plain(obj):
    if hasattr(obj, "_asdict"):
        return {k: _plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(o) for o in obj]
    return obj


async def test_links_out_of_the_workspace_are_not_followed(start, workspace, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "leak.py").write_text(OUTSIDE_MODULE, encoding="utf-8")
    os.symlink("/", workspace / "root_link")
    os.symlink(outside, workspace / "sibling_link")
    os.symlink(outside / "leak.py", workspace / "leak_link.py")
    s = await start()
    names = tree_names(await get_tree(s))
    assert "lr" in names and "outside.secret" not in names
    published = {p.uri for p in s.published}
    inside = [u[len(s.uri("")):] for u in published if u.startswith(s.uri(""))]
    assert len(inside) == len(published) and not any("_link" in u for u in inside), published


async def test_a_watched_file_in_a_virtual_environment_is_not_indexed(start, workspace):
    venv = workspace / ".venv"
    (venv / "lib").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    s = await start()
    for rel in (".venv/lib/mod.py", "build/gen.py", "node_modules/x.py"):
        path = workspace / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(OUTSIDE_MODULE, encoding="utf-8")
        s.disk_changed(rel, T.FileChangeType.Created)
    (workspace / "fresh.py").write_text("from hpman.m import _\nf = _('fresh.one', 2)\n", encoding="utf-8")
    s.disk_changed("fresh.py", T.FileChangeType.Created)      # a file of ours, for comparison
    await s.settle()
    names = tree_names(await get_tree(s))
    assert "fresh.one" in names and "outside.secret" not in names


async def test_an_open_document_over_the_size_cap_is_not_indexed_and_says_so(start):
    s = await start()
    big = "from hpman.m import _\nx = _('big.one', 1)\n" + "# " + "x" * (11 * 1024 * 1024) + "\n"
    s.open("big.py", big)
    diags = await s.diagnostics_where("big.py", lambda d: len(d) == 1, "size cap")
    assert "larger than 10 MB" in diags[0].message and diags[0].range.start == T.Position(0, 0)
    assert "big.one" not in tree_names(await get_tree(s))
    hover = await s.hover("big.py", T.Position(1, 8))
    assert hover is None


async def test_code_actions_for_whole_lines_consider_every_call_in_them(start):
    s = await start()
    line = s.pos("train.py", "rate = _('lr')").line
    actions = await s.client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(s.uri("train.py")),
        range=T.Range(T.Position(line, 0), T.Position(line + 1, 0)),      # as Emacs asks
        context=T.CodeActionContext(diagnostics=[])))
    assert [a.title for a in actions] == ["Move the default of `lr` here"]
    assert actions[0].kind == T.CodeActionKind.RefactorRewrite
    quick = await s.client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(s.uri("train.py")),
        range=T.Range(T.Position(line, 0), T.Position(line + 1, 0)),
        context=T.CodeActionContext(diagnostics=[], only=[T.CodeActionKind.QuickFix])))
    assert not quick                                    # nothing is wrong there


async def _type_a_new_name(s, after):
    """Open model.py, add a line `b = _('')` (then `after`) at its end and type `bat` into the
    quotes one letter at a time, as a user does; the line's number."""
    text = s.text("model.py")
    s.open("model.py", text)
    end = len(text.split("\n")) - 1
    s.replace("model.py", T.Range(T.Position(end, 0), T.Position(end, 0)), "b = _('')" + after)
    col = len("b = _('")
    for i, ch in enumerate("bat"):
        s.replace("model.py", T.Range(T.Position(end, col + i), T.Position(end, col + i)), ch)
    await s.settle()
    return end


async def test_a_name_being_typed_is_not_a_new_hyperparameter_until_the_cursor_leaves(start):
    s = await start()
    await _type_a_new_name(s, "\n")
    diags = await s.diagnostics_where("model.py", lambda d: True)
    assert not [d for d in diags if d.code == "no-default"]
    assert "bat" not in tree_names(await get_tree(s))
    # an edit elsewhere: the cursor left the name, which is now a name without a default
    s.replace("model.py", T.Range(T.Position(0, 0), T.Position(0, 0)), "# \n")
    diags = await s.diagnostics_where("model.py", lambda d: any(x.code == "no-default" for x in d), "no-default")
    assert any("`bat`" in d.message for d in diags)
    assert "bat" in tree_names(await get_tree(s))


async def test_a_name_finished_by_an_edit_after_it_tells_the_client_the_tree_changed(start):
    """An Enter after `_('bat')` changes no call, yet the name is no longer being typed: the
    client must be told to ask for the tree again, or its sidebar would miss the row."""
    s = await start()
    end = await _type_a_new_name(s, "")
    assert "bat" not in tree_names(await get_tree(s))
    count = s.tree_changed
    line_end = len("b = _('bat')")
    s.replace("model.py", T.Range(T.Position(end, line_end), T.Position(end, line_end)), "\n")   # Enter
    await s.until(lambda: s.tree_changed > count, what="treeChanged once the name is finished")
    assert "bat" in tree_names(await get_tree(s))


async def test_saving_ends_the_typing_of_a_name(start):
    s = await start()
    assert s.init_result.capabilities.text_document_sync.save is not None
    text = s.text("model.py")
    s.open("model.py", text)
    end = len(text.split("\n")) - 1
    s.replace("model.py", T.Range(T.Position(end, 0), T.Position(end, 0)), "c = _('')\n")
    s.replace("model.py", T.Range(T.Position(end, 7), T.Position(end, 7)), "typo_name")   # typed (or pasted) there
    await s.settle()
    assert "typo_name" not in tree_names(await get_tree(s))
    s.client.text_document_did_save(T.DidSaveTextDocumentParams(T.TextDocumentIdentifier(s.uri("model.py"))))
    await s.diagnostics_where("model.py", lambda d: any("`typo_name`" in x.message for x in d), "after save")


async def test_a_client_that_cannot_watch_files_is_watched_for(start, workspace):
    s = await start(watch=False)
    assert not s.registrations                          # nothing asked of the client
    (workspace / "late.py").write_text("from hpman.m import _\nlate = _('late.one')\n", encoding="utf-8")
    diags = await s.diagnostics_where("late.py", lambda d: any(x.code == "no-default" for x in d), "seen on disk")
    assert "`late.one`" in diags[0].message
    (workspace / "late.py").unlink()
    await s.diagnostics_where("late.py", lambda d: len(d) == 0, "cleared after the delete")


async def test_the_hover_names_the_manager_only_when_there_are_several(start, tmp_path):
    root = tmp_path / "one"
    root.mkdir()
    (root / "a.py").write_text("from hpman.m import _\nx = _('lr', 0.1)\n", encoding="utf-8")
    s = await start(root=root)
    hover = await s.hover("a.py", T.Position(1, 8))
    assert hover.contents.value.startswith("**`lr`** — hyperparameter\n")
    assert "of `_`" not in hover.contents.value


async def test_whole_module_syntax_is_verified_after_the_first_index_and_after_edits(start, workspace):
    (workspace / "late_error.py").write_text(
        "from hpman.m import _\nx = _('v.a', 1)\n\nwhile True print(1)\n", encoding="utf-8")
    s = await start()
    diags = await s.diagnostics_where("late_error.py", lambda d: any(x.code == "syntax-error" for x in d),
                                      "syntax verification")
    assert diags[0].severity == T.DiagnosticSeverity.Error
    hover = await s.hover("late_error.py", T.Position(1, 8))      # queries were never held back
    assert "`v.a`" in hover.contents.value
    text = s.text("late_error.py")
    s.open("late_error.py", text)
    last = text.split("\n").index("while True print(1)")
    s.replace("late_error.py", T.Range(T.Position(last, 0), T.Position(last, len("while True print(1)"))), "y = 1")
    await s.diagnostics_where("late_error.py", lambda d: len(d) == 0, "fixed")
    s.replace("late_error.py", T.Range(T.Position(last, 0), T.Position(last, 5)), "def (:")
    await s.diagnostics_where("late_error.py", lambda d: any(x.code == "syntax-error" for x in d), "broken again")


async def test_an_edit_in_another_document_ends_the_typing_of_a_name(start):
    s = await start()
    text = s.text("model.py")
    s.open("model.py", text)
    s.open("train.py")
    end = len(text.split("\n")) - 1
    s.replace("model.py", T.Range(T.Position(end, 0), T.Position(end, 0)), "c = _('')\n")
    s.replace("model.py", T.Range(T.Position(end, 7), T.Position(end, 7)), "half_typed")
    await s.settle()
    assert "half_typed" not in tree_names(await get_tree(s))
    s.replace("train.py", T.Range(T.Position(0, 0), T.Position(0, 0)), "# \n")
    await s.diagnostics_where("model.py", lambda d: any("`half_typed`" in x.message for x in d), "after the edit")
    assert "half_typed" in tree_names(await get_tree(s))


async def test_the_own_watcher_stops_with_the_server(start):
    s = await start(watch=False)
    await s.until(lambda: any("watching" in m.message for m in s.client.log_messages), what="the watcher's start")
    await asyncio.wait_for(s.client.shutdown_session(), 20)     # shutdown, then exit
    code = await asyncio.wait_for(s.client._server.wait(), 20)
    assert code == 0
