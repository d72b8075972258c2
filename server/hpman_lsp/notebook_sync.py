"""Notebook document sync: hover, definition, references, highlights, diagnostics and quick
fixes inside notebook cells (LSP 3.17 `notebookDocument/*`).

The index holds a notebook as one virtual module (hpman.index.ipynb: the
code cells one after another, each after a marker line), under the notebook's
path. This module keeps, per open notebook, the cell URIs and the map between
cell lines and virtual lines, and translates at the edges:

* requests from a cell (in `around`, which the server's request wrapper calls for every
  request): the cell URI becomes the notebook's URI and lines shift to the virtual
  module, for the feature handlers, which know nothing of notebooks;
* answers: locations, highlights, hover ranges and workspace edits that fall in
  an open notebook go back to (cell URI, cell line);
* diagnostics published for a notebook are split per cell.

A notebook that is not open in the editor has no cell URIs: locations point at
the notebook file, diagnostics name the cell in their message, and quick fixes
that would edit it are not offered (its file is JSON, not the virtual text).
"""
import json
import re
from typing import Callable, Dict, List, Optional, Set, Tuple

import attrs
from lsprotocol import types as T
from pygls.exceptions import JsonRpcInvalidRequest

from hpman.index.ipynb import Cell, NotebookSource, cell_of_line, from_cells, is_notebook

from .host import Host
from .protocol import Plain

SYNC_OPTIONS = T.NotebookDocumentSyncOptions(notebook_selector=[
    T.NotebookDocumentFilterWithCells(cells=[T.NotebookCellLanguage(language="python")], notebook="jupyter-notebook")])

class OpenNotebook:
    """What the editor has open: the notebook URI, its cells and the virtual module map."""

    def __init__(self, uri: str, path: str) -> None:
        self.uri = uri
        self.path = path
        self.cell_uris: List[str] = []      # every cell, in order (index as in the virtual module)
        self.source = NotebookSource("", [])
        self.cells_json = '{"cells": []}'  # the cells as the index reads a notebook file
        self.published: Set[str] = set()    # cell URIs with diagnostics shown

    def cell_of_uri(self, uri: str) -> Optional[Cell]:
        try:
            index = self.cell_uris.index(uri)
        except ValueError:
            return None
        return self.source.cell(index)


