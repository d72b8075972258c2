"""Hover, definition, references and document highlights."""
from lsp_helpers import uri
from lsprotocol import types as T


def locs(session, locations):
    return sorted((l.uri, l.range.start.line, l.range.start.character, l.range.end.line, l.range.end.character)
                  for l in locations)


def expect(session, *places):
    """(file, needle, occurrence) → the same tuples as `locs`."""
    out = []
    for name, needle, n in places:
        r = session.range_of(name, needle, occurrence=n)
        out.append((session.uri(name), r.start.line, r.start.character, r.end.line, r.end.character))
    return sorted(out)


async def test_hover_on_callee_and_on_name_shows_value_type_default_hints_and_count(start):
    s = await start()
    on_callee = await s.hover("train.py", s.pos("train.py", "_('lr')"))
    on_name = await s.hover("train.py", s.pos("train.py", "'lr'", offset=2))
    assert on_callee is not None and on_name is not None
    assert on_callee.contents.kind == T.MarkupKind.Markdown
    text = on_callee.contents.value
    assert on_name.contents.value == text
    assert "`lr`" in text
    assert "`0.1` (float)" in text
    assert "[model.py:5]({}#L5)".format(s.uri("model.py")) in text
    assert "help='learning rate'" in text
    assert "Used 3 times in 2 files" in text
    assert on_callee.range == s.range_of("train.py", "'lr'")


async def test_hover_shows_the_values_file_value_when_one_is_set(start):
    s = await start(settings={"valuesFile": "values.yaml"})
    text = (await s.hover("model.py", s.pos("model.py", "'lr'", 1))).contents.value
    assert "`0.05` (float)" in text and "values file" in text and "values.yaml" in text
    assert "`0.1`" in text  # the default in code is still shown
    nested = (await s.hover("model.py", s.pos("model.py", "'model.depth'", 1))).contents.value
    assert "`8` (int)" in nested


async def test_hover_of_the_other_manager_and_of_non_hyperparameters(start):
    s = await start()
    text = (await s.hover("other.py", s.pos("other.py", "'lr'", 1))).contents.value
    assert "`0.01` (float)" in text and "`hp`" in text and "Used 1 time in 1 file" in text
    assert await s.hover("i18n.py", s.pos("i18n.py", "'lr'", 1)) is None           # gettext's _
    assert await s.hover("gettext_after.py", s.pos("gettext_after.py", "'hello.world'", 1)) is None
    assert await s.hover("model.py", s.pos("model.py", "# 模型")) is None            # a comment
    assert await s.hover("model.py", T.Position(2, 0)) is None                       # a blank line


async def test_hover_on_a_values_file_key(start):
    s = await start(settings={"valuesFile": "values.yaml"})
    hover = await s.hover("values.yaml", s.pos("values.yaml", "depth", 2))
    assert "`model.depth`" in hover.contents.value and "`8` (int)" in hover.contents.value
    assert hover.range == s.range_of("values.yaml", "depth")


async def test_definition_is_the_default_name_literal(start):
    s = await start()
    result = await s.client.text_document_definition_async(T.DefinitionParams(
        T.TextDocumentIdentifier(s.uri("train.py")), s.pos("train.py", "'lr'", 1, occurrence=1)))
    assert locs(s, result) == expect(s, ("model.py", "'lr'", 0))


async def test_definition_of_a_name_without_default_is_empty(start):
    s = await start()
    result = await s.client.text_document_definition_async(T.DefinitionParams(
        T.TextDocumentIdentifier(s.uri("problems.py")), s.pos("problems.py", "'epochz'", 1)))
    assert not result


async def test_references_are_every_occurrence_in_that_manager_only(start):
    s = await start()
    params = T.ReferenceParams(text_document=T.TextDocumentIdentifier(s.uri("model.py")),
                               position=s.pos("model.py", "'lr'", 1),
                               context=T.ReferenceContext(include_declaration=True))
    result = await s.client.text_document_references_async(params)
    assert locs(s, result) == expect(s, ("model.py", "'lr'", 0), ("train.py", "'lr'", 0), ("train.py", "'lr'", 1))
    params.context.include_declaration = False
    result = await s.client.text_document_references_async(params)
    assert locs(s, result) == expect(s, ("train.py", "'lr'", 0), ("train.py", "'lr'", 1))


async def test_references_follow_import_aliases(start):
    s = await start()
    result = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(s.uri("pkg/data.py")), position=s.pos("pkg/data.py", "hp_('batch_size')"),
        context=T.ReferenceContext(include_declaration=True)))
    assert locs(s, result) == expect(s, ("train.py", "'batch_size'", 0), ("pkg/data.py", "'batch_size'", 0))


async def test_document_highlights_mark_the_name_in_this_file(start):
    s = await start()
    result = await s.client.text_document_document_highlight_async(T.DocumentHighlightParams(
        T.TextDocumentIdentifier(s.uri("model.py")), s.pos("model.py", "'model.depth'", 3)))
    got = sorted((h.range.start.line, h.range.start.character, h.range.end.character, h.kind) for h in result)
    want = sorted([(r.start.line, r.start.character, r.end.character, kind) for r, kind in [
        (s.range_of("model.py", "'model.depth'", 0), T.DocumentHighlightKind.Write),
        (s.range_of("model.py", "'model.depth'", 1), T.DocumentHighlightKind.Read)]])
    assert got == want


async def test_requests_for_documents_never_seen_answer_empty(start, tmp_path):
    s = await start()
    ghost = T.TextDocumentIdentifier(uri(tmp_path / "nowhere.py"))
    assert await s.client.text_document_hover_async(T.HoverParams(ghost, T.Position(0, 0))) is None
    assert not await s.client.text_document_definition_async(T.DefinitionParams(ghost, T.Position(3, 4)))
    assert not await s.client.text_document_references_async(T.ReferenceParams(
        text_document=ghost, position=T.Position(0, 0), context=T.ReferenceContext(include_declaration=True)))
    untitled = T.TextDocumentIdentifier("untitled:Untitled-1")
    assert await s.client.text_document_hover_async(T.HoverParams(untitled, T.Position(0, 0))) is None
