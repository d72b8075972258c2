"""Code actions (quick fixes) over the index's edits."""
import os
from typing import Dict, List, Optional, Sequence

from lsprotocol import types as T

from hpman.index import edits, queries
from hpman.index.problems import problems_of

QUICKFIX = T.CodeActionKind.QuickFix


def workspace_edit(ls, text_edits: Sequence[edits.TextEdit]) -> T.WorkspaceEdit:
    changes: Dict[str, List[T.TextEdit]] = {}
    for path, rng, new_text in text_edits:
        changes.setdefault(ls.uri_of(path), []).append(T.TextEdit(ls.positions.range(path, rng), new_text))
    return T.WorkspaceEdit(changes=changes)


def _action(ls, title: str, text_edits, diagnostics=None, preferred: bool = False) -> Optional[T.CodeAction]:
    if not text_edits:
        return None
    return T.CodeAction(title=title, kind=QUICKFIX, diagnostics=diagnostics or None,
                        is_preferred=preferred or None, edit=workspace_edit(ls, text_edits))


def _matching(diagnostics: Sequence[T.Diagnostic], code: str) -> List[T.Diagnostic]:
    return [d for d in diagnostics if d.code == code and d.source == "hpman"]


def _overlaps(a, b) -> bool:
    """Whether two character ranges touch (a cursor is an empty range)."""
    return not ((a[2], a[3]) < (b[0], b[1]) or (b[2], b[3]) < (a[0], a[1]))


def call_actions(ls, path: str, rng, context: T.CodeActionContext) -> List[T.CodeAction]:
    ws = ls.ws
    occ = queries.occurrence_at(ws, path, rng[0], rng[1])
    if occ is None:
        return []
    out = []
    name = occ.name
    defaults = ws.defaults_of(occ.key())
    if not occ.has_default:
        for default in defaults:
            title = "Move the default of `{}` here".format(name)
            if len(defaults) > 1:
                title += " (from {}:{})".format(os.path.basename(default.path), default.line + 1)
            out.append(_action(ls, title, edits.move_default_here(ws, occ, default),
                               _matching(context.diagnostics, "duplicate-default"), preferred=len(defaults) == 1))
        if not defaults:
            suggestion = next((p.data.get("suggestion") for p in _problems_at(ws, path, occ.name_range)
                               if p.code == "no-default" and p.data.get("suggestion")), None)
            if suggestion:
                new = edits.quote_name(edits.name_literal(ws, occ), suggestion)
                out.append(_action(ls, "Did you mean `{}`?".format(suggestion), [(path, occ.name_range, new)],
                                   _matching(context.diagnostics, "no-default"), preferred=True))
    elif len(defaults) > 1:
        related = _matching(context.diagnostics, "duplicate-default")
        out.append(_action(ls, "Remove this duplicate default", edits.remove_default(ws, occ), related))
        out.append(_action(ls, "Keep this default", edits.keep_only(ws, occ), related))
    return [a for a in out if a is not None]


def _problems_at(ws, path: str, rng):
    return [p for p in problems_of(ws, path) if _overlaps(p.range, rng)]


def values_actions(ls, path: str, rng, context: T.CodeActionContext) -> List[T.CodeAction]:
    out = []
    for problem in _problems_at(ls.ws, path, rng):
        suggestion = problem.data.get("suggestion")
        if problem.code != "unknown-key" or not suggestion:
            continue
        action = _action(ls, "Did you mean `{}`?".format(suggestion),
                         edits.replace_key(ls.ws, problem.data["name"], suggestion),
                         _matching(context.diagnostics, "unknown-key"), preferred=True)
        if action is not None:
            out.append(action)
    return out


def register(ls) -> None:
    @ls.request(T.TEXT_DOCUMENT_CODE_ACTION, T.CodeActionOptions(code_action_kinds=[QUICKFIX]), empty=[])
    def code_action(params: T.CodeActionParams) -> List[T.CodeAction]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return []
        only = params.context.only
        if only and not any(QUICKFIX.value.startswith(k.value if hasattr(k, "value") else k) for k in only):
            return []
        rng = ls.positions.range_in(path, params.range)
        vf = ls.ws.values_file
        if vf is not None and vf.path == path:
            return values_actions(ls, path, rng, params.context)
        return call_actions(ls, path, rng, params.context)