class Notebooks:
    def __init__(self, ls: Host) -> None:
        self.ls = ls
        self.by_path: Dict[str, OpenNotebook] = {}
        self.by_cell: Dict[str, OpenNotebook] = {}
        self.dirty: Set[str] = set()
        self.relocated: Set[str] = set()   # opened notebooks: other files' related locations move to cells
        self._scheduled = False
        # where diagnostics go once split per cell (the publisher's own sending; see register)
        self._original_publish: Callable[[T.PublishDiagnosticsParams], None] = ls.publisher.send

    # -- sync --------------------------------------------------------------------------
    def opened_or_changed(self, uri: str) -> None:
        ls = self.ls
        path = ls.path_of(uri)
        doc = ls.workspace.get_notebook_document(notebook_uri=uri)
        if path is None or doc is None:
            return
        cells = [self._cell(cell) for cell in doc.cells]   # first: a cell that cannot be read changes nothing
        state = self.by_path.get(path)
        if state is None:
            state = self.by_path[path] = OpenNotebook(uri, path)
            self.relocated.add(path)
        for cell_uri in state.cell_uris:
            self.by_cell.pop(cell_uri, None)
        state.cell_uris = [cell.document for cell in doc.cells]
        for cell_uri in state.cell_uris:
            self.by_cell[cell_uri] = state
        state.source = from_cells([(kind, text, None) for kind, text in cells])
        state.cells_json = json.dumps({"cells": [{"cell_type": k, "source": t} for k, t in cells]})
        ls.documents.open[path] = uri   # the editor's text wins over the disk (see sync.Documents.files_changed)
        self.dirty.add(path)
        self.schedule()

    def _cell(self, cell: T.NotebookCell) -> Tuple[str, str]:
        """(kind, text) of a cell as the index reads it: "code" for a Python code cell."""
        text_doc = self.ls.workspace.get_text_document(cell.document)
        language = getattr(text_doc, "language_id", None) or "python"
        code = cell.kind == T.NotebookCellKind.Code and language == "python"
        return ("code" if code else "markdown", _normalise(text_doc.source))

    def closed(self, uri: str) -> None:
        ls = self.ls
        path = ls.path_of(uri)
        state = self.by_path.pop(path, None) if path is not None else None
        if path is None or state is None:
            return
        for cell_uri in state.cell_uris:
            self.by_cell.pop(cell_uri, None)
        for cell_uri in sorted(state.published):
            self._publish_raw(cell_uri, [])
        self.dirty.discard(path)
        if ls.documents.open.get(path) == uri:
            del ls.documents.open[path]
        if ls.is_ready():
            ls.publisher.after_change(ls.index.reload(path) | {path} | set(ls.publisher.published))

    def schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            self.ls.loop().call_soon(self._run_scheduled)

    def _run_scheduled(self) -> None:
        self._scheduled = False
        try:
            self.flush()
        except Exception as exc:
            self.ls.log_error("notebook sync", exc)
        if self.dirty:   # the first index is not ready yet
            self.ls.spawn(self._after_ready())

    async def _after_ready(self) -> None:
        if self.ls.indexer.ready is not None:
            await self.ls.indexer.ready.wait()
        self.flush()

    def flush(self) -> None:
        ls = self.ls
        if not self.dirty or not ls.is_ready():
            return
        paths, self.dirty = self.dirty, set()
        affected: Set[str] = set(ls.publisher.published) if self.relocated & paths else set()
        self.relocated -= paths
        for path in sorted(paths):
            state = self.by_path.get(path)
            if state is not None:
                affected |= ls.index.set_text(path, state.cells_json)
        ls.publisher.after_change(affected | paths, first=sorted(paths))

    def give_all(self) -> None:
        """A fresh index reads notebooks from disk: give it the open notebooks' cells."""
        for path, state in self.by_path.items():
            self.ls.index.set_text(path, state.cells_json)
            self.dirty.discard(path)

    # -- positions ---------------------------------------------------------------------------
    def to_cell(self, path: Optional[str], rng: T.Range) -> Optional[Tuple[str, T.Range]]:
        """(cell URI, range in the cell) for a range of an open notebook's virtual module."""
        state = self.by_path.get(path) if path is not None else None
        if state is None:
            return None
        cell = state.source.cell_at(rng.start.line)
        if cell is None:
            return None
        last = cell.start + cell.count - 1
        end = rng.end if rng.end.line <= last else T.Position(last, 10 ** 6)
        return state.cell_uris[cell.index], T.Range(T.Position(rng.start.line - cell.start, rng.start.character),
                                                    T.Position(end.line - cell.start, end.character))

    def closed_notebook(self, path: Optional[str]) -> bool:
        return path is not None and is_notebook(path) and path not in self.by_path

    def where_closed(self, path: str, line: int) -> str:
        found = cell_of_line(self.ls.index.text_of(path) or "", line + 1)
        return "cell {}, line {}".format(*found) if found else "line {}".format(line + 1)

    def location(self, loc: T.Location) -> T.Location:
        path = self.ls.path_of(loc.uri)
        mapped = self.to_cell(path, loc.range)
        if mapped is not None:
            return T.Location(mapped[0], mapped[1])
        if self.closed_notebook(path):
            return T.Location(loc.uri, T.Range(T.Position(0, 0), T.Position(0, 0)))
        return loc

    def _any_notebook(self) -> bool:
        return bool(self.by_path) or self.ls.index.has_notebooks()

    def _plain(self, value: object) -> object:
        if isinstance(value, list):
            return [self._plain(v) for v in value]
        if not isinstance(value, dict):
            return value
        rng = value.get("range")
        uri = value.get("uri")
        if len(value) == 2 and isinstance(uri, str) and isinstance(rng, dict) and is_notebook(uri):
            loc = self.location(T.Location(value["uri"], T.Range(
                T.Position(rng["start"]["line"], rng["start"]["character"]),
                T.Position(rng["end"]["line"], rng["end"]["character"]))))
            r = loc.range
            return {"uri": loc.uri, "range": {"start": {"line": r.start.line, "character": r.start.character},
                                              "end": {"line": r.end.line, "character": r.end.character}}}
        return {k: self._plain(v) for k, v in value.items()}

    def edit(self, edit: Optional[T.WorkspaceEdit]) -> Optional[T.WorkspaceEdit]:
        """A workspace edit with notebook ranges moved to their cells; None when it would
        edit a notebook that is not open (its file is JSON)."""
        if edit is None or not edit.changes:
            return edit
        changes: Dict[str, List[T.TextEdit]] = {}
        for uri, edits in edit.changes.items():
            path = self.ls.path_of(uri)
            if path is not None and path in self.by_path:
                for e in edits:
                    mapped = self.to_cell(path, e.range)
                    if mapped is None:
                        return None
                    changes.setdefault(mapped[0], []).append(T.TextEdit(mapped[1], e.new_text))
            elif self.closed_notebook(path):
                return None
            else:
                changes.setdefault(uri, []).extend(edits)
        return attrs.evolve(edit, changes=changes)

    # -- requests ---------------------------------------------------------------------------
    def around(self, handler: Callable[[object], object], params: object, empty: object) -> object:
        """Run a request handler: from a cell, with the params moved to its notebook's virtual
        module; whatever it answers, with locations in open notebooks moved to their cells."""
        document = getattr(params, "text_document", None)   # every request at a document has one
        uri = document.uri if isinstance(document, T.TextDocumentIdentifier) else None
        state = self.by_cell.get(uri) if uri is not None else None
        cell = None
        if state is not None and isinstance(document, T.TextDocumentIdentifier):
            self.flush()
            cell = state.cell_of_uri(document.uri)
            if cell is None:
                return empty
            params = _shift_params(params, document, state.uri, cell.start)
        result = handler(params)   # a JsonRpcException (e.g. an invalid new name) goes to the client
        if state is None and not self._any_notebook():
            return result
        try:
            answer = self.answer(result, uri if state is not None else None, cell)
        except Exception as exc:
            self.ls.log_error("notebook answer", exc)
            return empty
        if answer is None and isinstance(result, T.WorkspaceEdit):
            raise JsonRpcInvalidRequest("a notebook that holds this hyperparameter is not open: "
                                        "open it to rename there too")
        return answer

    def answer(self, result: object, cell_uri: Optional[str], cell: Optional[Cell]) -> object:
        if result is None:
            return None
        if isinstance(result, Plain):   # plain JSON (references, the tree): its {uri, range} locations
            return Plain(self._plain(result.value)) if self._any_notebook() else result
        if isinstance(result, list):
            out = [self.answer(item, cell_uri, cell) for item in result]
            return [item for item in out if item is not None]
        if isinstance(result, T.Location):
            return self.location(result)
        if isinstance(result, T.Hover):
            result = self._hover_links(result)
            if cell is not None and result.range is not None:
                return attrs.evolve(result, range=_in_cell(result.range, cell))
            return result
        if isinstance(result, T.DocumentHighlight):
            if cell is None:
                return result
            rng = _in_cell(result.range, cell)
            return attrs.evolve(result, range=rng) if rng is not None else None
        if isinstance(result, T.WorkspaceEdit):
            return self.edit(result)
        if isinstance(result, T.SymbolInformation):
            return attrs.evolve(result, location=self.location(result.location))
        if cell is not None:
            if isinstance(result, T.CompletionList):
                return attrs.evolve(result, items=[_item_in_cell(i, cell) for i in result.items])
            if isinstance(result, T.CompletionItem):
                return _item_in_cell(result, cell)
            if isinstance(result, T.PrepareRenamePlaceholder):
                rng = _in_cell(result.range, cell)
                return attrs.evolve(result, range=rng) if rng is not None else None
            if isinstance(result, T.CodeLens):
                rng = _in_cell(result.range, cell)
                return attrs.evolve(result, range=rng) if rng is not None else None
            if isinstance(result, T.InlayHint):
                pos = result.position
                if not cell.start <= pos.line < cell.start + cell.count:
                    return None
                return attrs.evolve(result, position=T.Position(pos.line - cell.start, pos.character))
        if isinstance(result, T.CodeAction):
            if result.edit is None:
                return result
            edit = self.edit(result.edit)
            return attrs.evolve(result, edit=edit) if edit is not None else None
        return result

    def _hover_links(self, hover: T.Hover) -> T.Hover:
        """`[nb.ipynb:7](uri#L7)` (a virtual line) → `[nb.ipynb, cell 3:2](cell uri)`."""
        contents = hover.contents
        if not isinstance(contents, T.MarkupContent) or ".ipynb:" not in contents.value:
            return hover

        def link(m: "re.Match[str]") -> str:
            label, line, target = m.group(1), int(m.group(2)), m.group(3)
            path = self.ls.path_of(target)
            text = self.ls.index.text_of(path) if path is not None else None
            found = cell_of_line(text, line) if text is not None else None
            if found is None:
                return m.group(0)
            mapped = self.to_cell(path, T.Range(T.Position(line - 1, 0), T.Position(line - 1, 0)))
            return "[{}, cell {}:{}]({})".format(label, found[0], found[1], mapped[0] if mapped else target)

        value = _HOVER_LINK.sub(link, contents.value)
        return attrs.evolve(hover, contents=T.MarkupContent(contents.kind, value))

    # -- diagnostics ---------------------------------------------------------------------------
    def _publish_raw(self, uri: str, diagnostics: List[T.Diagnostic], version: Optional[int] = None) -> None:
        self._original_publish(T.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def publish(self, params: T.PublishDiagnosticsParams) -> None:
        diagnostics = [self._related(d) for d in params.diagnostics]
        path = self.ls.path_of(params.uri)
        state = self.by_path.get(path) if path is not None else None
        if state is not None:
            per_cell: Dict[str, List[T.Diagnostic]] = {}
            for d in diagnostics:
                mapped = self.to_cell(path, d.range)
                if mapped is None:   # a marker line: the cell that follows it
                    cell = state.source.cell_at(d.range.start.line + 1)
                    if cell is None:
                        continue
                    mapped = (state.cell_uris[cell.index], T.Range(T.Position(0, 0), T.Position(0, 0)))
                per_cell.setdefault(mapped[0], []).append(attrs.evolve(d, range=mapped[1]))
            targets = [state.cell_uris[c.index] for c in state.source.cells]
            for cell_uri in sorted(set(targets) | state.published):
                found = per_cell.get(cell_uri, [])
                if not found and cell_uri not in state.published and cell_uri not in per_cell:
                    continue
                self._publish_raw(cell_uri, found)
                if found:
                    state.published.add(cell_uri)
                else:
                    state.published.discard(cell_uri)
            return
        if path is not None and self.closed_notebook(path):
            diagnostics = [attrs.evolve(d, range=T.Range(T.Position(0, 0), T.Position(0, 0)),
                                        message="{}: {}".format(self.where_closed(path, d.range.start.line), d.message))
                           for d in diagnostics]
        self._original_publish(attrs.evolve(params, diagnostics=diagnostics))

    def _related(self, d: T.Diagnostic) -> T.Diagnostic:
        if not d.related_information:
            return d
        return attrs.evolve(d, related_information=[
            attrs.evolve(r, location=self.location(r.location)) for r in d.related_information])


_HOVER_LINK = re.compile(r"\[([^\]\n]*?\.ipynb):(\d+)\]\(([^)\s#]+)#L\d+\)")


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _shift(pos: T.Position, lines: int) -> T.Position:
    return T.Position(pos.line + lines, pos.character)


def _shift_params(params: object, document: T.TextDocumentIdentifier, notebook_uri: str, lines: int) -> object:
    """A request's params (attrs, at `document`) with the document and its position or range
    moved `lines` down into the notebook's virtual module."""
    changes: Dict[str, object] = {"text_document": attrs.evolve(document, uri=notebook_uri)}
    position = getattr(params, "position", None)
    if isinstance(position, T.Position):
        changes["position"] = _shift(position, lines)
    rng = getattr(params, "range", None)
    if isinstance(rng, T.Range):
        changes["range"] = T.Range(_shift(rng.start, lines), _shift(rng.end, lines))
    return attrs.evolve(params, **changes)   # type: ignore[misc]  # lsprotocol's params at a document are attrs


def _item_in_cell(item: T.CompletionItem, cell: Cell) -> T.CompletionItem:
    """A completion with its edit's range moved into `cell` (no edit when it falls outside)."""
    if not isinstance(item.text_edit, T.TextEdit):
        return item
    rng = _in_cell(item.text_edit.range, cell)
    return attrs.evolve(item, text_edit=T.TextEdit(rng, item.text_edit.new_text) if rng else None)


def _in_cell(rng: T.Range, cell: Cell) -> Optional[T.Range]:
    """A range of the virtual module as a range of `cell`, None when outside it."""
    if not cell.start <= rng.start.line < cell.start + cell.count:
        return None
    end_line = min(rng.end.line, cell.start + cell.count - 1)
    return T.Range(T.Position(rng.start.line - cell.start, rng.start.character),
                   T.Position(end_line - cell.start, rng.end.character))


def register(ls: Host) -> None:
    """Notebook sync handlers and per-cell diagnostics (requests are translated by
    `Notebooks.around`, which the server's request wrapper calls)."""
    notebooks = ls.notebooks   # the server advertises SYNC_OPTIONS
    notebooks._original_publish = ls.publisher.send
    ls.publisher.send = notebooks.publish
    ls.indexer.after_index.append(notebooks.give_all)

    @ls.notification(T.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open(params: T.DidOpenNotebookDocumentParams) -> None:
        notebooks.opened_or_changed(params.notebook_document.uri)

    @ls.notification(T.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(params: T.DidChangeNotebookDocumentParams) -> None:
        notebooks.opened_or_changed(params.notebook_document.uri)

    @ls.notification(T.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save(params: T.DidSaveNotebookDocumentParams) -> None:
        return None   # the open notebook's cells are already indexed

    @ls.notification(T.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(params: T.DidCloseNotebookDocumentParams) -> None:
        notebooks.closed(params.notebook_document.uri)
