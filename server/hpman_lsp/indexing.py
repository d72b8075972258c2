"""The full index: the first one at `initialized` and one after each change of folders or
settings, scanned in a thread with work-done progress, then swapped in whole."""
import asyncio
import functools
import gc
import os
from typing import Callable, Dict, List, Optional

from lsprotocol import types as T
from pygls import uris

from hpman.index.workspace import Workspace
from hpman.records import values_path_for

from . import settings as settings_mod
from .host import Host

PROGRESS_TIMEOUT = 10.0
VERIFY_BATCH = 8        # whole-module syntax checks per turn of the event loop (~2 ms per 1,000 lines each)
VERIFY_DEBOUNCE = 1.0   # seconds after the last edit before an edited module is checked whole (a 5,000-line
                        # module costs an ast.parse: once per pause in typing, not per keystroke)
WATCHED_GLOBS = ("**/*.py", "**/*.ipynb", "**/*.yaml", "**/*.yml")


def client_watches(ls: Host) -> bool:
    """Whether the client registers file watchers for us (Neovim on Linux does not)."""
    return _watching_capabilities(ls) is not None


def _watching_capabilities(ls: Host) -> Optional[T.DidChangeWatchedFilesClientCapabilities]:
    """The client's file watching capabilities when it registers watchers for us, else None."""
    caps = ls.client_capabilities.workspace
    watched = caps.did_change_watched_files if caps is not None else None
    return watched if watched is not None and watched.dynamic_registration else None


