"""The wire and the lifecycle, byte by byte: the real server (`python -m hpman_lsp`) over
stdio, written to by hand (a well-behaved client cannot send these).

Each case sends something LSP forbids or something unreadable, then a good request, and
waits for the answers (every wait is a hang guard, not a latency check)."""
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from lsp_helpers import SERVER_DIR

GUARD = 20.0


class Wire:
    def __init__(self, cwd: Path, env: dict) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "hpman_lsp"], cwd=str(cwd), env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.answers: "queue.Queue" = queue.Queue()
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        self.log_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.log_reader.start()

    def _read_stderr(self) -> None:
        """Keep the server's log flowing (a full pipe would block it) and its last 64 KB."""
        try:
            for line in self.proc.stderr:
                self.stderr = (self.stderr + line)[-65536:]
        except (ValueError, OSError):   # closed by close()
            pass

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line == b"\r\n" and length is not None:
                    break
            self.answers.put(json.loads(out.read(length)))

    def raw(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict) -> None:
        body = json.dumps(dict(message, jsonrpc="2.0")).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, msg_id, method: str, params=None) -> None:
        self.send({"id": msg_id, "method": method, "params": params if params is not None else {}})

    def answer(self, msg_id) -> dict:
        """The answer to request `msg_id` (other messages are skipped)."""
        while True:
            try:
                message = self.answers.get(timeout=GUARD)
            except queue.Empty:
                raise AssertionError("no answer to request {!r}".format(msg_id)) from None
            if message.get("id") == msg_id and "method" not in message:
                return message

    def initialize(self, root: Path, msg_id=1) -> dict:
        self.request(msg_id, "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        got = self.answer(msg_id)
        self.send({"method": "initialized", "params": {}})
        return got

    def exit_code(self) -> int:
        try:
            code = self.proc.wait(timeout=GUARD)
            self.log_reader.join(timeout=GUARD)      # the whole log, up to its end
            assert b"Traceback" not in self.stderr, self.stderr.decode("utf-8", "replace")
            return code
        finally:
            if self.proc.poll() is None:
                self.proc.kill()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=GUARD)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            stream.close()


@pytest.fixture
def wire(tmp_path, workspace):
    env = dict(os.environ, HPMAN_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([str(SERVER_DIR), os.environ.get("PYTHONPATH", "")]))
    made = []

    def make() -> Wire:
        w = Wire(tmp_path, env)
        made.append(w)
        return w
    yield make
    for w in made:
        w.close()


def hover(wire: Wire, msg_id, workspace: Path) -> None:
    wire.request(msg_id, "textDocument/hover", {"textDocument": {"uri": (workspace / "model.py").as_uri()},
                                                "position": {"line": 4, "character": 8}})


def test_a_request_before_initialize_is_an_error(wire, workspace):
    w = wire()
    hover(w, 1, workspace)
    assert w.answer(1)["error"]["code"] == -32002
    w.initialize(workspace, msg_id=2)
    hover(w, 3, workspace)
    assert "hyperparameter" in w.answer(3)["result"]["contents"]["value"]


def test_a_second_initialize_is_refused_and_the_server_keeps_answering(wire, workspace):
    w = wire()
    assert "capabilities" in w.initialize(workspace)["result"]
    w.request(2, "initialize", {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {}})
    assert w.answer(2)["error"]["code"] == -32600
    hover(w, 3, workspace)
    assert "`lr`" in w.answer(3)["result"]["contents"]["value"]


def test_requests_after_shutdown_are_invalid_and_exit_then_ends_with_0(wire, workspace):
    w = wire()
    w.initialize(workspace)
    w.request(2, "shutdown", None)
    assert w.answer(2)["result"] is None
    hover(w, 3, workspace)
    assert w.answer(3)["error"]["code"] == -32600
    w.send({"method": "exit"})
    assert w.exit_code() == 0


def test_exit_without_shutdown_ends_with_1(wire, workspace):
    w = wire()
    w.initialize(workspace)
    w.send({"method": "exit"})
    assert w.exit_code() == 1


BODY = json.dumps({"jsonrpc": "2.0", "id": 90, "method": "hpman/tree", "params": {}}).encode()


@pytest.mark.parametrize("garbage", [
    b"Content-Length: abc\r\n\r\n" + BODY,                          # a length that is not a number
    b"Content-Length: %d\r\n\r\n" % (len(BODY) - 9) + BODY,         # a length shorter than the body
    BODY + b"\r\n",                                                 # a body without a header
    b"Content-Length: 1000000000000000\r\n\r\n" + BODY,             # a length far over the cap
    b"X-Nonsense: 1\r\n" * 3 + b"\r\n",                             # a header block without a length
    b"Content-Length: 12\r\n\r\nnot json at all",                   # a body that is not JSON
    b"x" * 100000,                                                  # a long line without a newline
], ids=["not-a-number", "short", "no-header", "huge", "no-length", "not-json", "long-line"])
def test_the_server_recovers_at_the_next_header(wire, workspace, garbage):
    w = wire()
    w.initialize(workspace)
    w.raw(garbage)
    w.request(91, "hpman/tree", {})
    assert "managers" in w.answer(91)["result"]
    hover(w, 92, workspace)
    assert "`lr`" in w.answer(92)["result"]["contents"]["value"]
    assert w.proc.poll() is None
