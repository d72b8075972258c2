"""Completion, rename, workspace symbols, code lens and inlay hints."""
from typing import List, Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

from hpman.index import edits, queries
from hpman.primitives import EmptyValue

from .actions import workspace_edit


def _line_text(ls, path: str, line: int) -> str:
    text = ls.ws.text_of(path) or ""
    lines = text.split("\n")
    return lines[line] if 0 <= line < len(lines) else ""


def register(ls) -> None:
    @ls.request(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=["'", '"', "."]))
    def completion(params: T.CompletionParams) -> Optional[T.CompletionList]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return None
        line, col = ls.positions.position_in(path, params.position)
        context = queries.completion_context(ls.ws, path, _line_text(ls, path, line)[:col])
        if context is None:
            return None
        manager, prefix = context
        start = ls.positions.column_out(path, line, col - len(prefix))
        replace = T.Range(T.Position(line, start), params.position)
        items = []
        for name, value, type_name in queries.completions(ls.ws, manager, prefix):
            detail = "{} ({})".format(value, type_name) if value is not None else "no default"
            items.append(T.CompletionItem(
                label=name, kind=T.CompletionItemKind.Variable, detail=detail,
                documentation="`{}` of manager `{}`".format(name, manager),
                text_edit=T.TextEdit(replace, name), filter_text=name))
        return T.CompletionList(is_incomplete=False, items=items)

    @ls.request(T.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(params: T.PrepareRenameParams):
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return None
        line, col = ls.positions.position_in(path, params.position)
        occ = queries.occurrence_at(ls.ws, path, line, col)
        if occ is not None:
            return T.PrepareRenamePlaceholder(ls.positions.range(path, occ.name_range), occ.name)
        entry = queries.values_entry_at(ls.ws, path, line, col)
        if entry is not None and entry.key_text == entry.name:
            return T.PrepareRenamePlaceholder(ls.positions.range(path, entry.key_range), entry.name)
        return None

    @ls.request(T.TEXT_DOCUMENT_RENAME, T.RenameOptions(prepare_provider=True))
    def rename(params: T.RenameParams) -> Optional[T.WorkspaceEdit]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return None
        line, col = ls.positions.position_in(path, params.position)
        key = queries.key_at(ls.ws, path, line, col)
        if key is None:
            raise JsonRpcInvalidParams("there is no hyperparameter here to rename")
        new_name = params.new_name.strip()
        if not new_name or any(c in new_name for c in "\n\r'\"\\") or new_name.startswith(".") \
                or new_name.endswith(".") or ".." in new_name:
            raise JsonRpcInvalidParams("`{}` is not a valid hyperparameter name".format(params.new_name))
        if new_name != key[1] and (key[0], new_name) in ls.ws.by_key:
            raise JsonRpcInvalidParams("`{}` already exists".format(new_name))
        return workspace_edit(ls, edits.rename(ls.ws, key, new_name))

    @ls.request(T.WORKSPACE_SYMBOL, empty=[])
    def symbols(params: T.WorkspaceSymbolParams) -> List[T.SymbolInformation]:
        out = []
        for occ in queries.symbols(ls.ws, params.query):
            value = queries.value_text(ls.ws, occ.key())
            out.append(T.SymbolInformation(
                name=occ.name, kind=T.SymbolKind.Variable, location=ls.location(occ.path, occ.name_range),
                container_name="{} = {}".format(occ.manager, value) if value is not None else occ.manager))
        return out

    @ls.request(T.TEXT_DOCUMENT_CODE_LENS, T.CodeLensOptions(resolve_provider=False), empty=[])
    def code_lens(params: T.CodeLensParams) -> List[T.CodeLens]:
        path = ls.path_of(params.text_document.uri)
        entry = ls.ws.files.get(path) if path else None
        if entry is None:
            return []
        first = {}
        for occ in entry.facts.occurrences:   # one lens per name: at its default, else its first use here
            if occ.key() not in first or (occ.has_default and not first[occ.key()].has_default):
                first[occ.key()] = occ
        lenses = []
        for key, occ in first.items():
            n = len(ls.ws.occurrences_of(key))
            title = "{} occurrence{}".format(n, "" if n == 1 else "s")
            lenses.append(T.CodeLens(ls.positions.range(path, occ.name_range),
                                     T.Command(title=title, command="", arguments=[occ.manager, occ.name])))
        return sorted(lenses, key=lambda l: (l.range.start.line, l.range.start.character))

    @ls.request(T.TEXT_DOCUMENT_INLAY_HINT, T.InlayHintOptions(resolve_provider=False), empty=[])
    def inlay_hints(params: T.InlayHintParams) -> List[T.InlayHint]:
        path = ls.path_of(params.text_document.uri)
        entry = ls.ws.files.get(path) if path else None
        if entry is None:
            return []
        first, last = params.range.start.line, params.range.end.line
        hints = []
        for occ in entry.facts.occurrences:
            if occ.has_default or not first <= occ.call[2] <= last:
                continue
            value, source = queries.effective_value(ls.ws, occ.key())
            if isinstance(value, EmptyValue):
                continue
            end = ls.positions.range(path, occ.call).end
            hints.append(T.InlayHint(
                position=end, label="= {}".format(queries.value_text(ls.ws, occ.key())),
                kind=T.InlayHintKind.Type, padding_left=True,
                tooltip="value of `{}` ({})".format(occ.name, source)))
        return hints
