"""Hover, definition, references, document highlights and workspace symbols."""
import os
from typing import List, Optional, Tuple

from lsprotocol import types as T

from hpman.index import queries
from hpman.index.model import Occurrence
from hpman.index.workspace import Key
from hpman.primitives import EmptyValue

from .host import Host
from .protocol import Plain


def key_at(ls: Host, uri: str, position: T.Position) -> Optional[Tuple[str, Key]]:
    """(path, (manager, name)) under the cursor; None when there is no hyperparameter there."""
    found = at(ls, uri, position)
    return (found[0], found[1]) if found is not None else None


def at(ls: Host, uri: str, position: T.Position) -> Optional[Tuple[str, Key, Optional[Occurrence]]]:
    """(path, key, occurrence) under the cursor: a call in a module (with its occurrence) or a
    key in the values file (occurrence None); None when there is no hyperparameter there."""
    path = ls.path_of(uri)
    if path is None:
        return None
    line, col = ls.positions.position_in(path, position)
    occ = queries.occurrence_at(ls.index, path, line, col)
    if occ is not None:
        return path, occ.key(), occ
    key = queries.key_at(ls.index, path, line, col)
    return (path, key, None) if key is not None else None


def hover_markdown(ls: Host, key: Key) -> str:
    ws = ls.index
    manager, name = key
    value, source = queries.effective_value(ws, key)
    text = queries.value_text(ws, key)
    occurrences = ws.occurrences_of(key)
    default = queries.default_of(ws, key)
    # the manager is named only when there are several (with one, "of `_`" is jargon)
    title = "**`{}`** — hyperparameter".format(name)
    if len(ws.managers()) > 1:
        title += " of `{}`".format(manager)
    lines = [title, ""]
    if isinstance(value, EmptyValue):
        lines.append("Value: *none* (no default anywhere)")
    else:
        lines.append("Value: `{}` ({})".format(text, queries.type_name(value)))
        values_file = ws.values_file if source == "values file" else None
        if values_file is not None and values_file.record is not None:
            origin = queries.value_origin(ws, key)
            lines[-1] += " in the run record `{}`{}".format(
                _short(ls, values_file.record["directory"]), " ({})".format(origin) if origin else "")
        elif values_file is not None:
            where = os.path.basename(values_file.path)
            lines[-1] += " from the values file `{}`".format(where)
        if source == "values file":
            if default is not None:
                lines.append("")
                lines.append("Default in code: `{}`".format(default.default_text))
    if default is not None:
        lines.append("")
        lines.append("Default: [{}:{}]({}#L{})".format(
            _short(ls, default.path), default.line + 1, ls.uri_of(default.path), default.line + 1))
    hints = dict(default.hints) if default is not None else {}
    for occ in occurrences:        # hints may sit on any occurrence; the default's win
        for k, v in occ.hints.items():
            hints.setdefault(k, v)
    if hints:
        lines.append("")
        lines.append("Hints: " + ", ".join("`{}={!r}`".format(k, v) for k, v in sorted(hints.items())))
    space = queries.space_text(ws, key)   # a swept name: its search space
    if space:
        lines += ["", space]
    files = len({o.path for o in occurrences})
    lines.append("")
    lines.append("Used {} time{} in {} file{}".format(
        len(occurrences), "" if len(occurrences) == 1 else "s", files, "" if files == 1 else "s"))
    return "\n".join(lines)


def _short(ls: Host, path: str) -> str:
    for folder in ls.roots():
        if path.startswith(folder.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, folder).replace(os.sep, "/")
    return os.path.basename(path)


def register(ls: Host) -> None:
    @ls.request(T.TEXT_DOCUMENT_HOVER)
    def hover(params: T.HoverParams) -> Optional[T.Hover]:
        found = at(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        path, key, occ = found
        rng: Optional[T.Range]
        if occ is not None:
            rng = ls.positions.range(path, occ.name_range)
        else:   # a key in the values file
            line, col = ls.positions.position_in(path, params.position)
            entry = queries.values_entry_at(ls.index, path, line, col)
            rng = ls.positions.range(path, entry.key_range) if entry is not None else None
        return T.Hover(T.MarkupContent(T.MarkupKind.Markdown, hover_markdown(ls, key)), rng)

    @ls.request(T.TEXT_DOCUMENT_DEFINITION)
    def definition(params: T.DefinitionParams) -> Optional[List[T.Location]]:
        found = key_at(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        _path, key = found
        defaults = ls.index.defaults_of(key)
        return [ls.location(d.path, d.name_range) for d in defaults] or None

    @ls.request(T.TEXT_DOCUMENT_REFERENCES, empty=[])
    def references(params: T.ReferenceParams) -> Optional[Plain]:
        found = key_at(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        _path, key = found
        include = params.context is None or params.context.include_declaration
        # JSON text (the notebook layer maps it into cells): a name used in every module has
        # thousands of locations, and encoding them as objects would dominate the answer time
        return Plain(text=ls.locations_json((o.path, o.name_range) for o in ls.index.occurrences_of(key)
                                            if include or not o.has_default))

    @ls.request(T.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT, empty=[])
    def highlight(params: T.DocumentHighlightParams) -> Optional[List[T.DocumentHighlight]]:
        found = key_at(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        path, key = found
        return [T.DocumentHighlight(ls.positions.range(path, o.name_range),
                                    T.DocumentHighlightKind.Write if o.has_default else T.DocumentHighlightKind.Read)
                for o in queries.occurrences_in_file(ls.index, key, path)]

    @ls.request(T.WORKSPACE_SYMBOL, empty=[])
    def symbols(params: T.WorkspaceSymbolParams) -> List[T.SymbolInformation]:
        out = []
        for occ in queries.symbols(ls.index, params.query):
            value = queries.value_text(ls.index, occ.key())
            out.append(T.SymbolInformation(
                name=occ.name, kind=T.SymbolKind.Variable, location=ls.location(occ.path, occ.name_range),
                container_name="{} = {}".format(occ.manager, value) if value is not None else occ.manager))
        return out
