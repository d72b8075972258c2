"""The language server: composes the wire (protocol.py), settings (settings.py), document
sync (sync.py), publishing (publish.py), indexing (indexing.py), the own file watcher
(watching.py) and the feature modules.

Every request goes through `request()`: it waits for the first index, applies pending edits,
translates notebook cells to their notebook and back (notebook_sync.py), and answers `empty`
(logging the error) when a handler fails. A new feature registers with it and works in
notebook cells without further bookkeeping. The server never imports or runs workspace
code: the index reads files as text.
"""
import asyncio
import functools
import logging
import traceback
from typing import Awaitable, BinaryIO, Callable, Dict, Iterable, List, Optional, Set, Tuple

from lsprotocol import types as T
from pygls import uris
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from hpman import __version__
from hpman.index.positions import Range
from hpman.index.workspace import Workspace

from . import settings as settings_mod
from .host import Handler
from .indexing import Indexer, client_watches
from .locations import RANGE_JSON, LocationDict, Positions, Uris, encoding_name
from .notebook_sync import SYNC_OPTIONS, Notebooks
from .protocol import HpmanProtocol, serve_stdio
from .publish import Publisher
from .sync import Documents
from .watching import DiskWatcher

log = logging.getLogger("hpman_lsp")


class HpmanServer(LanguageServer):
    """pygls server holding one index (`self.index`) of the workspace folders."""

    protocol: HpmanProtocol

    def __init__(self) -> None:
        super().__init__("hpman-lsp", __version__, text_document_sync_kind=T.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=SYNC_OPTIONS, protocol_cls=HpmanProtocol)
        self.index = Workspace([], cache=False)
        self.uris = Uris()
        self.positions = Positions(self._text_of)
        self.documents = Documents(self)
        self.publisher = Publisher(self)
        self.indexer = Indexer(self)
        self.notebooks = Notebooks(self)
        self.watcher = DiskWatcher(self)
        self._tasks: Set["asyncio.Future[object]"] = set()

    # -- what features use (see host.Host) ------------------------------------------------
    def _text_of(self, path: str) -> Optional[str]:
        text = self.index.kept_text(path)
        if text is not None:
            return text
        vf = self.index.values_file
        if vf is not None and vf.path == path:
            return vf.text
        return self.index.text_of(path)

    def is_ready(self) -> bool:
        return self.indexer.ready is not None and self.indexer.ready.is_set()

    def loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_event_loop()

    def roots(self) -> List[str]:
        return [folder for folder, _uri in self.uris.folders]

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
        try:
            self.window_log_message(T.LogMessageParams(T.MessageType.Info, "hpman-lsp: " + message))
        except Exception:
            pass

    def request(self, method: str, options: Optional[object] = None,
                empty: object = None) -> Callable[[Handler], Handler]:
        """Register a request handler `f(params)`: waits for the first index, sees every
        pending edit, works in notebook cells, and answers `empty` (logging the error) if it
        raises anything but a deliberate error answer (a JsonRpcException)."""
        def decorate(f: Handler) -> Handler:
            @functools.wraps(f)
            async def handler(params: object) -> object:
                ready = self.indexer.ready
                if ready is not None and not ready.is_set():
                    await ready.wait()
                try:
                    self.documents.flush()
                    return self.notebooks.around(f, params, empty)
                except JsonRpcException:
                    raise
                except Exception as exc:
                    self.log_error(method, exc)
                    return empty
            self.feature(method, options)(handler)
            return f
        return decorate

    def notification(self, method: str, options: Optional[object] = None) -> Callable[[Handler], Handler]:
        """Register a notification handler; errors are logged, never raised."""
        def decorate(f: Handler) -> Handler:
            @functools.wraps(f)
            def handler(params: object) -> None:
                try:
                    f(params)
                except Exception as exc:
                    self.log_error(method, exc)
            self.feature(method, options)(handler)
            return f
        return decorate

    def spawn(self, coro: Awaitable[object]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: "asyncio.Future[object]") -> None:
        self._tasks.discard(task)
        failure = task.exception() if not task.cancelled() else None
        if failure is not None:
            self.log_error("background task", failure)

    def path_of(self, uri: str) -> Optional[str]:
        return self.uris.path(uri)

    def uri_of(self, path: str) -> str:
        return self.uris.uri(path)

    def location(self, path: str, rng: Range) -> T.Location:
        return T.Location(self.uri_of(path), self.positions.range(path, rng))

    def location_dict(self, path: str, rng: Range) -> LocationDict:
        return {"uri": self.uri_of(path), "range": self.positions.range_dict(path, rng)}

    def locations_json(self, places: Iterable[Tuple[str, Range]]) -> str:
        """The JSON text of a list of locations, from (path, range) pairs."""
        heads: Dict[str, Tuple[str, bool]] = {}   # path -> (its JSON up to the range, character columns)
        parts = []
        for path, rng in places:
            head = heads.get(path)
            if head is None:
                head = heads[path] = ('{"uri":%s,"range":' % self.uris.uri_json(path),
                                      self.positions.character_columns(path))
            parts.append(head[0] + (RANGE_JSON % rng if head[1] else self.positions.range_json(path, rng)) + "}")
        return "[" + ",".join(parts) + "]"

    def start_io(self, stdin: Optional[BinaryIO] = None, stdout: Optional[BinaryIO] = None) -> int:
        """Serve over stdio; the process's exit code (1 for `exit` without `shutdown`)."""
        return serve_stdio(self, stdin, stdout)

    def shutdown(self) -> None:
        self.watcher.stop()
        super().shutdown()   # type: ignore[no-untyped-call]  # pygls leaves it unannotated


