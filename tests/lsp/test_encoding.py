"""Positions: UTF-16 code units by default, UTF-8 when the client offers it.

train.py has Chinese text, and an emoji (two UTF-16 units, four UTF-8 bytes), before
calls on the same line."""
import pytest
from lsprotocol import types as T

CASES = [(None, "utf-16"), (["utf-8", "utf-16"], "utf-8"), (["utf-16", "utf-8"], "utf-8"),
         (["utf-32"], "utf-32"), (["utf-32", "utf-16"], "utf-32"), (["utf-99"], "utf-16")]


@pytest.mark.parametrize("offered,expected", CASES)
async def test_negotiated_encoding_and_ranges_after_wide_characters(start, offered, expected):
    s = await start(encodings=offered)
    assert s.encoding == expected
    caps = s.init_result.capabilities
    assert (caps.position_encoding or "utf-16") == expected
    line = s.text("train.py").splitlines()[3]
    assert "🚀" in line and line.index("_('batch_size'") > line.index("🚀")

    # hover anywhere on the name after the emoji, and its range
    for offset in (1, 6, 11):
        hover = await s.hover("train.py", s.pos("train.py", "'batch_size'", offset))
        assert hover is not None and "`batch_size`" in hover.contents.value
        assert hover.range == s.range_of("train.py", "'batch_size'")
    # just before the callee is outside the call
    assert await s.hover("train.py", s.pos("train.py", " _('batch_size'")) is None

    refs = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(s.uri("train.py")), position=s.pos("train.py", "'lr'", 1),
        context=T.ReferenceContext(include_declaration=True)))
    in_train = sorted((r.range.start.line, r.range.start.character, r.range.end.character)
                      for r in refs if r.uri == s.uri("train.py"))
    want = sorted((r.start.line, r.start.character, r.end.character)
                  for r in (s.range_of("train.py", "'lr'", 0), s.range_of("train.py", "'lr'", 1)))
    assert in_train == want


@pytest.mark.parametrize("offered,expected", CASES[:3])
async def test_diagnostic_ranges_and_edits_after_wide_characters(start, offered, expected):
    s = await start(encodings=offered)
    text = "from hpman.m import _\n说明 = '训练🚀'; x = _('dropout', 0.3)\n"
    s.open("wide.py", text)
    diags = await s.diagnostics_where("wide.py", lambda d: any(x.code == "duplicate-default" for x in d))
    dup = [d for d in diags if d.code == "duplicate-default"][0]
    assert dup.range == s.range_of("wide.py", "0.3", text=text)

    # the "remove this duplicate" edit lands exactly on `, 0.3`
    actions = await s.client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(s.uri("wide.py")), range=T.Range(dup.range.start, dup.range.start),
        context=T.CodeActionContext(diagnostics=[dup])))
    remove = [a for a in actions if a.title == "Remove this duplicate default"][0]
    (edit,) = remove.edit.changes[s.uri("wide.py")]
    assert edit.new_text == ""
    assert edit.range.start == s.pos("wide.py", ", 0.3", text=text)
    assert edit.range.end == s.pos("wide.py", "0.3)", 3, text=text)
