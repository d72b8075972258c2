"""Completion and rename: the requests that edit the text."""
from typing import Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

from hpman.index import editor, edits, queries

from .actions import workspace_edit
from .host import Host


def _line_text(ls: Host, path: str, line: int) -> str:
    text = ls.index.text_of(path) or ""
    lines = text.split("\n")
    return lines[line] if 0 <= line < len(lines) else ""


def register(ls: Host) -> None:
    @ls.request(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=["'", '"', "."]))
    def completion(params: T.CompletionParams) -> Optional[T.CompletionList]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return None
        line, col = ls.positions.position_in(path, params.position)
        context = queries.completion_context(ls.index, path, _line_text(ls, path, line)[:col])
        if context is None:
            return None
        manager, prefix = context
        start = ls.positions.column_out(path, line, col - len(prefix))
        replace = T.Range(T.Position(line, start), params.position)
        items = []
        for name, value, type_name in queries.completions(ls.index, manager, prefix):
            detail = "{} ({})".format(value, type_name) if value is not None else "no default"
            items.append(T.CompletionItem(
                label=name, kind=T.CompletionItemKind.Variable, detail=detail,
                documentation="`{}` of manager `{}`".format(name, manager),
                text_edit=T.TextEdit(replace, name), filter_text=name))
        return T.CompletionList(is_incomplete=False, items=items)

    @ls.request(T.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(params: T.PrepareRenameParams) -> Optional[T.PrepareRenamePlaceholder]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return None
        line, col = ls.positions.position_in(path, params.position)
        occ = queries.occurrence_at(ls.index, path, line, col)
        if occ is not None:
            return T.PrepareRenamePlaceholder(ls.positions.range(path, occ.name_range), occ.name)
        entry = queries.values_entry_at(ls.index, path, line, col)
        if entry is not None and entry.key_text == entry.name:
            return T.PrepareRenamePlaceholder(ls.positions.range(path, entry.key_range), entry.name)
        return None

    @ls.request(T.TEXT_DOCUMENT_RENAME, T.RenameOptions(prepare_provider=True))
    def rename(params: T.RenameParams) -> Optional[T.WorkspaceEdit]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return None
        line, col = ls.positions.position_in(path, params.position)
        key = queries.key_at(ls.index, path, line, col)
        if key is None:
            raise JsonRpcInvalidParams("there is no hyperparameter here to rename")
        problem = editor.new_name_problem(ls.index, key, params.new_name)
        if problem is not None:
            raise JsonRpcInvalidParams(problem)
        return workspace_edit(ls, edits.rename(ls.index, key, params.new_name.strip()))
