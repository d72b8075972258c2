"""Completion, rename, workspace symbols, code lens and inlay hints."""
from typing import Any, List, Optional

from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

from hpman.index import editor, edits, queries

from .actions import workspace_edit
from .host import Host

SHOW_USES = "hpman.showUses"


def _line_text(ls: Host, path: str, line: int) -> str:
    text = ls.ws.text_of(path) or ""
    lines = text.split("\n")
    return lines[line] if 0 <= line < len(lines) else ""


def register(ls: Host) -> None:
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
        problem = editor.new_name_problem(ls.ws, key, params.new_name)
        if problem is not None:
            raise JsonRpcInvalidParams(problem)
        return workspace_edit(ls, edits.rename(ls.ws, key, params.new_name.strip()))

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
        if path is None:
            return []
        out = []
        for lens in editor.lens_targets(ls.ws, path):
            target = lens.target
            rng = ls.positions.range(path, target.name_range)
            uses = [ls.location_dict(u.path, u.name_range) for u in lens.uses]
            out.append(T.CodeLens(rng, T.Command(title=lens.title, command=SHOW_USES, arguments=[
                ls.uri_of(path), {"line": rng.start.line, "character": rng.start.character}, uses])))
        return out

    @ls.command(SHOW_USES)
    def show_uses(*arguments: Any):
        """For clients that run lens commands on the server (eglot, Neovim without a handler
        of its own): show the next use after the lens in the editor; the uses are the answer."""
        uri, position, uses = _show_uses_arguments(list(arguments))
        if not uses:
            return []
        here = (uri, position.get("line", 0), position.get("character", 0))
        keyed = sorted((((u["uri"], u["range"]["start"]["line"], u["range"]["start"]["character"]), u) for u in uses),
                       key=lambda pair: pair[0])
        after = [u for k, u in keyed if k > here] or [u for _k, u in keyed]
        target = after[0]
        caps = ls.client_capabilities.window
        if caps is not None and caps.show_document is not None and caps.show_document.support:
            rng = target["range"]
            ls.spawn(ls.window_show_document_async(T.ShowDocumentParams(
                uri=target["uri"], take_focus=True, selection=T.Range(
                    T.Position(rng["start"]["line"], rng["start"]["character"]),
                    T.Position(rng["end"]["line"], rng["end"]["character"])))))
        return uses

    @ls.request(T.TEXT_DOCUMENT_INLAY_HINT, T.InlayHintOptions(resolve_provider=False), empty=[])
    def inlay_hints(params: T.InlayHintParams) -> List[T.InlayHint]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return []
        hints = []
        for value in editor.inlay_values(ls.ws, path, params.range.start.line, params.range.end.line):
            end = ls.positions.range(path, value.occurrence.call).end
            hints.append(T.InlayHint(position=end, label=value.label, padding_left=True, tooltip=value.tooltip))
        return hints


def _show_uses_arguments(arguments: List[Any]):
    """(uri, position, uses) from the lens command's arguments, checked."""
    if len(arguments) != 3 or not isinstance(arguments[0], str) or not isinstance(arguments[1], dict) \
            or not isinstance(arguments[2], list):
        raise JsonRpcInvalidParams("{} takes (uri, position, locations)".format(SHOW_USES))
    uses = [u for u in arguments[2] if isinstance(u, dict) and isinstance(u.get("uri"), str)
            and isinstance(u.get("range"), dict)]
    return arguments[0], arguments[1], uses
