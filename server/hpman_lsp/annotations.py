"""What the editor shows over the code: code lenses (the uses of a default) with their
`hpman.showUses` command, and inlay hints (a call's value beside it)."""
from typing import Any, Dict, List, Tuple

from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidParams

from hpman.index import editor

from .host import Host

SHOW_USES = "hpman.showUses"
JsonObject = Dict[str, Any]   # as the client sent it: checked before it is read


def register(ls: Host) -> None:
    @ls.request(T.TEXT_DOCUMENT_CODE_LENS, T.CodeLensOptions(resolve_provider=False), empty=[])
    def code_lens(params: T.CodeLensParams) -> List[T.CodeLens]:
        path = ls.path_of(params.text_document.uri)
        if path is None:
            return []
        out = []
        for lens in editor.lens_targets(ls.index, path):
            target = lens.target
            rng = ls.positions.range(path, target.name_range)
            uses = [ls.location_dict(u.path, u.name_range) for u in lens.uses]
            out.append(T.CodeLens(rng, T.Command(title=lens.title, command=SHOW_USES, arguments=[
                ls.uri_of(path), {"line": rng.start.line, "character": rng.start.character}, uses])))
        return out

    @ls.command(SHOW_USES)
    def show_uses(*arguments: Any) -> List[JsonObject]:
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
        for value in editor.inlay_values(ls.index, path, params.range.start.line, params.range.end.line):
            end = ls.positions.range(path, value.occurrence.call).end
            hints.append(T.InlayHint(position=end, label=value.label, padding_left=True, tooltip=value.tooltip))
        return hints


def _show_uses_arguments(arguments: List[Any]) -> Tuple[str, JsonObject, List[JsonObject]]:
    """(uri, position, uses) from the lens command's arguments, checked."""
    if len(arguments) != 3 or not isinstance(arguments[0], str) or not isinstance(arguments[1], dict) \
            or not isinstance(arguments[2], list):
        raise JsonRpcInvalidParams("{} takes (uri, position, locations)".format(SHOW_USES))
    uses = [u for u in arguments[2] if isinstance(u, dict) and isinstance(u.get("uri"), str)
            and isinstance(u.get("range"), dict)]
    return arguments[0], arguments[1], uses
