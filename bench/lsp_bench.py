"""Language-server latency through a real client over stdio.

Starts ``<python> -m hpman_lsp`` with the corpus and the 5,000-line file's
folder as workspace folders, waits for the initial indexing to finish, then
  * sends hover / definition / references requests at random hyperparameter
    occurrences (one at a time, latency = request written → answer decoded);
  * edits the 5,000-line file with incremental didChange notifications, then with
    whole-text ones (as a client without incremental sync sends them), and times each
    until the server's publishDiagnostics for that document.
"""
import os
import random
import tempfile
import time
from pathlib import Path

from lsp_client import LspClient, LspError
from prepare import clean_env, corpus_occurrences, use_toggle_edit


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-q * len(s) // 100)) - 1))
    return s[k]


def summary(values):
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else None,
    }


def _uri(path):
    return Path(path).resolve().as_uri()


def _nonempty(result):
    if result is None:
        return False
    if isinstance(result, (list, dict)):
        return len(result) > 0
    return True


def run_lsp_bench(python, corpus, big_dir, big_path, big_text, n_requests, n_edits,
                  stderr_path, index_timeout=300.0, seed=7, log=print, profile_path=None):
    """Returns a dict of results; raises on a missing/broken server."""
    out = {}
    cache_dir = tempfile.mkdtemp(prefix="hpman-bench-lsp-cache-")
    env = clean_env(HPMAN_CACHE_DIR=cache_dir)
    cmd = [python, "-m", "hpman_lsp"]
    if profile_path:  # cProfile the server; the profile is written when it exits
        cmd = [python, "-m", "cProfile", "-o", str(profile_path), "-m", "hpman_lsp"]
    client = LspClient(cmd, cwd=str(big_dir), env=env,
                       stderr_path=stderr_path)
    try:
        folders = [{"uri": _uri(corpus), "name": "corpus"},
                   {"uri": _uri(big_dir), "name": "big"}]
        client.workspace_folders = folders
        t_start = time.perf_counter()
        init, _lat = client.request("initialize", {
            "processId": os.getpid(),
            "clientInfo": {"name": "hpman-bench", "version": "1"},
            "rootUri": _uri(corpus),
            "workspaceFolders": folders,
            "workDoneToken": "hpman-bench-initialize",
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "window": {"workDoneProgress": True},
                "workspace": {"configuration": True, "workspaceFolders": True,
                              "didChangeWatchedFiles": {"dynamicRegistration": True}},
                "textDocument": {
                    "synchronization": {"didSave": True, "dynamicRegistration": False},
                    "hover": {"contentFormat": ["markdown", "plaintext"]},
                    "definition": {"linkSupport": False},
                    "references": {},
                    "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                },
            },
        }, timeout=60)
        caps = (init or {}).get("capabilities", {})
        out["capabilities"] = sorted(k for k, v in caps.items() if v)
        client.notify("initialized", {})

        # -- wait for the initial indexing ---------------------------------
        def progress_state():
            began = ended = False
            for events in client.progress.values():
                kinds = [k for _t, k, _v in events]
                began = began or "begin" in kinds
                ended = ended or "end" in kinds
            return began, ended

        def tree_nodes():
            try:
                res, _l = client.request("hpman/tree", {}, timeout=30)
            except LspError:
                return None
            return sum(len(m.get("nodes") or []) for m in (res or {}).get("managers", []))

        deadline = time.monotonic() + index_timeout
        how = None
        while time.monotonic() < deadline and not client.closed:
            began, ended = progress_state()
            if ended:
                how = "$/progress end"
                break
            if not began and time.monotonic() - (deadline - index_timeout) > 2.0:
                n = tree_nodes()
                if n:
                    how = "hpman/tree non-empty"
                    break
            client.wait_for(lambda: progress_state()[1], 0.25)
        if client.closed:
            raise LspError("server exited during start-up (see %s)" % stderr_path)
        if how is None:
            raise LspError("initial indexing did not finish in %d s" % index_timeout)
        t_indexed = time.perf_counter()
        ends = [t for ev in client.progress.values() for t, k, _v in ev if k == "end"]
        if ends:
            t_indexed = min(ends)
        out["index_seconds"] = t_indexed - t_start
        out["index_detected_by"] = how
        out["tree_top_nodes"] = tree_nodes()

        # -- hover / definition / references -------------------------------
        occ = corpus_occurrences(Path(corpus).resolve())
        rng = random.Random(seed)
        files = sorted({o[0] for o in occ})
        chosen_files = set(rng.sample(files, min(40, len(files))))
        pool = [o for o in occ if o[0] in chosen_files]
        texts = {}
        for f in sorted(chosen_files):
            with open(f, encoding="utf-8") as fh:
                texts[f] = fh.read()
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": _uri(f), "languageId": "python", "version": 1, "text": texts[f]}})
        opened = {_uri(f) for f in chosen_files}
        # Let the server settle: diagnostics for the opened documents (or quiet).
        client.wait_for(lambda: opened <= {d[1] for d in client.diagnostics}, 10)
        time.sleep(0.5)

        methods = ["textDocument/hover", "textDocument/definition", "textDocument/references"]
        plan = [(m, rng.choice(pool)) for m in methods for _i in range(n_requests)]
        rng.shuffle(plan)
        lat = {m: [] for m in methods}
        nonempty = {m: 0 for m in methods}
        errors = {m: [] for m in methods}
        by_size = {m: [] for m in methods}   # (result size, latency)
        by_name = {m: {} for m in methods}   # name -> latencies
        for method, (path, line, col, name) in plan:
            params = {"textDocument": {"uri": _uri(path)},
                      "position": {"line": line, "character": col + 1}}
            if method == "textDocument/references":
                params["context"] = {"includeDeclaration": True}
            try:
                res, dt = client.request(method, params, timeout=30)
            except LspError as e:
                errors[method].append(str(e))
                continue
            lat[method].append(dt)
            nonempty[method] += _nonempty(res)
            by_size[method].append((len(res) if isinstance(res, list) else 1, dt))
            by_name[method].setdefault(name, []).append(dt)
        for m in methods:
            key = m.split("/")[1]
            out[key] = summary(lat[m])
            out[key]["nonempty"] = nonempty[m]
            out[key]["errors"] = len(errors[m])
            if errors[m]:
                out[key]["first_error"] = errors[m][0]
            # The most used name (`shared.lr`, in every hpman module) vs the rest.
            top = max(by_name[m], key=lambda k: len(by_name[m][k]), default=None)
            if top is not None:
                rest = [dt for k, v in by_name[m].items() if k != top for dt in v]
                out[key]["split"] = {"name": top, "name_n": len(by_name[m][top]),
                                     "name_p50": percentile(by_name[m][top], 50),
                                     "name_p95": percentile(by_name[m][top], 95),
                                     "rest_n": len(rest), "rest_p50": percentile(rest, 50),
                                     "rest_p95": percentile(rest, 95)}
            big = [dt for n, dt in by_size[m] if n >= 50]
            if big:
                out[key]["large_results"] = {"n": len(big), "p50": percentile(big, 50),
                                             "min_size": 50}

        # -- edit -> diagnostics on the 5,000-line file ----------------------
        uri = _uri(big_path)
        sync = caps.get("textDocumentSync")
        change_kind = sync.get("change") if isinstance(sync, dict) else sync
        out["sync_kind"] = change_kind
        n0 = len(client.diagnostics)
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": big_text}})
        got = client.wait_for(lambda: any(d[1] == uri for d in client.diagnostics[n0:]), 30)
        if not got:
            raise LspError("no diagnostics for the opened 5,000-line file in 30 s")
        time.sleep(0.3)
        line, c0, name = use_toggle_edit(big_text)
        state = {"version": 1, "lines": big_text.split("\n"), "current": name}

        def measure_edits(full):
            """Edit -> diagnostics for n_edits keystrokes, sent as ranges or (full) as the
            whole text, which LSP lets a client send on every change."""
            edit_lat, timeouts, fanout, settle = [], 0, [], []
            for _ in range(n_edits):
                current = state["current"]
                new = name + "x" if current == name else name   # typing a letter / undoing it
                state["version"] += 1
                version = state["version"]
                l2 = list(state["lines"])
                l2[line] = l2[line].replace("'%s'" % current, "'%s'" % new, 1)
                state["lines"] = l2
                if change_kind == 2 and not full:
                    changes = [{"range": {"start": {"line": line, "character": c0},
                                          "end": {"line": line, "character": c0 + len(current)}},
                                "text": new}]
                else:
                    changes = [{"text": "\n".join(l2)}]
                n0 = len(client.diagnostics)
                t0 = time.perf_counter()
                client.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version}, "contentChanges": changes})

                def arrived(n0=n0, version=version):
                    for d in client.diagnostics[n0:]:
                        if d[1] == uri and (d[2] is None or d[2] >= version):
                            return d
                    return None

                d = client.wait_for(arrived, 5.0)
                if d is None:
                    timeouts += 1
                    edit_lat.append(5.0)
                else:
                    edit_lat.append(d[0] - t0)
                state["current"] = new
                # Let the server go idle (it may still be publishing other documents
                # affected by this edit) so that each edit is timed from a quiet server.
                quiet_deadline = time.monotonic() + 10
                while time.monotonic() < quiet_deadline:
                    before = len(client.diagnostics) + len(client.notifications)
                    time.sleep(0.15)
                    if len(client.diagnostics) + len(client.notifications) == before:
                        break
                fanout.append(len({x[1] for x in client.diagnostics[n0:]}))
                if client.diagnostics[n0:]:
                    settle.append(client.diagnostics[-1][0] - t0)
            result = summary(edit_lat)
            result["timeouts"] = timeouts
            # How many documents got diagnostics published per edit: what the server
            # does for one keystroke.
            result["documents_published_per_edit_median"] = sorted(fanout)[len(fanout) // 2]
            # Edit -> the last publishDiagnostics it caused (the server is busy until then).
            result["settle_p50"] = percentile(settle, 50)
            return result

        out["edit"] = measure_edits(full=False)
        out["edit_full"] = measure_edits(full=True)
        return out
    finally:
        client.close()
