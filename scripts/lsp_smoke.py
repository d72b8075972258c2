"""Start a language server command over stdio, initialize it, ask for one hover-free request
(shutdown) and exit; prints the server's name and version. Used by scripts/packaging.sh to
check that an installed wheel's `hpman-lsp` and `python -m hpman_lsp` really serve LSP."""
import json
import subprocess
import sys
import threading


def _send(proc, message):
    body = json.dumps(message).encode("utf-8")
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def _receive(proc, want_id):
    while True:
        length = None
        while True:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output before answering request {}".format(want_id))
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        message = json.loads(proc.stdout.read(length))
        if message.get("id") == want_id and "method" not in message:
            return message


def main(argv):
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    timer = threading.Timer(60, proc.kill)   # never hang the build
    timer.start()
    try:
        _send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"processId": None, "rootUri": None, "capabilities": {}}})
        info = _receive(proc, 1)["result"].get("serverInfo", {})
        _send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        _send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        _receive(proc, 2)
        _send(proc, {"jsonrpc": "2.0", "method": "exit"})
        code = proc.wait(30)
    finally:
        timer.cancel()
    if code != 0:
        raise SystemExit("{} exited with {}".format(" ".join(argv), code))
    print("{}: {} {}".format(" ".join(argv), info.get("name"), info.get("version")))


if __name__ == "__main__":
    main(sys.argv[1:])
