"""The server's own file watcher, for clients that cannot watch files for it.

Neovim on Linux offers no dynamic registration of `workspace/didChangeWatchedFiles`, so
nothing would tell the server about a `git checkout`. Then the server watches the folders
its scan walks (watchfiles, one non-recursive watch per folder: a link out of the
workspace is never followed, and the number of watches is bounded), and restarts the watch
when folders come or go. It stops on `shutdown`.
"""
import asyncio
import logging
import os
from typing import Iterable, List, Optional, Set, Tuple

from lsprotocol import types as T

from hpman.index.files import folders_to_watch

from .host import Host

log = logging.getLogger("hpman_lsp")

MAX_FOLDERS = 20000
DEBOUNCE_MS = 100
KINDS = {1: T.FileChangeType.Created, 2: T.FileChangeType.Changed, 3: T.FileChangeType.Deleted}
WATCHED_SUFFIXES = (".py", ".ipynb", ".yaml", ".yml")


class DiskWatcher:
    def __init__(self, ls: Host) -> None:
        self.ls = ls
        self._stop: Optional[asyncio.Event] = None
        self._task: Optional[asyncio.Future] = None
        self.folders: List[str] = []
        self.batches = 0     # event batches handled (for tests and logs)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            log.warning("watchfiles is not installed: files changed on disk go unseen "
                        "(pip install 'hpman[lsp]')")
            return
        if self.running:
            return
        self.folders = folders_to_watch(self.ls.roots(), self.ls.indexer.exclude(), MAX_FOLDERS)
        if not self.folders:
            return
        if len(self.folders) >= MAX_FOLDERS:
            log.warning("watching the first %d folders only", MAX_FOLDERS)
        self._stop = asyncio.Event()
        self._task = asyncio.ensure_future(self._run(self._stop, list(self.folders)))

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._stop = None

    def restart(self) -> None:
        if self._stop is None:
            return
        self.stop()
        self._task = None
        self.start()

    async def _run(self, stop: asyncio.Event, folders: List[str]) -> None:
        import watchfiles
        watching = set(folders)
        try:
            async for changes in watchfiles.awatch(*folders, stop_event=stop, recursive=False,
                                                   debounce=DEBOUNCE_MS, step=20, watch_filter=None,
                                                   ignore_permission_denied=True):
                events, folders_moved = self._events(changes, watching)
                if events:
                    self.ls.documents.files_changed(events)
                self.batches += 1
                log.info("watched: %d changes", len(events))
                if folders_moved:
                    self.ls.loop().call_soon(self.restart)
                    return
        except Exception as exc:
            self.ls.log_error("watching files", exc)

    def _events(self, changes: Iterable[Tuple[int, str]], watching: Set[str]):
        events = []
        moved = False
        for change, path in sorted(changes, key=lambda c: c[1]):
            kind = KINDS.get(int(change))
            if kind is None:
                continue
            if path in watching or (kind == T.FileChangeType.Created and os.path.isdir(path)):
                moved = True     # a folder came or went: watch the new set
            if path in watching and kind == T.FileChangeType.Deleted:
                events.append((os.path.abspath(path), kind))
            elif path.endswith(WATCHED_SUFFIXES):
                events.append((os.path.abspath(path), kind))
        return events, moved
