"""The language server: settings, workspace indexing, document sync, watched files.

Feature handlers live in their own modules (navigation, diagnostics, actions,
tree, editing) and only map LSP types onto the index's pure queries. The
server never imports or runs workspace code: the index reads files as text.
"""
import asyncio
import functools
import gc
import inspect
import json
import logging
import os
import traceback
from typing import Any, Callable, Dict, Iterable, List, Optional, Set

from lsprotocol import types as T
from pygls import uris
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from hpman import __version__
from hpman.index.files import SKIPPED_DIRS, excluded, is_virtualenv
from hpman.index.workspace import Workspace

from .convert import RANGE_JSON, Positions, Uris, encoding_name

log = logging.getLogger("hpman_lsp")

TREE_CHANGED = "hpman/treeChanged"
PROGRESS_TIMEOUT = 10.0
VALUES_SUFFIXES = (".yaml", ".yml")


class Settings:
    """`hpman.*` settings: exclude globs and the values file (relative to a workspace folder)."""

    def __init__(self, exclude: Iterable[str] = (), values_file: Optional[str] = None) -> None:
        self.exclude = [str(p) for p in exclude if p]
        self.values_file = values_file or None

    @classmethod
    def parse(cls, raw: Any) -> "Settings":
        """From `{"exclude": [...], "valuesFile": "..."}`, also nested under "hpman"."""
        if not isinstance(raw, dict):
            return cls()
        if isinstance(raw.get("hpman"), dict):
            raw = raw["hpman"]
        exclude = raw.get("exclude") or []
        if isinstance(exclude, str):
            exclude = [exclude]
        values = raw.get("valuesFile", raw.get("values_file"))
        return cls(exclude if isinstance(exclude, list) else [], values if isinstance(values, str) else None)

    def merged(self, other: "Settings") -> "Settings":
        return Settings(self.exclude + [p for p in other.exclude if p not in self.exclude],
                        other.values_file or self.values_file)

    def key(self) -> tuple:
        return (tuple(self.exclude), self.values_file)


class _Answered:
    """Stands for a malformed request that was already answered with an error (pygls ignores it)."""
    jsonrpc = "answered"


class Plain:
    """A result that is already plain JSON data (dicts, lists, strings, numbers), or its JSON
    text: sent as it is, without cattrs walking it (references and the tree can hold thousands of
    locations, and for references even `json.dumps` of the dicts is most of the answer time)."""
    __slots__ = ("_value", "text")

    def __init__(self, value: Any = None, text: Optional[str] = None) -> None:
        self._value = value
        self.text = text

    @property
    def value(self) -> Any:
        if self.text is not None:
            return json.loads(self.text)
        return self._value


class HpmanProtocol(LanguageServerProtocol):
    """pygls' protocol, except that a request whose params cannot be read gets an error answer
    (pygls only logs it, and the client would wait forever), and `Plain` results skip cattrs."""

    @lsp_method(T.INITIALIZE)
    def lsp_initialize(self, params: T.InitializeParams):
        """UTF-8 positions whenever the client offers them, whatever its order of preference
        (pygls takes the client's first choice); else UTF-16."""
        general = params.capabilities.general
        offered = list(general.position_encodings or []) if general is not None else []
        if T.PositionEncodingKind.Utf8 in offered:
            general.position_encodings = [T.PositionEncodingKind.Utf8] + [
                e for e in offered if e != T.PositionEncodingKind.Utf8]
        return (yield from super().lsp_initialize(params))

    def _send_response(self, msg_id, result=None, error=None):
        if error is None and isinstance(result, Plain):
            if result.text is None:
                self._send_data({"jsonrpc": "2.0", "id": msg_id, "result": result.value})
            else:
                self._send_body('{"jsonrpc":"2.0","id":%s,"result":%s}' % (json.dumps(msg_id), result.text))
            return
        super()._send_response(msg_id, result=result, error=error)

    def _send_body(self, body: str) -> None:
        """Frame and write a JSON text as `_send_data` does for the objects it encodes."""
        if self.writer is None:
            log.error("no transport to send an answer on")
            return
        data = body.encode(self.CHARSET)
        if self._include_headers:
            data = ("Content-Length: {}\r\nContent-Type: {}; charset={}\r\n\r\n".format(
                len(data), self.CONTENT_TYPE, self.CHARSET)).encode("ascii") + data
        res = self.writer.write(data)
        if inspect.isawaitable(res):
            asyncio.ensure_future(res)

    def structure_message(self, data):
        if isinstance(data, dict) and "jsonrpc" in data and "method" in data and "params" not in data:
            data["params"] = None     # JSON-RPC lets a request leave its params out
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                log.error("invalid params for %s: %s", data.get("method"), exc.__cause__ or exc)
                error = JsonRpcInvalidParams("invalid params for {}: {}".format(data.get("method"), exc.__cause__))
                self._send_response(data["id"], error=error.to_response_error())
                return _Answered()
            raise


