"""Completion, rename, workspace symbols, code lens and inlay hints."""
import pytest
from lsp_helpers import apply_workspace_edit
from lsprotocol import types as T
from pygls.exceptions import JsonRpcException


def doc(s, name):
    return T.TextDocumentIdentifier(s.uri(name))


async def complete(s, name, position):
    result = await s.client.text_document_completion_async(T.CompletionParams(doc(s, name), position))
    if result is None:
        return []
    return result.items if isinstance(result, T.CompletionList) else result


async def test_completion_of_names_inside_the_string_with_value_and_type(start):
    s = await start()
    text = s.text("train.py") + "说明 = '🚀'; w = _('mo"
    s.open("train.py", text)
    end = s.pos("train.py", "_('mo", 5, text=text)
    items = await complete(s, "train.py", end)
    by_label = {i.label: i for i in items}
    assert set(by_label) == {"model.depth", "model.width"}
    assert by_label["model.depth"].detail == "4 (int)"
    assert by_label["model.width"].detail == "256 (int)"
    edit = by_label["model.depth"].text_edit
    assert edit.new_text == "model.depth"
    assert edit.range == T.Range(s.pos("train.py", "_('mo", 3, text=text), end)


async def test_completion_lists_every_name_of_that_manager_only(start):
    s = await start()
    text = s.text("other.py") + "z = hp('"
    s.open("other.py", text)
    items = await complete(s, "other.py", s.pos("other.py", "hp('", 4, text=text, occurrence=2))
    assert sorted(i.label for i in items) == ["lr", "seed"]
    text = s.text("train.py") + "v = _(\"dr"
    s.open("train.py", text)
    items = await complete(s, "train.py", s.pos("train.py", '_("dr', 5, text=text))
    assert [(i.label, i.detail) for i in items] == [("dropout", "0.1 (float)")]


async def test_no_completion_outside_a_name_or_for_gettext(start):
    s = await start()
    assert not await complete(s, "i18n.py", s.pos("i18n.py", "'lr'", 2))
    assert not await complete(s, "model.py", s.pos("model.py", "# 模型", 3))
    assert not await complete(s, "model.py", s.pos("model.py", "0.1", 1))


async def test_prepare_rename_accepts_hyperparameters_and_refuses_the_rest(start):
    s = await start()
    result = await s.client.text_document_prepare_rename_async(T.PrepareRenameParams(
        doc(s, "train.py"), s.pos("train.py", "'lr'", 1)))
    assert result.range == s.range_of("train.py", "'lr'") and result.placeholder == "lr"
    for name, needle in [("model.py", "# 模型"), ("i18n.py", "'lr'"), ("model.py", "def build")]:
        refused = await s.client.text_document_prepare_rename_async(T.PrepareRenameParams(
            doc(s, name), s.pos(name, needle, 1)))
        assert refused is None


async def test_rename_across_the_workspace_and_the_values_file(start):
    s = await start(settings={"valuesFile": "values.yaml"})
    before = {n: s.text(n) for n in ("model.py", "train.py", "values.yaml", "other.py")}
    edit = await s.client.text_document_rename_async(T.RenameParams(
        doc(s, "train.py"), s.pos("train.py", "'lr'", 1), "learning_rate"))
    changed = apply_workspace_edit(s, edit)
    assert changed == {
        "model.py": before["model.py"].replace("_('lr'", "_('learning_rate'"),
        "train.py": before["train.py"].replace("_('lr')", "_('learning_rate')"),
        "values.yaml": before["values.yaml"].replace("lr: 0.05", "learning_rate: 0.05"),
    }
    assert s.text("other.py") == before["other.py"]          # hp('lr') belongs to another manager
    for name, text in changed.items():
        s.open(name, text)
    refs = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=doc(s, "model.py"), position=s.pos("model.py", "'learning_rate'", 1),
        context=T.ReferenceContext(include_declaration=True)))
    assert len(refs) == 3
    hover = await s.hover("train.py", s.pos("train.py", "'learning_rate'", 1))
    assert "`0.05` (float)" in hover.contents.value


async def test_rename_refuses_invalid_or_existing_names(start):
    s = await start()
    for bad in ["", "a\nb", "model.depth", "x..y"]:
        with pytest.raises(JsonRpcException):
            await s.client.text_document_rename_async(T.RenameParams(
                doc(s, "train.py"), s.pos("train.py", "'lr'", 1), bad))
    with pytest.raises(JsonRpcException):
        await s.client.text_document_rename_async(T.RenameParams(
            doc(s, "model.py"), s.pos("model.py", "# 模型"), "anything"))


