"""Open documents, the edits not yet given to the index, and files changed on disk.

Edits are applied to the index lazily: a burst of keystrokes is one `set_text` when the
event loop gets to it (or when a request needs the index first). Where the last edit of a
document ended is kept, so that a name still being typed there is not yet taken for a new
hyperparameter (hpman.index.editor.being_typed).
"""
from typing import Dict, Iterable, List, Optional, Set, Tuple

from lsprotocol import types as T

from hpman.index.chunks import common_prefix, common_suffix
from hpman.index.editor import being_typed
from hpman.index.ipynb import is_notebook
from hpman.index.model import FileFacts
from hpman.index.positions import from_encoding
from hpman.index.workspace import Key, Workspace

from .host import Host
from .indexing import VERIFY_DEBOUNCE


def normalise(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _line_of(text: str, line: int) -> str:
    at = 0
    for _ in range(line):
        at = text.find("\n", at) + 1
        if at == 0:
            return ""
    end = text.find("\n", at)
    return text[at:] if end < 0 else text[at:end]


def _facts_changed(before: Optional[FileFacts], after: Optional[FileFacts]) -> bool:
    if before is None or after is None:
        return before is not after
    return before.occurrences != after.occurrences or before.issues != after.issues


def changed_span_end(old: str, new: str) -> Optional[Tuple[int, int]]:
    """Where an edit from `old` to `new` ends in `new`, as (line, character column): the end
    of what differs once the common start and end are set aside (None when equal). A client
    that sends the whole text on every change tells no position, so it is found here."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    start = common_prefix(old, new, limit)
    end = common_suffix(old, new, limit - start)
    offset = len(new) - end
    line = new.count("\n", 0, offset)
    return line, offset - (new.rfind("\n", 0, offset) + 1)


class Documents:
    """The documents the editor has open (path -> URI) and their unapplied edits."""

    def __init__(self, ls: Host) -> None:
        self.ls = ls
        self.open: Dict[str, str] = {}
        self.dirty: Set[str] = set()
        self.cursor: Dict[str, Tuple[int, int]] = {}   # path -> where its last edit ended (characters)
        self.full_text: Set[str] = set()   # edited by whole-text changes since the last flush
        self.typed: Dict[str, Set[Key]] = {}   # path -> the names held back as being typed, as last shown
        self._flush_pending = False

    def text(self, path: str) -> Optional[str]:
        uri = self.open.get(path)
        return self._source(uri) if uri is not None else None

    def _source(self, uri: str) -> str:
        """The text of an open document, with "\n" line ends as the index reads files."""
        return normalise(self.ls.workspace.get_text_document(uri).source)

    def version(self, path: str) -> Optional[int]:
        uri = self.open.get(path)
        return self.ls.workspace.get_text_document(uri).version if uri is not None else None

    # -- notifications ---------------------------------------------------------------------
    def opened(self, params: T.DidOpenTextDocumentParams) -> None:
        path = self.ls.path_of(params.text_document.uri)
        if path is not None:
            self.open[path] = params.text_document.uri
            self.cursor.pop(path, None)
            self.mark(path)

    def changed(self, params: T.DidChangeTextDocumentParams) -> None:
        path = self.ls.path_of(params.text_document.uri)
        if path is None or path not in self.open:
            return
        last = params.content_changes[-1] if params.content_changes else None
        self._cursor_moved_to(path)
        if isinstance(last, T.TextDocumentContentChangePartial):
            self.cursor[path] = self._end_of(path, last)
        elif last is not None:
            self.cursor.pop(path, None)     # found against the index's text when flushed
            self.full_text.add(path)
        self.mark(path)

    def _end_of(self, path: str, change: T.TextDocumentContentChangePartial) -> Tuple[int, int]:
        """Where a partial change ends in the new text, in character columns."""
        start = change.range.start
        inserted = change.text.split("\n")
        line = start.line + len(inserted) - 1
        col = 0
        if len(inserted) == 1:
            text = self.text(path) or ""
            col = start.character
            if not text.isascii() and self.ls.positions.encoding != "utf-32":
                col = from_encoding(_line_of(text, start.line), start.character, self.ls.positions.encoding)
        return line, col + len(inserted[-1])

    def _cursor_moved_to(self, path: str) -> None:
        """An edit in one document ends the typing in every other: their names count now."""
        left = [p for p in self.cursor if p != path]
        for other in left:
            del self.cursor[other]
        if left and self.ls.is_ready():
            self.ls.publisher.after_change(set(left))

    def saved(self, path: Optional[str]) -> None:
        """A save ends the typing of a name: it is what the user meant."""
        if path is not None and self.cursor.pop(path, None) is not None:
            self.ls.publisher.after_change({path})

    def closed(self, params: T.DidCloseTextDocumentParams) -> None:
        ls = self.ls
        path = ls.path_of(params.text_document.uri)
        if path is None or self.open.pop(path, None) is None:
            return
        self.dirty.discard(path)
        self.cursor.pop(path, None)
        ls.positions.forget(path)
        if not ls.is_ready():
            return
        if path == ls.indexer.values_path:
            affected = ls.index.set_values_file(path)
        else:
            affected = ls.index.reload(path)   # back to the disk's text (or out of the index)
        ls.publisher.after_change(affected | {path})

    # -- applying ----------------------------------------------------------------------------
    def mark(self, path: str) -> None:
        self.dirty.add(path)
        if not self._flush_pending:
            self._flush_pending = True
            self.ls.loop().call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_pending = False
        try:
            self.flush()
        except Exception as exc:
            self.ls.log_error("applying edits", exc)

    def flush(self) -> None:
        """Give the index the text of every document edited since the last flush."""
        ls = self.ls
        if not self.dirty or not ls.is_ready():
            return
        paths, self.dirty = self.dirty, set()
        affected: Set[str] = set()
        changed = False
        for path in sorted(paths):
            uri = self.open.get(path)
            if uri is None or is_notebook(path):
                continue
            try:
                text = self._source(uri)
                if path == ls.indexer.values_path:
                    affected |= ls.index.set_values_file(path, text)
                    changed = True
                    continue
                if not ls.index.owns(path):
                    continue
                before = ls.index.facts_of(path)
                if path in self.full_text:
                    self.full_text.discard(path)
                    old = ls.index.kept_text(path)
                    end = changed_span_end(old, text) if old is not None else None
                    if end is not None:
                        self.cursor[path] = end
                affected |= ls.index.set_text(path, text)
                changed |= _facts_changed(before, ls.index.facts_of(path))
                changed |= self._typed_changed(path)
            except Exception as exc:   # one document the index chokes on must not stall the others
                ls.log_error("indexing {}".format(path), exc)
        ls.publisher.after_change(affected, first=paths, tree=changed)
        ls.indexer.schedule_verify(VERIFY_DEBOUNCE)   # an edited module is checked whole once typing pauses

    def _typed_changed(self, path: str) -> bool:
        """Whether the names held back as being typed in `path` changed (the tree must then
        be asked again even when the calls did not change: `_('bat` is finished by an Enter)."""
        now = being_typed(self.ls.index, path, self.cursor.get(path))
        if now == self.typed.get(path, set()):
            return False
        if now:
            self.typed[path] = now
        else:
            self.typed.pop(path, None)
        return True

    def give_all(self, ws: Workspace, values_path: Optional[str]) -> None:
        """Put every open document's text into a fresh index."""
        for path, uri in list(self.open.items()):
            if path != values_path and not is_notebook(path) and ws.owns(path):
                ws.set_text(path, self._source(uri))
        self.dirty.clear()

    # -- disk ---------------------------------------------------------------------------------
    def files_changed(self, changes: Iterable[Tuple[str, T.FileChangeType]]) -> None:
        """Files created, changed or deleted on disk (from the client's or our own watcher)."""
        ls = self.ls
        if not ls.is_ready():
            return
        self.flush()
        affected: Set[str] = set()
        ws = ls.index
        for path, kind in changes:
            if path in self.open:
                continue   # the editor's text wins over the disk while a document is open
            if path == ls.indexer.values_path:
                affected |= ws.set_values_file(path)
            elif kind == T.FileChangeType.Deleted:
                affected |= ws.remove(path)
                for other in ws.paths_under(path):   # a deleted folder takes its files along
                    affected |= ws.remove(other)
            elif ws.is_indexed(path) or ws.owns(path):
                affected |= ws.reload(path)
        if affected:
            ls.publisher.after_change(affected)

    def events_of(self, params: T.DidChangeWatchedFilesParams) -> List[Tuple[str, T.FileChangeType]]:
        out: List[Tuple[str, T.FileChangeType]] = []
        for change in params.changes:
            path = self.ls.path_of(change.uri)
            if path is not None:
                out.append((path, change.type))
        return out
