"""The editor on the seed README's two caveats (aliases, bindings in order) and on related
places in files of the same name: the language server answers from the same index as the CLI."""
import os
from pathlib import Path

from lsp_helpers import uri
from lsprotocol import types as T

# The seed README's two examples, verbatim (tests/fixtures/seed_caveats/).
_SEED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "seed_caveats")
with open(os.path.join(_SEED, "alias.py"), encoding="utf-8") as f:
    SEED_ALIAS = f.read()
with open(os.path.join(_SEED, "false_positive.py"), encoding="utf-8") as f:
    SEED_FALSE_POSITIVE = f.read()


def seed_workspace(tmp_path: Path) -> Path:
    root = tmp_path / "seed"
    (root / "one").mkdir(parents=True)
    (root / "two").mkdir()
    (root / "alias.py").write_text(SEED_ALIAS, encoding="utf-8")
    (root / "false_positive.py").write_text(SEED_FALSE_POSITIVE, encoding="utf-8")
    (root / "uses.py").write_text("from hpman.m import _\nprint(_('a'))\n", encoding="utf-8")
    (root / "one" / "lib.py").write_text("from hpman.m import _\n_('lr', 0.1)\n", encoding="utf-8")
    (root / "two" / "lib.py").write_text("from hpman.m import _\n\n_('lr', 0.2)\n", encoding="utf-8")
    return root


async def test_hover_and_references_see_the_call_through_an_alias(start, tmp_path):
    s = await start(root=seed_workspace(tmp_path))
    hover = await s.hover("alias.py", s.pos("alias.py", "'a'", 1))
    assert hover is not None
    assert "`a`" in hover.contents.value and "`1` (int)" in hover.contents.value
    on_callee = await s.hover("alias.py", s.pos("alias.py", "hello('a'", 2))
    assert on_callee is not None and on_callee.range == s.range_of("alias.py", "'a'")
    refs = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(s.uri("alias.py")), position=s.pos("alias.py", "'a'", 1),
        context=T.ReferenceContext(include_declaration=True)))
    got = sorted((r.uri, r.range.start.line) for r in refs)
    assert got == sorted([(s.uri("alias.py"), 3), (s.uri("uses.py"), 1)])


async def test_a_call_before_the_import_is_not_a_hyperparameter_and_says_why(start, tmp_path):
    s = await start(root=seed_workspace(tmp_path))
    assert await s.hover("false_positive.py", s.pos("false_positive.py", '"a"', 1)) is None
    refs = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(s.uri("uses.py")), position=s.pos("uses.py", "'a'", 1),
        context=T.ReferenceContext(include_declaration=True)))
    assert s.uri("false_positive.py") not in {r.uri for r in refs}
    s.open("false_positive.py")
    diags = await s.diagnostics_where("false_positive.py", lambda d: len(d) >= 1, "shadowed-manager")
    (d,) = diags
    assert str(d.code) == "shadowed-manager" and d.severity == T.DiagnosticSeverity.Warning
    assert d.range.start.line == 3
    assert "the `_(...)` call at line 6 is not hpman's" in d.message


async def test_related_information_names_the_other_lib_py_by_its_path(start, tmp_path):
    root = seed_workspace(tmp_path)
    s = await start(root=root)
    s.open("one/lib.py")
    diags = await s.diagnostics_where("one/lib.py", lambda d: any(str(x.code) == "duplicate-default" for x in d))
    (dup,) = [d for d in diags if str(d.code) == "duplicate-default"]
    assert "(also at {}:3)".format(os.path.join("two", "lib.py")) in dup.message
    assert [r.location.uri for r in dup.related_information] == [uri(root / "two" / "lib.py")]
    assert dup.related_information[0].location.range.start.line == 2
