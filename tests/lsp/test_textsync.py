"""The faster incremental change (hpman_lsp/textsync.py) makes the same text as pygls' own."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as T
from pygls.workspace.text_document import TextDocument

from hpman_lsp import textsync

ORIGINAL = TextDocument._apply_incremental_change   # pygls' method (tests run before any server here)
TEXT = "from hpman.m import _\n说明 = '训练🚀'; x = _('lr', 0.1)\n\n    y = _('a')\r\nlast line without newline"


def _apply(method, text, change):
    doc = TextDocument("file:///w/a.py", text, sync_kind=T.TextDocumentSyncKind.Incremental)
    method(doc, change)
    return doc.source


def test_same_text_as_pygls_for_random_edits():
    assert ORIGINAL is not textsync._apply_incremental_change
    rng = random.Random(3)
    lines = TEXT.split("\n")
    for _ in range(3000):
        sl = rng.randrange(len(lines) + 2)
        el = sl + rng.choice([0, 0, 1, 2, 7])
        sc, ec = rng.randrange(30), rng.randrange(30)
        if el == sl and ec < sc:
            sc, ec = ec, sc
        new_text = rng.choice(["", "x", "🚀", "a\nb", "\n", "训练"])
        change = T.TextDocumentContentChangePartial(
            range=T.Range(T.Position(sl, sc), T.Position(el, ec)), text=new_text)
        assert _apply(textsync._apply_incremental_change, TEXT, change) == _apply(ORIGINAL, TEXT, change), change


@settings(max_examples=750, deadline=None)
@given(sl=st.integers(0, 6), sc=st.integers(0, 40), el=st.integers(0, 6), ec=st.integers(0, 40),
       new_text=st.sampled_from(["", "x", "🚀", "a\nb", "\n", "训练"]))
def test_any_range_even_reversed_gives_pygls_text(sl, sc, el, ec, new_text):
    """A range whose end is before its start (across lines) leaves the document as pygls
    leaves it (unchanged); every other range edits it as pygls does."""
    change = T.TextDocumentContentChangePartial(range=T.Range(T.Position(sl, sc), T.Position(el, ec)), text=new_text)
    ours = _apply(textsync._apply_incremental_change, TEXT, change)
    assert ours == _apply(ORIGINAL, TEXT, change)
    if el < sl and sl < len(TEXT.split("\n")):
        assert ours == TEXT
