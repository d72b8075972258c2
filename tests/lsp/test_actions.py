"""Quick fixes: the tests apply the returned edits to the files, re-open them, and check that
exactly one default remains and nothing else changed."""
import ast

import pytest
from lsp_helpers import apply_workspace_edit
from lsprotocol import types as T


async def actions_at(s, name, position, diagnostics=()):
    return await s.client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(s.uri(name)), range=T.Range(position, position),
        context=T.CodeActionContext(diagnostics=list(diagnostics))))


async def apply_and_reopen(s, action, kind=T.CodeActionKind.QuickFix):
    assert action.kind == kind
    changed = apply_workspace_edit(s, action.edit)
    for name, text in changed.items():
        if name.endswith(".py"):
            ast.parse(text)                       # every edited module still parses
        s.open(name, text)
    await s.settle()
    return changed


async def defaults_of(s, name, position):
    result = await s.client.text_document_definition_async(T.DefinitionParams(
        T.TextDocumentIdentifier(s.uri(name)), position))
    return result or []


@pytest.mark.parametrize("encodings", [None, ["utf-8"]])
async def test_move_the_only_default_here(start, encodings):
    s = await start(encodings=encodings)
    model, train = s.text("model.py"), s.text("train.py")
    actions = await actions_at(s, "train.py", s.pos("train.py", "'lr'", 2))
    titles = [a.title for a in actions]
    assert titles == ["Move the default of `lr` here"]
    # nothing is wrong with a use without a default: moving it there is a refactoring
    changed = await apply_and_reopen(s, actions[0], T.CodeActionKind.RefactorRewrite)
    assert set(changed) == {"model.py", "train.py"}        # one workspace edit over both files
    assert changed["model.py"] == model.replace("_('lr', 0.1, help='learning rate')", "_('lr', help='learning rate')")
    assert changed["train.py"] == train.replace("rate = _('lr')", "rate = _('lr', 0.1)")
    (default,) = await defaults_of(s, "train.py", s.pos("train.py", "'lr'", 1, occurrence=1))
    assert default.uri == s.uri("train.py") and default.range == s.range_of("train.py", "'lr'")
    hover = await s.hover("model.py", s.pos("model.py", "'lr'", 1))
    assert "`0.1` (float)" in hover.contents.value and "help='learning rate'" in hover.contents.value


async def test_one_move_action_per_default_when_there_are_several(start, workspace):
    (workspace / "drop_use.py").write_text("from hpman.m import _\n\nd = _('dropout')\n", encoding="utf-8")
    s = await start()
    before = {n: s.text(n) for n in ("dup_a.py", "dup_b.py", "drop_use.py")}
    actions = await actions_at(s, "drop_use.py", s.pos("drop_use.py", "_('dropout')"))
    titles = sorted(a.title for a in actions)
    assert titles == ["Move the default of `dropout` here (from dup_a.py:3)",
                      "Move the default of `dropout` here (from dup_b.py:4)"]
    (from_b,) = [a for a in actions if "dup_b.py" in a.title]
    changed = await apply_and_reopen(s, from_b)
    assert changed == {
        "dup_a.py": before["dup_a.py"].replace("_('dropout', 0.1)", "_('dropout')"),
        "dup_b.py": before["dup_b.py"].replace("_('dropout', 0.2)", "_('dropout')"),
        "drop_use.py": before["drop_use.py"].replace("_('dropout')", "_('dropout', 0.2)"),
    }
    (default,) = await defaults_of(s, "dup_a.py", s.pos("dup_a.py", "'dropout'", 1))
    assert default.uri == s.uri("drop_use.py")
    await s.diagnostics_where("dup_a.py", lambda d: len(d) == 0, "duplicate gone")


async def test_remove_this_duplicate_default(start):
    s = await start()
    diags = await s.diagnostics_where("dup_a.py", lambda d: len(d) == 1, "duplicate")
    a, b = s.text("dup_a.py"), s.text("dup_b.py")
    actions = await actions_at(s, "dup_a.py", s.pos("dup_a.py", "0.1"), diags)
    assert sorted(x.title for x in actions) == ["Keep this default", "Remove this duplicate default"]
    remove = [x for x in actions if x.title == "Remove this duplicate default"][0]
    assert remove.diagnostics and remove.diagnostics[0].code == "duplicate-default"
    changed = await apply_and_reopen(s, remove)
    assert changed == {"dup_a.py": a.replace("_('dropout', 0.1)", "_('dropout')")}
    assert s.text("dup_b.py") == b
    (default,) = await defaults_of(s, "dup_a.py", s.pos("dup_a.py", "'dropout'", 1))
    assert default.uri == s.uri("dup_b.py")
    await s.diagnostics_where("dup_b.py", lambda d: len(d) == 0, "duplicate gone")