class Indexer:
    def __init__(self, ls: Host) -> None:
        self.ls = ls
        self.ready: Optional[asyncio.Event] = None
        self.initial = settings_mod.Settings()
        self.settings = settings_mod.FolderSettings()
        self.values_path: Optional[str] = None
        self.runs = 0
        self._values_watch: Optional[str] = None   # registration id of the values file's own watcher
        self.after_index: List[Callable[[], None]] = []   # e.g. notebooks: give the fresh index the open cells
        self.before_first: List[Callable[[], object]] = []   # e.g. the own file watcher (before the scan)
        self.after_first: List[Callable[[], object]] = []    # e.g. changes it saw during the scan
        self._verify_handle: Optional[asyncio.Handle] = None
        self._told: Optional[str] = None

    async def start(self) -> None:
        """At `initialized`: settings, file watchers, then the first index (with progress)."""
        try:
            if client_watches(self.ls):
                self.ls.spawn(self._register_watchers())
            self.settings = await self.fetch_settings()
            for hook in self.before_first:
                hook()
            await self.reindex()
        finally:
            self._set_ready()
        for hook in self.after_first:
            hook()
        self.schedule_verify()

    def _set_ready(self) -> None:
        """Requests may go on: the first index is in (or failed)."""
        if self.ready is None:     # `initialize` makes it; a start without one still ends ready
            self.ready = asyncio.Event()
        self.ready.set()

    # -- whole-module syntax verification, after the index and between requests ---------------
    def schedule_verify(self, delay: float = 0.0) -> None:
        """Check pending modules' whole syntax soon: a few per turn of the event loop, so
        that requests and edits read meanwhile are served first; after an edit, once the
        typing pauses (`delay`)."""
        if self._verify_handle is not None:
            self._verify_handle.cancel()
        self._verify_handle = self.ls.loop().call_later(delay, self._verify_some)

    def _verify_some(self) -> None:
        self._verify_handle = None
        ls = self.ls
        if not ls.is_ready() or not ls.index.pending():
            return
        try:
            ls.documents.flush()
            affected = ls.index.verify_pending(max_files=VERIFY_BATCH)
            if affected:
                ls.publisher.after_change(affected, tree=False)
        except Exception as exc:
            ls.log_error("verifying syntax", exc)
            return
        if ls.index.pending():
            self.schedule_verify()

    async def fetch_settings(self) -> settings_mod.FolderSettings:
        return await settings_mod.fetch(self.ls, self.ls.uris.folders, self.initial)

    def exclude(self) -> Dict[str, List[str]]:
        """Exclude globs per root, as the index takes them."""
        return {folder: self.settings.exclude_of(folder) for folder in self.ls.roots()}

    async def reindex(self) -> None:
        """Scan the workspace folders into a fresh index (in a thread), then swap it in."""
        ls = self.ls
        self.runs += 1
        token = "hpman-index-{}".format(self.runs)
        progress = await self._progress_begin(token)
        loop = ls.loop()

        def report(done: int, total: int) -> None:
            if progress:
                loop.call_soon_threadsafe(self._progress_report, token, done, total)

        ws = Workspace(ls.roots(), exclude=self.exclude(), cache=True)
        try:
            await loop.run_in_executor(None, functools.partial(ws.scan, progress=report))
        except Exception as exc:
            ls.log_error("indexing the workspace", exc)
        old = ls.index
        ls.index = ws
        # The index is most of the heap and lives until the next full index: keep the cyclic
        # collector from walking it again and again (its pauses showed in edit latency tails).
        gc.collect()
        gc.freeze()
        self.values_path = values_path_for(self.settings.values_file) if self.settings.values_file else None
        self._tell_refusal(self.settings.values_refused)
        ls.spawn(self._watch_values_file(self.values_path))
        if self.values_path is not None:
            ws.set_values_file(self.values_path, ls.documents.text(self.values_path))
        ls.documents.give_all(ws, self.values_path)
        for hook in self.after_index:
            hook()
        stale = set(old.paths()) | ({old.values_file.path} if old.values_file is not None else set())
        self._set_ready()
        try:
            ls.publisher.after_change(stale | set(ws.paths()) | ({self.values_path} if self.values_path else set()),
                                      defer=False)
        finally:
            if progress:   # the end comes after the diagnostics: a client seeing it has them all
                ls.work_done_progress.end(token, T.WorkDoneProgressEnd(message="{} files".format(len(ws.paths()))))

    def _tell_refusal(self, message: Optional[str]) -> None:
        """Say once why a values file is not read (its path only, never its contents)."""
        if message is None or message == self._told:
            return
        self._told = message
        self.ls.log_info(message)
        self.ls.window_show_message(T.ShowMessageParams(T.MessageType.Warning, message))

    async def apply_settings(self, new: settings_mod.FolderSettings) -> None:
        old_key, self.settings = self.settings.key(), new
        if new.key() != old_key:
            await self.reindex()

    async def _progress_begin(self, token: str) -> bool:
        caps = self.ls.client_capabilities.window
        if caps is None or not caps.work_done_progress:
            return False
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), PROGRESS_TIMEOUT)
        except Exception as exc:
            self.ls.log_error("window/workDoneProgress/create", exc)
            return False
        self.ls.work_done_progress.begin(token, T.WorkDoneProgressBegin(
            title="hpman: indexing hyperparameters", percentage=0, cancellable=False))
        return True

    def _progress_report(self, token: str, done: int, total: int) -> None:
        self.ls.work_done_progress.report(token, T.WorkDoneProgressReport(
            message="{}/{} files".format(done, total), percentage=int(100 * done / total) if total else 100))

    async def _register_watchers(self) -> None:
        watchers = [T.FileSystemWatcher(glob_pattern=g) for g in WATCHED_GLOBS]
        await self.ls.client_register_capability_async(T.RegistrationParams(registrations=[T.Registration(
            id="hpman-watched-files", method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=T.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))

    async def _watch_values_file(self, path: Optional[str]) -> None:
        """A values file outside the workspace folders is not matched by `**/*.yaml`: watch it
        by its own pattern (clients that support relative patterns)."""
        ls = self.ls
        watched = _watching_capabilities(ls)
        if watched is None:
            return
        if self._values_watch is not None:
            registration, self._values_watch = self._values_watch, None
            await ls.client_unregister_capability_async(T.UnregistrationParams(unregisterations=[
                T.Unregistration(id=registration, method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES)]))
        inside = path is not None and any(path.startswith(f.rstrip(os.sep) + os.sep) for f in ls.roots())
        if path is None or inside or not watched.relative_pattern_support:
            return
        self._values_watch = "hpman-values-file-{}".format(self.runs)
        pattern = T.RelativePattern(base_uri=uris.from_fs_path(os.path.dirname(path)),
                                    pattern=os.path.basename(path))
        await ls.client_register_capability_async(T.RegistrationParams(registrations=[T.Registration(
            id=self._values_watch, method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=T.DidChangeWatchedFilesRegistrationOptions(
                watchers=[T.FileSystemWatcher(glob_pattern=pattern)]))]))