async def test_workspace_symbols(start):
    s = await start()
    result = await s.client.workspace_symbol_async(T.WorkspaceSymbolParams(query="model"))
    got = sorted((x.name, x.location.uri, x.location.range.start.line) for x in result)
    assert got == [("model.depth", s.uri("model.py"), 5), ("model.width", s.uri("model.py"), 6)]
    depth = [x for x in result if x.name == "model.depth"][0]
    assert depth.location.range == s.range_of("model.py", "'model.depth'")
    everything = await s.client.workspace_symbol_async(T.WorkspaceSymbolParams(query=""))
    names = {(x.container_name.split(" ")[0], x.name) for x in everything}
    assert ("hp", "lr") in names and ("_", "lr") in names and ("_", "warmup_steps") in names
    assert ("_", "hello.world") not in names                  # gettext's calls are not symbols


async def test_code_lens_names_the_hyperparameter_and_only_counts_that_tell_something(start):
    s = await start()
    lenses = await s.client.text_document_code_lens_async(T.CodeLensParams(doc(s, "model.py")))
    got = [(l.range.start.line, l.command.title) for l in lenses]
    # `optimizer` is used once: a lens saying "1 use" tells nothing
    assert got == [(4, "lr: 3 uses in 2 files"), (5, "model.depth: 2 uses"), (6, "model.width: 2 uses")]
    assert lenses[0].range == s.range_of("model.py", "'lr'")
    lenses = await s.client.text_document_code_lens_async(T.CodeLensParams(doc(s, "train.py")))
    assert [(l.range.start.line, l.command.title) for l in lenses] == [
        (2, "lr: 3 uses in 2 files"), (3, "batch_size: 2 uses in 2 files")]


async def test_a_lens_carries_the_command_that_shows_the_uses(start):
    s = await start()
    (lens, *_rest) = await s.client.text_document_code_lens_async(T.CodeLensParams(doc(s, "model.py")))
    assert lens.command.command == "hpman.showUses"
    assert "hpman.showUses" in s.init_result.capabilities.execute_command_provider.commands
    uri_arg, position, uses = lens.command.arguments
    assert uri_arg == s.uri("model.py") and (position["line"], position["character"]) == (
        lens.range.start.line, lens.range.start.character)
    assert sorted((u["uri"], u["range"]["start"]["line"]) for u in uses) == sorted(
        [(s.uri("model.py"), 4), (s.uri("train.py"), 2), (s.uri("train.py"), 5)])
    # a client that runs lens commands on the server (eglot) gets the uses back
    result = await s.client.workspace_execute_command_async(T.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments))
    assert sorted(u["range"]["start"]["line"] for u in result) == [2, 4, 5]
    with pytest.raises(Exception, match="takes"):
        await s.client.workspace_execute_command_async(T.ExecuteCommandParams(
            command="hpman.showUses", arguments=["x"]))


@pytest.mark.parametrize("encodings", [None, ["utf-8"]])
async def test_inlay_hints_show_the_effective_value_after_calls_without_default(start, encodings):
    s = await start(encodings=encodings)
    whole = T.Range(T.Position(0, 0), T.Position(100, 0))
    hints = await s.client.text_document_inlay_hint_async(T.InlayHintParams(doc(s, "train.py"), whole))
    got = [(h.position, h.label) for h in hints]
    # an arrow, not `=`: `_('lr') = 0.1` would read as Python
    assert got == [(s.pos("train.py", "_('lr')", 7, occurrence=0), "\u21d2 0.1"),
                   (s.pos("train.py", "_('lr')", 7, occurrence=1), "\u21d2 0.1")]
    only_last = T.Range(T.Position(5, 0), T.Position(5, 30))
    hints = await s.client.text_document_inlay_hint_async(T.InlayHintParams(doc(s, "train.py"), only_last))
    assert [h.position.line for h in hints] == [5]
    none = await s.client.text_document_inlay_hint_async(T.InlayHintParams(doc(s, "problems.py"), whole))
    assert not none                                            # `epochz` has no value anywhere


async def test_inlay_hints_follow_the_values_file(start):
    s = await start(settings={"valuesFile": "values.yaml"})
    whole = T.Range(T.Position(0, 0), T.Position(100, 0))
    hints = await s.client.text_document_inlay_hint_async(T.InlayHintParams(doc(s, "model.py"), whole))
    assert [h.label for h in hints] == ["\u21d2 8", "\u21d2 256"]
