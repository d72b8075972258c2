"""The server's own file watcher, for clients that cannot watch files for it.

Neovim on Linux offers no dynamic registration of `workspace/didChangeWatchedFiles`, so
nothing would tell the server about a `git checkout`. Then the server watches the folders
its scan walks, with watchfiles' Rust watcher (one non-recursive watch per folder: a link
out of the workspace is never followed, and the number of watches is bounded), from a
daemon thread; the watches are in place before the first scan starts, so no change after
it goes unseen (changes seen before the index is ready wait for it). New or removed
folders restart the watch. It stops on `shutdown`.
"""
import asyncio
import logging
import os
import threading
from typing import TYPE_CHECKING, Iterable, List, Optional, Set, Tuple

from lsprotocol import types as T

from hpman.index.files import folders_to_watch

from .host import Host

if TYPE_CHECKING:   # an optional dependency: imported when the watch starts
    from watchfiles._rust_notify import RustNotify

log = logging.getLogger("hpman_lsp")

MAX_FOLDERS = 20000
DEBOUNCE_MS = 100
KINDS = {1: T.FileChangeType.Created, 2: T.FileChangeType.Changed, 3: T.FileChangeType.Deleted}
WATCHED_SUFFIXES = (".py", ".ipynb", ".yaml", ".yml")
Event = Tuple[str, T.FileChangeType]


class DiskWatcher:
    def __init__(self, ls: Host) -> None:
        self.ls = ls
        self.folders: List[str] = []
        self._stop: Optional[threading.Event] = None
        self._held: List[Event] = []       # seen before the index was ready

    @property
    def running(self) -> bool:
        return self._stop is not None

    def start(self) -> bool:
        """Watch the folders of the workspace; False when watchfiles is missing or there is
        nothing to watch."""
        if self.running:
            return True
        try:
            from watchfiles._rust_notify import RustNotify
        except ImportError:
            log.warning("watchfiles is not installed: files changed on disk go unseen (pip install 'hpman[lsp]')")
            return False
        self.folders = folders_to_watch(self.ls.roots(), self.ls.indexer.exclude(), MAX_FOLDERS)
        if not self.folders:
            return False
        if len(self.folders) >= MAX_FOLDERS:
            log.warning("watching the first %d folders only", MAX_FOLDERS)
        try:
            notify = RustNotify(list(self.folders), False, False, 300, False, True)
        except Exception as exc:
            self.ls.log_error("watching files", exc)
            return False
        self._stop = stop = threading.Event()
        loop = self.ls.loop()
        threading.Thread(target=self._watch, args=(notify, stop, loop, set(self.folders)),
                         name="hpman-watch", daemon=True).start()
        self.ls.log_info("watching {} folders for changes on disk".format(len(self.folders)))
        return True

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._stop = None

    def restart(self) -> None:
        if self.running:
            self.stop()
            self.start()

    def _watch(self, notify: "RustNotify", stop: threading.Event, loop: asyncio.AbstractEventLoop,
               watching: Set[str]) -> None:
        """The watching thread: hand each debounced batch to the event loop."""
        try:
            while not stop.is_set():
                raw = notify.watch(DEBOUNCE_MS, 20, 500, stop)
                if raw == "stop":
                    break
                if isinstance(raw, set) and raw:
                    events, moved = _events(raw, watching)
                    loop.call_soon_threadsafe(self._deliver, events, moved, stop)
        except Exception as exc:   # the loop is closed, or the watch broke
            log.error("watching files failed: %s", exc)
        finally:
            notify.close()

    def _deliver(self, events: List[Event], moved: bool, stop: threading.Event) -> None:
        if stop.is_set():
            return
        if not self.ls.is_ready():
            self._held.extend(events)
            return
        events, self._held = self._held + events, []
        if events:
            self.ls.documents.files_changed(events)
        if moved:
            self.restart()

    def ready(self) -> None:
        """The index is ready: apply what was seen while it was built."""
        if self._held and self._stop is not None:
            self._deliver([], False, self._stop)


def _events(changes: Iterable[Tuple[int, str]], watching: Set[str]) -> Tuple[List[Event], bool]:
    """(file events, whether a folder came or went) from a batch of raw changes."""
    events: List[Event] = []
    moved = False
    for change, path in sorted(changes, key=lambda c: c[1]):
        kind = KINDS.get(int(change))
        if kind is None:
            continue
        folder_event = path in watching or (kind == T.FileChangeType.Created and os.path.isdir(path))
        moved = moved or folder_event
        if path.endswith(WATCHED_SUFFIXES) or (folder_event and kind == T.FileChangeType.Deleted):
            events.append((os.path.abspath(path), kind))
    return events, moved
