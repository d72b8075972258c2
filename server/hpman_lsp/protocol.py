"""The wire: framing over stdio, the lifecycle rules of LSP, and answers that are plain JSON.

pygls' own reader trusts every header: a `Content-Length: abc` or a body shorter than its
length leaves it deaf for good, and a huge length makes it allocate that much. The reader
here caps a message's size, reads header lines in bounded chunks, and after anything it
cannot read it looks for the next `Content-Length:` header and goes on from there.
"""
import asyncio
import inspect
import json
import logging
import os
import re
import sys
import threading
from typing import TYPE_CHECKING, Any, BinaryIO, Dict, Generator, Optional, Protocol, Tuple

from lsprotocol import types as T
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import MsgId, RPCMessage

if TYPE_CHECKING:   # the server is built on this module
    from .server import HpmanServer

log = logging.getLogger("hpman_lsp")

MAX_MESSAGE_BYTES = 64 * 1024 * 1024   # above the 10 MB file cap: a huge document still arrives, to be refused
MAX_HEADER_LINE = 4096
_LENGTH = re.compile(rb"Content-Length:[ \t]*([^\r\n]*)", re.IGNORECASE)
_LIFECYCLE = (T.INITIALIZE, T.EXIT)


class Plain:
    """A result that is already plain JSON data (dicts, lists, strings, numbers), or its JSON
    text: sent as it is, without cattrs walking it (references and the tree can hold thousands of
    locations, and for references even `json.dumps` of the dicts is most of the answer time)."""
    __slots__ = ("_value", "text")

    def __init__(self, value: object = None, text: Optional[str] = None) -> None:
        self._value = value
        self.text = text

    @property
    def value(self) -> object:
        if self.text is not None:
            return json.loads(self.text)
        return self._value


class _Answered:
    """Stands for a malformed request that was already answered with an error (pygls ignores it)."""
    jsonrpc = "answered"


