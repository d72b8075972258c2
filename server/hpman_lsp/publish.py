"""Publishing diagnostics: the edited documents at once, the other affected files in batches.

A burst of edits that affects many files publishes each of them once, with its latest
problems, while the next keystroke or request is read in between. Notebooks get their
diagnostics per cell (notebook_sync.py routes them).
"""
from typing import Callable, Iterable, List, Optional, Set

from lsprotocol import types as T

from hpman.index.editor import being_typed, visible_problems
from hpman.index.problems import problems_of
from hpman.index.workspace import Key

from .diagnostics import to_diagnostic
from .host import Host

TREE_CHANGED = "hpman/treeChanged"
BATCH = 25


class Publisher:
    def __init__(self, ls: Host) -> None:
        self.ls = ls
        self.published: Set[str] = set()     # paths whose last published diagnostics were not empty
        self.pending: Set[str] = set()
        self._scheduled = False
        # where a publication goes (the notebook layer splits a notebook's per cell)
        self.send: Callable[[T.PublishDiagnosticsParams], None] = ls.text_document_publish_diagnostics

    def typed(self, path: str) -> Set[Key]:
        """The names still being typed in `path` (hidden until the cursor leaves them)."""
        return being_typed(self.ls.index, path, self.ls.documents.cursor.get(path))

    def diagnostics_of(self, path: str) -> List[T.Diagnostic]:
        problems = visible_problems(problems_of(self.ls.index, path), self.typed(path))
        return [to_diagnostic(self.ls, p) for p in problems]

    def after_change(self, affected: Set[str], first: Iterable[str] = (), tree: bool = True,
                     defer: bool = True) -> None:
        """Publish the diagnostics of the affected files and tell the client the tree changed.

        The files in `first` (the documents just edited) are published at once; with `defer`,
        the other affected files are published in batches from the event loop."""
        first = [p for p in first if p in affected]
        if defer:
            self.pending |= set(affected) - set(first)
            self.pending -= set(first)
            self.publish(first, first)
            self._schedule()
        else:
            self.pending -= set(affected)
            self.publish(affected, first)
        if tree:
            self.ls.protocol.notify(TREE_CHANGED, None)

    def _schedule(self) -> None:
        if self.pending and not self._scheduled:
            self._scheduled = True
            self.ls.loop().call_soon(self._publish_some)

    def _publish_some(self) -> None:
        self._scheduled = False
        try:
            self.ls.documents.flush()     # edits that arrived meanwhile first: their files are published now
            paths = sorted(self.pending)[:BATCH]
            self.pending.difference_update(paths)
            self.publish(paths)
        except Exception as exc:
            self.ls.log_error("publishing diagnostics", exc)
        self._schedule()

    def publish(self, paths: Iterable[str], first: Iterable[str] = ()) -> None:
        """Publish the diagnostics of `paths` (the ones in `first` before the others).

        A file with no problems is published only to clear what was shown before,
        or when it is open (so the editor knows it is clean)."""
        paths = set(paths)
        first = [p for p in first if p in paths]
        docs = self.ls.documents
        for path in first + sorted(paths - set(first)):
            diagnostics = self.diagnostics_of(path)
            if not diagnostics and path not in self.published and path not in docs.open:
                continue
            if diagnostics:
                self.published.add(path)
            else:
                self.published.discard(path)
            version: Optional[int] = docs.version(path) if path in docs.open else None
            self.send(T.PublishDiagnosticsParams(uri=self.ls.uri_of(path), diagnostics=diagnostics, version=version))