class HpmanServer(LanguageServer):
    """pygls server holding one index (`self.ws`) of the workspace folders."""

    def __init__(self) -> None:
        super().__init__("hpman-lsp", __version__, text_document_sync_kind=T.TextDocumentSyncKind.Incremental,
                         protocol_cls=HpmanProtocol)
        self.ws = Workspace([], cache=False)
        self.uris = Uris()
        self.positions = Positions(self._text_of)
        self.init_settings = Settings()
        self.settings = Settings()
        self.values_path: Optional[str] = None
        self.ready: Optional[asyncio.Event] = None
        self.open_docs: Dict[str, str] = {}   # path -> URI of open documents
        self.dirty: Set[str] = set()
        self._flush_pending = False
        self.published: Set[str] = set()      # paths whose last published diagnostics were not empty
        self._pending_publish: Set[str] = set()
        self._publish_scheduled = False
        self._index_runs = 0
        self._values_watch: Optional[str] = None   # registration id of the values file's own watcher
        self._tasks: Set[asyncio.Future] = set()

    # -- helpers for feature modules ----------------------------------------------------
    def _text_of(self, path: str) -> Optional[str]:
        entry = self.ws.files.get(path)
        if entry is not None and entry.text is not None:
            return entry.text
        vf = self.ws.values_file
        if vf is not None and vf.path == path:
            return vf.text
        return self.ws.text_of(path)

    def log_error(self, where: str, exc: BaseException) -> None:
        text = "hpman-lsp: {} failed: {}\n{}".format(
            where, exc, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        log.error("%s", text)
        try:
            self.window_log_message(T.LogMessageParams(T.MessageType.Error, text))
        except Exception:  # the transport is gone: nothing else to tell
            pass

    def log_info(self, message: str) -> None:
        log.info("%s", message)
        self.window_log_message(T.LogMessageParams(T.MessageType.Info, "hpman-lsp: " + message))

    def request(self, method: str, options: Any = None, empty: Any = None) -> Callable:
        """Register a request handler `f(params)`: waits for the first index, sees every
        pending edit, and answers `empty` (logging the error) if it raises."""
        def decorate(f: Callable) -> Callable:
            @functools.wraps(f)
            async def handler(params):
                if self.ready is not None and not self.ready.is_set():
                    await self.ready.wait()
                try:
                    self.flush()
                    return f(params)
                except JsonRpcException:
                    raise   # a deliberate error answer (e.g. an invalid new name)
                except Exception as exc:
                    self.log_error(method, exc)
                    return empty
            self.feature(method, options)(handler)
            return f
        return decorate

    def notification(self, method: str, options: Any = None) -> Callable:
        """Register a notification handler; errors are logged, never raised."""
        def decorate(f: Callable) -> Callable:
            @functools.wraps(f)
            def handler(params):
                try:
                    f(params)
                except Exception as exc:
                    self.log_error(method, exc)
            self.feature(method, options)(handler)
            return f
        return decorate

    def spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log_error("background task", task.exception())

    def path_of(self, uri: str) -> Optional[str]:
        return self.uris.path(uri)

    def uri_of(self, path: str) -> str:
        return self.uris.uri(path)

    def location(self, path: str, rng) -> T.Location:
        return T.Location(self.uri_of(path), self.positions.range(path, rng))

    def location_dict(self, path: str, rng) -> dict:
        return {"uri": self.uri_of(path), "range": self.positions.range_dict(path, rng)}

    def locations_json(self, places: Iterable) -> str:
        """The JSON text of a list of locations, from (path, range) pairs."""
        heads: Dict[str, tuple] = {}
        parts = []
        for path, rng in places:
            head = heads.get(path)
            if head is None:
                head = heads[path] = ('{"uri":%s,"range":' % self.uris.uri_json(path),
                                      self.positions.character_columns(path))
            parts.append(head[0] + (RANGE_JSON % rng if head[1] else self.positions.range_json(path, rng)) + "}")
        return "[" + ",".join(parts) + "]"

    # -- changes -----------------------------------------------------------------------------
    def schedule_flush(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_event_loop().call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_pending = False
        try:
            self.flush()
        except Exception as exc:
            self.log_error("applying edits", exc)

    def flush(self) -> None:
        """Give the index the text of every document edited since the last flush."""
        if not self.dirty or self.ready is None or not self.ready.is_set():
            return
        paths, self.dirty = self.dirty, set()
        affected: Set[str] = set()
        changed = False
        for path in sorted(paths):
            uri = self.open_docs.get(path)
            if uri is None:
                continue
            try:
                text = _normalise(self.workspace.get_text_document(uri).source)
                if path == self.values_path:
                    affected |= self.ws.set_values_file(path, text)
                    changed = True
                    continue
                if not self._wanted(path):
                    continue
                before = self.ws.files.get(path)
                affected |= self.ws.set_text(path, text)
                changed |= _facts_changed(before, self.ws.files.get(path))
            except Exception as exc:   # one document the index chokes on must not stall the others
                self.log_error("indexing {}".format(path), exc)
        self.after_change(affected, first=paths, tree=changed)

    def after_change(self, affected: Set[str], first: Iterable[str] = (), tree: bool = True,
                     defer: bool = True) -> None:
        """Publish the diagnostics of the affected files and tell the client the tree changed.

        The files in `first` (the documents just edited) are published at once; with `defer`,
        the other affected files are published in small batches from the event loop, so that
        the next keystroke or request is read in between and a burst of edits publishes each
        of those files once, with its latest problems."""
        from .diagnostics import publish
        first = [p for p in first if p in affected]
        if defer:
            self._pending_publish |= set(affected) - set(first)
            self._pending_publish -= set(first)
            publish(self, first, first)
            if self._pending_publish and not self._publish_scheduled:
                self._publish_scheduled = True
                asyncio.get_event_loop().call_soon(self._publish_some)
        else:
            self._pending_publish -= set(affected)
            publish(self, affected, first)
        if tree:
            self.protocol.notify(TREE_CHANGED, None)

    def _publish_some(self, batch: int = 25) -> None:
        from .diagnostics import publish
        self._publish_scheduled = False
        try:
            self.flush()     # edits that arrived meanwhile first: their files are published now
            paths = sorted(self._pending_publish)[:batch]
            self._pending_publish.difference_update(paths)
            publish(self, paths)
        except Exception as exc:
            self.log_error("publishing diagnostics", exc)
        if self._pending_publish and not self._publish_scheduled:
            self._publish_scheduled = True
            asyncio.get_event_loop().call_soon(self._publish_some)

    def _wanted(self, path: str) -> bool:
        """Whether an open document belongs in the index: a Python file the workspace scan would
        index (inside a workspace folder; not excluded, not in a virtual environment or a skipped
        folder). A library module opened from a venv or from outside the folders (say by going
        to a definition) must not add its calls to the workspace's names. Without any workspace
        folder (a single file opened), every Python document counts."""
        if not path.endswith((".py", ".pyi")):
            return False
        if not self.uris.folders:
            return True
        for folder, _uri in self.uris.folders:
            if path.startswith(folder.rstrip(os.sep) + os.sep):
                rel = os.path.relpath(path, folder).replace(os.sep, "/")
                if excluded(rel, self.settings.exclude):
                    return False
                parts = rel.split("/")[:-1]
                if any(p in SKIPPED_DIRS for p in parts):
                    return False
                return not any(is_virtualenv(os.path.join(folder, *parts[:i + 1])) for i in range(len(parts)))
        return False

    # -- indexing --------------------------------------------------------------------------------
    def roots(self) -> List[str]:
        return [folder for folder, _uri in self.uris.folders]

    async def start(self) -> None:
        """At `initialized`: settings, file watchers, then the first index (with progress)."""
        try:
            self.spawn(self._register_watchers())
            self.settings = await self._fetch_settings()
            await self.reindex()
        finally:
            self.ready.set()

    async def _fetch_settings(self) -> Settings:
        settings = self.init_settings
        caps = self.client_capabilities.workspace
        if caps is None or not caps.configuration:
            return settings
        folders = self.uris.folders or [(None, None)]
        items = [T.ConfigurationItem(scope_uri=uri, section="hpman") for _p, uri in folders]
        try:
            results = await asyncio.wait_for(
                self.workspace_configuration_async(T.ConfigurationParams(items=items)), PROGRESS_TIMEOUT)
        except Exception as exc:
            self.log_error("workspace/configuration", exc)
            return settings
        for (folder, _uri), raw in zip(folders, results or []):
            got = Settings.parse(raw)
            if got.values_file and folder is not None and not os.path.isabs(got.values_file):
                got.values_file = os.path.join(folder, got.values_file)
            settings = settings.merged(got)
        return settings

    def _resolve_values(self) -> Optional[str]:
        vf = self.settings.values_file
        if not vf:
            return None
        if not os.path.isabs(vf):
            roots = self.roots()
            vf = os.path.join(roots[0] if roots else os.getcwd(), vf)
        from hpman.records import values_path_for
        return values_path_for(os.path.abspath(vf))   # a run record: its values.yaml

    async def reindex(self) -> None:
        """Scan the workspace folders into a fresh index (in a thread), then swap it in."""
        self._index_runs += 1
        token = "hpman-index-{}".format(self._index_runs)
        progress = await self._progress_begin(token)
        loop = asyncio.get_event_loop()

        def report(done: int, total: int) -> None:
            if progress:
                loop.call_soon_threadsafe(self._progress_report, token, done, total)

        settings = self.settings
        ws = Workspace(self.roots(), exclude=settings.exclude, cache=True)
        try:
            await loop.run_in_executor(None, functools.partial(ws.scan, progress=report))
        except Exception as exc:
            self.log_error("indexing the workspace", exc)
        old = self.ws
        self.ws = ws
        # The index is most of the heap and lives until the next full index: keep the cyclic
        # collector from walking it again and again (its pauses showed in edit latency tails).
        gc.collect()
        gc.freeze()
        self.values_path = self._resolve_values()
        self.spawn(self._watch_values_file(self.values_path))
        if self.values_path is not None:
            uri = self.open_docs.get(self.values_path)
            text = _normalise(self.workspace.get_text_document(uri).source) if uri else None
            ws.set_values_file(self.values_path, text)
        for path, uri in self.open_docs.items():
            if path != self.values_path and self._wanted(path):
                ws.set_text(path, _normalise(self.workspace.get_text_document(uri).source))
        self.dirty.clear()
        stale = set(old.files) | ({old.values_file.path} if old.values_file is not None else set())
        self.ready.set()
        try:
            self.after_change(stale | set(ws.files) | ({self.values_path} if self.values_path else set()),
                              defer=False)
        finally:
            if progress:   # the end comes after the diagnostics: a client seeing it has them all
                self.work_done_progress.end(token, T.WorkDoneProgressEnd(
                    message="{} files".format(len(ws.files))))

    async def _progress_begin(self, token: str) -> bool:
        caps = self.client_capabilities.window
        if caps is None or not caps.work_done_progress:
            return False
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), PROGRESS_TIMEOUT)
        except Exception as exc:
            self.log_error("window/workDoneProgress/create", exc)
            return False
        self.work_done_progress.begin(token, T.WorkDoneProgressBegin(
            title="hpman: indexing hyperparameters", percentage=0, cancellable=False))
        return True

    def _progress_report(self, token: str, done: int, total: int) -> None:
        self.work_done_progress.report(token, T.WorkDoneProgressReport(
            message="{}/{} files".format(done, total), percentage=int(100 * done / total) if total else 100))

    async def _register_watchers(self) -> None:
        caps = self.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        watchers = [T.FileSystemWatcher(glob_pattern=g) for g in ("**/*.py", "**/*.ipynb", "**/*.yaml", "**/*.yml")]
        await self.client_register_capability_async(T.RegistrationParams(registrations=[T.Registration(
            id="hpman-watched-files", method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=T.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))

    async def _watch_values_file(self, path: Optional[str]) -> None:
        """A values file outside the workspace folders is not matched by `**/*.yaml`: watch it
        by its own pattern (clients that support relative patterns)."""
        caps = self.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        if self._values_watch is not None:
            registration, self._values_watch = self._values_watch, None
            await self.client_unregister_capability_async(T.UnregistrationParams(unregisterations=[
                T.Unregistration(id=registration, method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES)]))
        inside = path is not None and any(path.startswith(f.rstrip(os.sep) + os.sep) for f in self.roots())
        if path is None or inside or not watched.relative_pattern_support:
            return
        self._values_watch = "hpman-values-file-{}".format(self._index_runs)
        pattern = T.RelativePattern(base_uri=uris.from_fs_path(os.path.dirname(path)),
                                    pattern=os.path.basename(path))
        await self.client_register_capability_async(T.RegistrationParams(registrations=[T.Registration(
            id=self._values_watch, method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=T.DidChangeWatchedFilesRegistrationOptions(
                watchers=[T.FileSystemWatcher(glob_pattern=pattern)]))]))

    async def apply_settings(self, settings: Settings) -> None:
        old_key, self.settings = self.settings.key(), settings
        if settings.key() == old_key:
            return
        await self.reindex()

    # -- disk changes ------------------------------------------------------------------------------
    def files_changed(self, changes: List[T.FileEvent]) -> None:
        affected: Set[str] = set()
        for change in changes:
            path = self.path_of(change.uri)
            if path is None or path in self.open_docs:
                continue   # the editor's text wins over the disk while a document is open
            if path == self.values_path:
                affected |= self.ws.set_values_file(path)
            elif change.type == T.FileChangeType.Deleted:
                affected |= self.ws.remove(path)
                inside = path.rstrip(os.sep) + os.sep   # a deleted folder takes its files along
                for other in [p for p in self.ws.files if p.startswith(inside)]:
                    affected |= self.ws.remove(other)
            elif path.endswith((".py", ".ipynb")):
                affected |= self.ws.reload(path)
        if affected:
            self.after_change(affected)


def _normalise(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _facts_changed(before, after) -> bool:
    if before is None or after is None:
        return before is not after
    return (before.facts.occurrences != after.facts.occurrences
            or before.facts.issues != after.facts.issues)


def create_server() -> HpmanServer:
    """A server with every feature registered."""
    from . import textsync
    textsync.install()
    ls = HpmanServer()
    _register_sync(ls)
    from . import actions, diagnostics, editing, navigation, notebooks, tree
    for module in (navigation, diagnostics, actions, tree, editing, notebooks):  # notebooks last: it wraps the others
        module.register(ls)
    return ls


def _register_sync(ls: HpmanServer) -> None:
    @ls.feature(T.INITIALIZE)
    def initialize(params: T.InitializeParams) -> None:
        ls.ready = asyncio.Event()
        ls.positions.encoding = encoding_name(ls.workspace.position_encoding)
        folders = [f.uri for f in (params.workspace_folders or [])]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        elif not folders and params.root_path:
            folders = [uris.from_fs_path(params.root_path)]
        for uri in folders:
            ls.uris.add_folder(uri)
        ls.init_settings = Settings.parse(params.initialization_options)

    @ls.feature(T.INITIALIZED)
    def initialized(params: T.InitializedParams) -> None:
        ls.spawn(ls.start())

    @ls.notification(T.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: T.DidOpenTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if path is not None:
            ls.open_docs[path] = params.text_document.uri
            ls.dirty.add(path)
            ls.schedule_flush()

    @ls.notification(T.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: T.DidChangeTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if path is not None and path in ls.open_docs:
            ls.dirty.add(path)
            ls.schedule_flush()

    @ls.notification(T.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: T.DidCloseTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if path is None or ls.open_docs.pop(path, None) is None:
            return
        ls.dirty.discard(path)
        if ls.ready is None or not ls.ready.is_set():
            return
        if path == ls.values_path:
            affected = ls.ws.set_values_file(path)
        else:
            affected = ls.ws.reload(path)   # back to the disk's text (or out of the index)
        ls.after_change(affected | {path})

    @ls.notification(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(params: T.DidChangeWatchedFilesParams) -> None:
        if ls.ready is not None and ls.ready.is_set():
            ls.flush()
            ls.files_changed(params.changes)

    @ls.notification(T.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(params: T.DidChangeWorkspaceFoldersParams) -> None:
        for folder in params.event.removed or []:
            ls.uris.remove_folder(folder.uri)
        for folder in params.event.added or []:
            ls.uris.add_folder(folder.uri)

        async def refresh() -> None:
            if ls.ready is not None:
                await ls.ready.wait()
            await ls.reindex()
        ls.spawn(refresh())

    @ls.notification(T.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(params: T.DidChangeConfigurationParams) -> None:
        async def refresh() -> None:
            if ls.ready is not None:
                await ls.ready.wait()
            caps = ls.client_capabilities.workspace
            if caps is not None and caps.configuration:
                settings = await ls._fetch_settings()
            else:
                settings = ls.init_settings.merged(Settings.parse(params.settings))
            await ls.apply_settings(settings)
        ls.spawn(refresh())