class HpmanProtocol(LanguageServerProtocol):
    """pygls' protocol, plus: the order LSP demands (nothing but `initialize` before it, one
    `initialize`, nothing but `exit` after `shutdown`, each refusal an error answer), the exit
    code of `exit`, an error answer for a request whose params cannot be read (pygls only logs
    it, and the client would wait forever), and `Plain` results that skip cattrs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_seen = False
        self.exit_code: Optional[int] = None
        self.closed = False     # `exit` closed the output: nothing more may be sent

    def handle_message(self, message: RPCMessage) -> None:
        method = getattr(message, "method", None)
        if method is None or getattr(message, "jsonrpc", None) != self.VERSION:
            super().handle_message(message)
            return
        request_id: Optional[MsgId] = getattr(message, "id", None)
        refusal = self._refusal(method)
        if refusal is None:
            if method == T.INITIALIZE:
                self.initialize_seen = True
            super().handle_message(message)
            return
        log.warning("refused %s: %s", method, refusal.message)
        if request_id is not None:
            self._send_response(request_id, error=refusal.to_response_error())

    def _refusal(self, method: str) -> Optional[JsonRpcException]:
        if method == T.EXIT:
            return None
        if self._shutdown:
            return JsonRpcInvalidRequest("the server is shut down: only `exit` is accepted")
        if method == T.INITIALIZE and self.initialize_seen:
            return JsonRpcInvalidRequest("`initialize` was already received")
        if not self.initialize_seen and method not in _LIFECYCLE:
            return JsonRpcServerNotInitialized("the server is not initialized yet: send `initialize` first")
        return None

    @lsp_method(T.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        """0 after `shutdown`, else 1 (pygls computes it too, but its stdio loop swallows it)."""
        self.exit_code = 0 if self._shutdown else 1
        self.closed = True
        return (yield from super().lsp_exit(*args))

    @lsp_method(T.INITIALIZE)
    def lsp_initialize(self, params: T.InitializeParams) -> Generator[Any, Any, T.InitializeResult]:
        """UTF-8 positions whenever the client offers them, whatever its order of preference
        (pygls takes the client's first choice); else UTF-16."""
        general = params.capabilities.general
        offered = list(general.position_encodings or []) if general is not None else []
        if general is not None and T.PositionEncodingKind.Utf8 in offered:
            general.position_encodings = [T.PositionEncodingKind.Utf8] + [
                e for e in offered if e != T.PositionEncodingKind.Utf8]
        return (yield from super().lsp_initialize(params))

    def _send_response(self, msg_id: MsgId, result: object = None, error: Optional[T.ResponseError] = None) -> None:
        if error is None and isinstance(result, Plain):
            if result.text is None:
                self._send_data({"jsonrpc": "2.0", "id": msg_id, "result": result.value})
            else:
                self._send_body('{"jsonrpc":"2.0","id":%s,"result":%s}' % (json.dumps(msg_id), result.text))
            return
        super()._send_response(msg_id, result=result, error=error)

    def _send_data(self, data: object) -> None:
        """pygls' sending, but silent once `exit` has closed the output: a diagnostics batch
        still queued then would fail, pygls would log the failure and report it to the client,
        which fails again, and so on (the tracebacks filled a client's stderr pipe, and the
        server hung writing them instead of exiting)."""
        if self.closed:
            return
        super()._send_data(data)

    def _send_body(self, body: str) -> None:
        """Frame and write a JSON text as `_send_data` does for the objects it encodes."""
        if self.closed:
            return
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

    def structure_message(self, data: Dict[str, Any]) -> object:   # a JSON object, as read
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

    def parse_error(self, reason: str) -> None:
        """Answer a body that is not JSON (its id is unknown, so the answer has none)."""
        log.error("unreadable message: %s", reason)
        self._send_data({"jsonrpc": "2.0", "id": None,
                         "error": {"code": JsonRpcParseError.CODE, "message": "unreadable message: " + reason}})


class ByteSource(Protocol):
    """What Framing reads from: a bounded readline and a read (both short only at the end)."""

    def readline(self, limit: int, /) -> bytes: ...
    def read(self, n: int, /) -> bytes: ...


class FdStream:
    """readline(limit) and read(n) over a file descriptor, with its own buffer: the reading
    thread then holds no lock of sys.stdin while it waits (a daemon thread blocked inside
    BufferedReader makes the interpreter abort at exit)."""

    CHUNK = 65536

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.eof = False

    def _fill(self) -> bool:
        if self.eof:
            return False
        data = os.read(self.fd, self.CHUNK)
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def readline(self, limit: int) -> bytes:
        while True:
            end = self.buffer.find(b"\n", 0, limit)
            if end >= 0:
                return self._take(end + 1)
            if len(self.buffer) >= limit or not self._fill():
                return self._take(min(limit, len(self.buffer)))

    def read(self, n: int) -> bytes:
        while len(self.buffer) < n and self._fill():
            pass
        return self._take(min(n, len(self.buffer)))

    def _take(self, n: int) -> bytes:
        out = bytes(self.buffer[:n])
        del self.buffer[:n]
        return out


class Framing:
    """Reads framed messages from a byte stream, never more than `limit` bytes for one and
    never a header line longer than MAX_HEADER_LINE at once."""

    def __init__(self, stream: ByteSource, limit: int = MAX_MESSAGE_BYTES) -> None:
        self.stream = stream
        self.limit = limit
        self.pending = b""     # a header found in the middle of a line (after garbage)
        self.carry = b""       # the end of a cut-off line: a header may straddle the cut

    def _line(self) -> Optional[bytes]:
        if self.pending:
            line, self.pending = self.pending, b""
            return line
        line = self.stream.readline(MAX_HEADER_LINE)
        if not line:
            return None
        line, self.carry = self.carry + line, b""
        if not line.endswith(b"\n") and _LENGTH.search(line) is None:
            self.carry = line[-24:]
        return line

    def next_body(self) -> Optional[bytes]:
        """The next message's body (None at the end of the stream); what cannot be read is
        logged and skipped up to the next header."""
        while True:
            length, problem = self._headers()
            if problem is not None:
                log.error("unreadable message: %s; looking for the next header", problem)
                continue
            if length is None:
                return None      # the end of the stream
            body = self.stream.read(length)
            if len(body) < length:
                return None      # the stream ended inside a body
            return body

    def _headers(self) -> Tuple[Optional[int], Optional[str]]:
        """(length, problem) of the next header block; (None, None) at the end of the stream."""
        length: Optional[int] = None
        problem: Optional[str] = None
        seen = False
        while True:
            line = self._line()
            if line is None:
                return None, None
            if not line.strip():
                if seen:
                    return length, problem if length is not None or problem else "no Content-Length header"
                continue         # blank lines between messages
            match = _LENGTH.search(line)
            if match is not None and match.start() > 0:
                self.pending = line[match.start():]     # garbage, then a header: a new message
                if seen:
                    return None, problem or "a header block without its blank line"
                log.error("unreadable message: garbage before a header")
                continue
            seen = True
            if match is not None:
                length, problem = self._length(match.group(1).strip())

    def _length(self, value: bytes) -> Tuple[Optional[int], Optional[str]]:
        if not value.isdigit():
            return None, "bad Content-Length {!r}".format(value.decode("ascii", "replace")[:40])
        if len(value) > 12 or int(value) > self.limit:
            return None, "a message of {} bytes is over the limit of {} bytes".format(
                value.decode("ascii")[:20], self.limit)
        return int(value), None


def _reader(framing: Framing, loop: asyncio.AbstractEventLoop, queue: "asyncio.Queue[Optional[bytes]]") -> None:
    """The reading thread (a daemon: a blocked read must not keep the process alive)."""
    try:
        while True:
            body = framing.next_body()
            loop.call_soon_threadsafe(queue.put_nowait, body)
            if body is None:
                return
    except Exception as exc:   # a closed stream, a broken pipe
        log.error("reading stdin failed: %s", exc)
        loop.call_soon_threadsafe(queue.put_nowait, None)


def handle_body(protocol: HpmanProtocol, body: bytes) -> None:
    try:
        message = json.loads(body, object_hook=protocol.structure_message)
    except ValueError as exc:
        protocol.parse_error("not JSON ({})".format(exc))
        return
    except JsonRpcException as exc:
        log.error("unreadable message: %s", exc)
        return
    if not hasattr(message, "jsonrpc"):
        protocol.parse_error("not a JSON-RPC message")
        return
    try:
        protocol.handle_message(message)
    except Exception:
        log.exception("failed to handle a message")


def serve_stdio(server: "HpmanServer", stdin: Optional[BinaryIO] = None, stdout: Optional[BinaryIO] = None) -> int:
    """Serve LSP over stdin/stdout until `exit` or the end of stdin; the exit code."""
    server._stop_event = stop = threading.Event()
    protocol = server.protocol
    protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    framing = Framing(FdStream((stdin or sys.stdin.buffer).fileno()))

    async def main() -> None:
        queue: "asyncio.Queue[Optional[bytes]]" = asyncio.Queue()
        threading.Thread(target=_reader, args=(framing, asyncio.get_running_loop(), queue),
                         name="hpman-stdin", daemon=True).start()
        while not stop.is_set():
            body = await queue.get()
            if body is None:
                return
            handle_body(protocol, body)

    code = 0
    try:
        asyncio.run(main())
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:
        log.error("the connection to the client is lost")
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return protocol.exit_code if protocol.exit_code is not None else code