async def test_keep_this_default(start):
    s = await start()
    a, b = s.text("dup_a.py"), s.text("dup_b.py")
    actions = await actions_at(s, "dup_b.py", s.pos("dup_b.py", "'dropout'", 1))
    keep = [x for x in actions if x.title == "Keep this default"][0]
    changed = await apply_and_reopen(s, keep)
    assert changed == {"dup_a.py": a.replace("_('dropout', 0.1)", "_('dropout')")}
    assert s.text("dup_b.py") == b
    (default,) = await defaults_of(s, "dup_a.py", s.pos("dup_a.py", "'dropout'", 1))
    assert default.uri == s.uri("dup_b.py")
    await s.diagnostics_where("dup_a.py", lambda d: len(d) == 0, "duplicate gone")


async def test_did_you_mean_for_unknown_keys_in_the_values_file(start):
    s = await start(settings={"valuesFile": "values.yaml"})
    diags = await s.diagnostics_where("values.yaml", lambda d: len(d) == 2, "unknown keys")
    original = s.text("values.yaml")
    actions = await actions_at(s, "values.yaml", s.pos("values.yaml", "optimiser", 3), diags)
    assert [a.title for a in actions] == ["Did you mean `optimizer`?"]
    changed = await apply_and_reopen(s, actions[0])
    assert changed == {"values.yaml": original.replace("optimiser:", "optimizer:")}
    await s.diagnostics_where("values.yaml", lambda d: len(d) == 1 and "batch_sise" in d[0].message, "one left")
    hover = await s.hover("model.py", s.pos("model.py", "'optimizer'", 1))
    assert "`'sgd'` (str)" in hover.contents.value


async def test_did_you_mean_for_a_name_without_default(start):
    s = await start()
    original = s.text("problems.py")
    actions = await actions_at(s, "problems.py", s.pos("problems.py", "'epochz'", 1))
    assert [a.title for a in actions] == ["Did you mean `epochs`?"]
    changed = await apply_and_reopen(s, actions[0])
    assert changed == {"problems.py": original.replace("_('epochz')", "_('epochs')")}


async def test_no_actions_away_from_calls_or_for_clean_calls(start):
    s = await start()
    assert not await actions_at(s, "model.py", s.pos("model.py", "# 模型"))
    assert not await actions_at(s, "model.py", s.pos("model.py", "'model.width'", 1))   # its own default
    assert not await actions_at(s, "i18n.py", s.pos("i18n.py", "'lr'", 1))


async def test_move_within_one_file_and_across_lines(start, workspace):
    (workspace / "multi.py").write_text(
        "from hpman.m import _\n\n"
        "a = _(\n    'multi.x',   # 说明\n    [1, 2,\n     3],\n    help='x',\n)\n"
        "b = _('multi.x')\n", encoding="utf-8")
    s = await start()
    original = s.text("multi.py")
    actions = await actions_at(s, "multi.py", s.pos("multi.py", "'multi.x'", 1, occurrence=1))
    assert [a.title for a in actions] == ["Move the default of `multi.x` here"]
    (edits,) = actions[0].edit.changes.values()
    assert len(edits) >= 2                                   # both ends, in one file
    changed = await apply_and_reopen(s, actions[0], T.CodeActionKind.RefactorRewrite)
    text = changed["multi.py"]
    assert text == original.replace("'multi.x',   # 说明\n    [1, 2,\n     3],\n", "'multi.x'   # 说明\n    ,\n") \
        .replace("b = _('multi.x')", "b = _('multi.x', [1, 2,\n     3])")
    assert text.count("[1, 2,") == 1 and "b = _('multi.x', [1, 2,\n     3])" in text
    assert "# 说明" in text and "help='x'" in text          # the comment and the hint stay
    (default,) = await defaults_of(s, "multi.py", s.pos("multi.py", "'multi.x'", 1, text=text))
    assert default.range.start.line == text.split("\n").index("b = _('multi.x', [1, 2,")