def create_server() -> HpmanServer:
    """A server with every feature registered."""
    from . import textsync
    textsync.install()
    ls = HpmanServer()
    _register_lifecycle(ls)
    _register_sync(ls)
    from . import actions, annotations, editing, navigation, notebook_sync, tree
    for module in (navigation, actions, tree, editing, annotations, notebook_sync):
        module.register(ls)
    return ls


def _register_lifecycle(ls: HpmanServer) -> None:
    @ls.feature(T.INITIALIZE)
    def initialize(params: T.InitializeParams) -> None:
        ls.indexer.ready = asyncio.Event()
        ls.positions.encoding = encoding_name(ls.workspace.position_encoding)
        folders = [f.uri for f in (params.workspace_folders or [])]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        elif not folders and params.root_path:
            folders = [uris.from_fs_path(params.root_path)]
        for uri in folders:
            ls.uris.add_folder(uri)
        ls.indexer.initial = settings_mod.parse(params.initialization_options)

    @ls.feature(T.INITIALIZED)
    def initialized(params: T.InitializedParams) -> None:
        if not client_watches(ls):
            ls.indexer.before_first.append(ls.watcher.start)
            ls.indexer.after_first.append(ls.watcher.ready)
        ls.spawn(ls.indexer.start())

    @ls.feature(T.SHUTDOWN)
    def shutdown(params: None) -> None:
        ls.watcher.stop()


def _register_sync(ls: HpmanServer) -> None:
    docs = ls.documents
    ls.notification(T.TEXT_DOCUMENT_DID_OPEN)(docs.opened)
    ls.notification(T.TEXT_DOCUMENT_DID_CHANGE)(docs.changed)
    ls.notification(T.TEXT_DOCUMENT_DID_CLOSE)(docs.closed)

    @ls.notification(T.TEXT_DOCUMENT_DID_SAVE, T.SaveOptions(include_text=False))
    def did_save(params: T.DidSaveTextDocumentParams) -> None:
        docs.saved(ls.path_of(params.text_document.uri))

    @ls.notification(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(params: T.DidChangeWatchedFilesParams) -> None:
        docs.files_changed(docs.events_of(params))

    @ls.notification(T.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(params: T.DidChangeWorkspaceFoldersParams) -> None:
        for folder in params.event.removed or []:
            ls.uris.remove_folder(folder.uri)
        for folder in params.event.added or []:
            ls.uris.add_folder(folder.uri)

        async def refresh() -> None:
            if ls.indexer.ready is not None:
                await ls.indexer.ready.wait()
            ls.indexer.settings = await ls.indexer.fetch_settings()
            await ls.indexer.reindex()
            ls.watcher.restart()
        ls.spawn(refresh())

    @ls.notification(T.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(params: T.DidChangeConfigurationParams) -> None:
        async def refresh() -> None:
            if ls.indexer.ready is not None:
                await ls.indexer.ready.wait()
            caps = ls.client_capabilities.workspace
            if caps is not None and caps.configuration:
                new = await ls.indexer.fetch_settings()
            else:
                pushed = settings_mod.parse(params.settings)
                initial = ls.indexer.initial
                chosen = pushed if pushed.values_file else initial
                exclude = initial.exclude + [p for p in pushed.exclude if p not in initial.exclude]
                merged = settings_mod.Settings(exclude, chosen.values_file, chosen.values_file_from_user)
                new = settings_mod.combine(ls.roots(), merged, [])
            await ls.indexer.apply_settings(new)
        ls.spawn(refresh())
