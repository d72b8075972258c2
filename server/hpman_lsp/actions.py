"""Code actions: the index's fixes and refactorings at a range (hpman.index.editor.fixes_at)."""
from typing import Dict, List, Sequence, Union

from lsprotocol import types as T

from hpman.index import edits
from hpman.index.editor import QUICKFIX, REWRITE, Fix, fixes_at

from .diagnostics import SOURCE
from .host import Host

KINDS = {QUICKFIX: T.CodeActionKind.QuickFix, REWRITE: T.CodeActionKind.RefactorRewrite}


def workspace_edit(ls: Host, text_edits: Sequence[edits.TextEdit]) -> T.WorkspaceEdit:
    changes: Dict[str, List[T.TextEdit]] = {}
    for path, rng, new_text in text_edits:
        changes.setdefault(ls.uri_of(path), []).append(T.TextEdit(ls.positions.range(path, rng), new_text))
    return T.WorkspaceEdit(changes=changes)


def _wanted(kind: T.CodeActionKind, only: Sequence[Union[T.CodeActionKind, str]]) -> bool:
    """Whether a kind is asked for: `only` lists kinds or their parents ("refactor")."""
    if not only:
        return True
    value = kind.value
    for k in only:
        wanted = k.value if isinstance(k, T.CodeActionKind) else k
        if value == wanted or value.startswith(wanted + "."):
            return True
    return False


def to_action(ls: Host, fix: Fix, diagnostics: Sequence[T.Diagnostic]) -> T.CodeAction:
    related = [d for d in diagnostics if d.source == SOURCE and d.code in fix.codes]
    return T.CodeAction(title=fix.title, kind=KINDS[fix.kind], diagnostics=related or None,
                        is_preferred=fix.preferred or None, edit=workspace_edit(ls, fix.edits))


def register(ls: Host) -> None:
    @ls.request(T.TEXT_DOCUMENT_CODE_ACTION,
                T.CodeActionOptions(code_action_kinds=list(KINDS.values())), empty=[])
    def code_action(params: T.CodeActionParams) -> List[T.CodeAction]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return []
        rng = ls.positions.range_in(path, params.range)
        only = params.context.only or []
        return [to_action(ls, fix, params.context.diagnostics) for fix in fixes_at(ls.index, path, rng)
                if _wanted(KINDS[fix.kind], only)]
