"""pytest-lsp harness: the real server (`python -m hpman_lsp`) over stdio on a copy of
tests/fixtures/lsp_workspace, with a client that records what the server sends. The fixtures
that start it are in conftest.py; the helpers live here so that tests import them by a name
no other suite uses."""
import asyncio
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from lsprotocol import types as T
from pytest_lsp import LanguageClient, client_capabilities

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "lsp_workspace"
SERVER_DIR = Path(__file__).resolve().parent.parent.parent / "server"
TIMEOUT = 20.0


def uri(path: Path) -> str:
    return path.resolve().as_uri()


def utf16_col(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def lsp_col(text_before: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text_before.encode("utf-8"))
    if encoding == "utf-32":
        return len(text_before)
    return utf16_col(text_before)


class Session:
    """One server process and the client talking to it."""

    def __init__(self, client: LanguageClient, root: Path, encoding: str) -> None:
        self.client = client
        self.root = root
        self.encoding = encoding
        self.tree_changed = 0
        self.tree_changed_params: List[Any] = []
        self.registrations: List[T.Registration] = []
        self.open_versions: Dict[str, int] = {}
        self.published: List[T.PublishDiagnosticsParams] = []   # every publish, in order
        self.config_requests = 0

    # -- positions, computed independently of the server ------------------------------
    def text(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def uri(self, name: str) -> str:
        return uri(self.root / name)

    def pos(self, name: str, needle: str, offset: int = 0, occurrence: int = 0,
            text: Optional[str] = None) -> T.Position:
        """The position of the `occurrence`-th `needle` in a file (plus `offset` characters)."""
        text = self.text(name) if text is None else text
        index = -1
        for _ in range(occurrence + 1):
            index = text.index(needle, index + 1)
        index += offset
        line = text.count("\n", 0, index)
        line_start = text.rfind("\n", 0, index) + 1
        return T.Position(line, lsp_col(text[line_start:index], self.encoding))

    def range_of(self, name: str, needle: str, occurrence: int = 0, text: Optional[str] = None) -> T.Range:
        start = self.pos(name, needle, occurrence=occurrence, text=text)
        end = self.pos(name, needle, offset=len(needle), occurrence=occurrence, text=text)
        return T.Range(start, end)

    # -- documents ------------------------------------------------------------------------
    def open(self, name: str, text: Optional[str] = None) -> str:
        u = self.uri(name)
        self.open_versions[u] = 1
        language = "yaml" if name.endswith((".yaml", ".yml")) else "python"
        self.client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(
            uri=u, language_id=language, version=1, text=self.text(name) if text is None else text)))
        return u

    def change(self, name: str, changes: List[Any]) -> None:
        u = self.uri(name)
        self.open_versions[u] += 1
        self.client.text_document_did_change(T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(uri=u, version=self.open_versions[u]), changes))

    def replace(self, name: str, rng: T.Range, new_text: str) -> None:
        self.change(name, [T.TextDocumentContentChangePartial(range=rng, text=new_text)])

    def replace_all(self, name: str, text: str) -> None:
        self.change(name, [T.TextDocumentContentChangeWholeDocument(text=text)])

    def close(self, name: str) -> None:
        u = self.uri(name)
        self.open_versions.pop(u, None)
        self.client.text_document_did_close(T.DidCloseTextDocumentParams(T.TextDocumentIdentifier(u)))

    def disk_changed(self, name: str, kind: T.FileChangeType) -> None:
        self.client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(
            [T.FileEvent(uri=self.uri(name), type=kind)]))

    # -- waiting ---------------------------------------------------------------------------------
    async def until(self, predicate: Callable[[], Any], timeout: float = TIMEOUT, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for " + what)
            await asyncio.sleep(0.01)

    def diagnostics(self, name: str) -> Optional[List[T.Diagnostic]]:
        return self.client.diagnostics.get(self.uri(name))

    def codes(self, name: str) -> List[str]:
        return sorted(str(d.code) for d in self.diagnostics(name) or [])

    async def diagnostics_where(self, name: str, predicate: Callable[[List[T.Diagnostic]], bool],
                                what: str = "") -> List[T.Diagnostic]:
        def check():
            d = self.diagnostics(name)
            return d is not None and predicate(d) and (d or [1])
        await self.until(check, what="diagnostics of {} {}".format(name, what))
        return self.diagnostics(name)

    async def settle(self) -> None:
        """Make sure every notification sent so far has been handled (a request round trip)."""
        await self.client.protocol.send_request_async("hpman/tree", {})

    def indexing_ended(self) -> bool:
        for reports in self.client.progress_reports.values():
            if any(isinstance(r, T.WorkDoneProgressEnd) for r in reports):
                return True
        return False

    async def hover(self, name: str, position: T.Position) -> Optional[T.Hover]:
        return await self.client.text_document_hover_async(T.HoverParams(
            T.TextDocumentIdentifier(self.uri(name)), position))


def capabilities(encodings: Optional[List[str]] = None, configuration: bool = True,
                 watch: bool = True) -> T.ClientCapabilities:
    return T.ClientCapabilities(
        general=T.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
        window=T.WindowClientCapabilities(work_done_progress=True),
        workspace=T.WorkspaceClientCapabilities(
            configuration=configuration, workspace_folders=True,
            did_change_watched_files=T.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=watch, relative_pattern_support=watch)),
        text_document=T.TextDocumentClientCapabilities(
            publish_diagnostics=T.PublishDiagnosticsClientCapabilities(related_information=True),
            hover=T.HoverClientCapabilities(content_format=[T.MarkupKind.Markdown]),
            code_action=T.CodeActionClientCapabilities(),
            rename=T.RenameClientCapabilities(prepare_support=True)),
    )


def profile_capabilities(profile: str, encodings: Optional[List[str]] = None, configuration: bool = True,
                         watch: bool = True) -> T.ClientCapabilities:
    """A real editor's capabilities, as pytest-lsp records them ("neovim", "emacs"), with
    what a test asks for on top (an encoding, no configuration, no file watching)."""
    caps = client_capabilities(profile)
    if encodings:
        caps.general = T.GeneralClientCapabilities(position_encodings=encodings)
    if caps.workspace is not None:
        if not configuration:
            caps.workspace.configuration = False
        if not watch and caps.workspace.did_change_watched_files is not None:
            caps.workspace.did_change_watched_files.dynamic_registration = False
    return caps


def char_index(line: str, column: int, encoding: str) -> int:
    """The character index of an LSP column counted in `encoding`."""
    for i in range(len(line) + 1):
        if lsp_col(line[:i], encoding) >= column:
            return i
    return len(line)


def apply_text_edits(text: str, edits, encoding: str) -> str:
    """Apply LSP TextEdits (positions in `encoding`) to a text, as an editor would."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(pos: T.Position) -> int:
        return starts[pos.line] + char_index(lines[pos.line], pos.character, encoding)

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for (_a, b, _new), (a2, _b2, _n2) in zip(spans[1:], spans):
        assert b <= a2, "overlapping edits"
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


def apply_workspace_edit(session: "Session", edit: T.WorkspaceEdit) -> Dict[str, str]:
    """Apply a WorkspaceEdit to the files on disk; returns {relative name: new text}."""
    assert edit.document_changes is None
    out = {}
    for file_uri, edits in edit.changes.items():
        path = Path(file_uri[len("file://"):])
        name = path.relative_to(session.root).as_posix()
        new = apply_text_edits(session.text(name), edits, session.encoding)
        path.write_text(new, encoding="utf-8")
        out[name] = new
    return out
