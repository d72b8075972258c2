"""A small synchronous LSP client over stdio (JSON-RPC 2.0, Content-Length framing).

Enough for benchmarking a language server: requests with latency measured from
just before the write to the moment the reader thread has decoded the answer,
notifications, answers to the usual server-to-client requests, work-done
progress tracking and a log of publishDiagnostics with arrival times.
"""
import json
import os
import subprocess
import threading
import time


class LspError(Exception):
    pass


class LspClient:
    def __init__(self, cmd, cwd=None, env=None, stderr_path=None):
        self._stderr = open(stderr_path or os.devnull, "wb")
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr, bufsize=0,
        )
        self._next_id = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._pending = {}       # id -> [event, message, arrival time]
        self.diagnostics = []    # (arrival, uri, version, diagnostics)
        self.progress = {}       # token -> list of (arrival, kind, value)
        self.notifications = []  # (arrival, method, params) other than the above
        self.server_requests = []
        self.closed = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- wire ------------------------------------------------------------
    def _write(self, msg):
        body = json.dumps(msg, separators=(",", ":")).encode("utf-8")
        data = b"Content-Length: %d\r\n\r\n" % len(body) + body
        with self._lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def _read_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.proc.stdout.read(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def _read_loop(self):
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v.strip())
                if length is None:
                    continue
                msg = json.loads(self._read_exact(length))
                self._dispatch(msg, time.perf_counter())
        except (EOFError, ValueError, OSError):
            pass
        finally:
            with self._cond:
                self.closed = True
                for slot in self._pending.values():
                    slot[0].set()
                self._cond.notify_all()

    def _dispatch(self, msg, now):
        if "method" not in msg:
            slot = self._pending.get(msg.get("id"))
            if slot is not None:
                slot[1], slot[2] = msg, now
                slot[0].set()
            return
        method, params = msg["method"], msg.get("params")
        if "id" in msg:
            self.server_requests.append((now, method))
            try:
                result = self._answer_server_request(method, params or {})
                self._write({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            except OSError:
                pass
            return
        with self._cond:
            if method == "textDocument/publishDiagnostics":
                self.diagnostics.append(
                    (now, params.get("uri"), params.get("version"), params.get("diagnostics", []))
                )
            elif method == "$/progress":
                value = params.get("value") or {}
                self.progress.setdefault(str(params.get("token")), []).append(
                    (now, value.get("kind"), value)
                )
            else:
                self.notifications.append((now, method, params))
            self._cond.notify_all()

    def _answer_server_request(self, method, params):
        if method == "workspace/configuration":
            items = params.get("items", [])
            return [{} if item.get("section") in (None, "", "hpman") else None for item in items]
        if method == "workspace/workspaceFolders":
            return self.workspace_folders
        return None  # window/workDoneProgress/create, client/registerCapability, ...

    # -- API -------------------------------------------------------------
    workspace_folders = None

    def request(self, method, params, timeout=30.0):
        """Send a request; return (result, latency in seconds)."""
        with self._lock:
            self._next_id += 1
            rid = self._next_id
        slot = [threading.Event(), None, None]
        self._pending[rid] = slot
        t0 = time.perf_counter()
        self._write({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        if not slot[0].wait(timeout):
            self._pending.pop(rid, None)
            raise LspError(f"{method}: no answer in {timeout} s")
        self._pending.pop(rid, None)
        msg = slot[1]
        if msg is None:
            raise LspError(f"{method}: server closed the connection")
        if "error" in msg:
            raise LspError(f"{method}: {msg['error'].get('message')}")
        return msg.get("result"), slot[2] - t0

    def notify(self, method, params):
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, predicate, timeout):
        """Wait (under the client's condition) until predicate() is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                r = predicate()
                if r:
                    return r
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    return predicate()
                self._cond.wait(min(left, 0.5))

    def close(self, timeout=5.0):
        try:
            if not self.closed:
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
        except Exception:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except Exception:
                pass
        self._stderr.close()
