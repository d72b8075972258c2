"""Measurement tasks run in a fresh subprocess, under either interpreter.

Run as ``PYTHON bench/worker.py TASK ARGS...``; the last line of stdout is one
JSON object with the task's figures.  Standard library only, so that the same
file runs in the reference virtual environment (original hpman 0.13.0) and in
ours.  Never imports anything from the repository by path: ``sys.path[0]`` is
this folder (bench/), which holds no ``hpman``.
"""
import ast
import glob
import json
import os
import resource
import statistics
import sys
import time
import timeit


def _rss():
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"maxrss_kb": self_kb, "children_maxrss_kb": child_kb}


def _cpu():
    """CPU seconds of this process and of the child processes it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _problems_fn(ws):
    """ws.problems(path) as briefed, or hpman.index.problems.problems_of(ws, path) as built."""
    if hasattr(ws, "problems"):
        return ws.problems
    from hpman.index.problems import problems_of
    return lambda path: problems_of(ws, path)


def _py_files(path):
    # The same file set and order as the original's parse_file(dir).
    return sorted(glob.glob(os.path.join(path, "**/*.py"), recursive=True))


def task_ast_parse(path):
    """ast.parse of every *.py under path (the reference line)."""
    t0 = time.perf_counter()
    files = lines = failed = 0
    for fn in _py_files(path):
        # Read like the original's parse_file does (text, UTF-8 here); parsing
        # a str ignores the coding cookie (the corpus has a `uft-8` one).
        with open(fn, encoding="utf-8") as fh:
            text = fh.read()
        try:
            ast.parse(text, fn)
        except (SyntaxError, ValueError):
            failed += 1
        files += 1
        lines += text.count("\n")
    return {"seconds": time.perf_counter() - t0, "files": files, "lines": lines,
            "failed": failed, **_rss()}


def task_orig_index(path):
    """The original's static index: parse_file on the tree."""
    import hpman
    from hpman.m import _

    t0 = time.perf_counter()
    _.parse_file(path)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "names": len(_.get_values()),
        "hpman_file": hpman.__file__,
        **_rss(),
    }


def task_ours_parse_file(path):
    """Our runtime: parse_file on the tree (cold or warm as HPMAN_CACHE_DIR says)."""
    from hpman.m import _

    t0 = time.perf_counter()
    _.parse_file(path)
    dt = time.perf_counter() - t0
    return {"seconds": dt, "names": len(_.get_values()), **_rss()}


def task_ours_workspace(path):
    """Our index, in process, cache off: time and peak memory."""
    from hpman.index import Workspace

    t0 = time.perf_counter()
    ws = Workspace([path], cache=False)
    ws.scan()
    dt = time.perf_counter() - t0
    out = {"seconds": dt, **_rss()}
    try:
        problems = _problems_fn(ws)
        out["problems"] = sum(len(problems(f)) for f in _py_files(path))
    except Exception as e:  # informative only
        out["problems_error"] = repr(e)
    return out


def task_ours_reindex(root, path, variants_file, repeats):
    """Workspace.set_text on a large file vs ast.parse of its text.

    Alternates the variants so that every set_text is a real change.  Times
    set_text alone and set_text followed by problems(path) (in case the index
    derives problems lazily), and ast.parse of the same text, interleaved.
    """
    from hpman.index import Workspace

    with open(variants_file, encoding="utf-8") as fh:
        variants = json.load(fh)
    repeats = int(repeats)
    ws = Workspace([root], cache=False)
    ws.scan()
    problems = _problems_fn(ws)
    problems(path)
    set_only, set_problems, parse = [], [], []
    for i in range(repeats):
        text = variants[(i + 1) % len(variants)]
        t0 = time.perf_counter()
        ws.set_text(path, text)
        t1 = time.perf_counter()
        problems(path)
        t2 = time.perf_counter()
        set_only.append(t1 - t0)
        set_problems.append(t2 - t0)
        t0 = time.perf_counter()
        ast.parse(text, path)
        parse.append(time.perf_counter() - t0)
    return {
        "set_text": set_only,
        "set_text_problems": set_problems,
        "ast_parse": parse,
        "lines": variants[0].count("\n"),
    }


def task_ours_uses(root):
    """Our index, in process, on the many-uses folder (supplementary figure)."""
    from hpman.index import Workspace

    walls, cpus = [], []
    for _i in range(3):  # fastest of three, CPU time too: the machine may be shared
        t0, c0 = time.perf_counter(), _cpu()
        ws = Workspace([root], cache=False)
        ws.scan()
        problems = _problems_fn(ws)
        n = sum(len(problems(f)) for f in _py_files(root))
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
    return {"seconds": min(walls), "cpu": min(cpus), "problems": n}


def task_timeit(kind, stmt_kind, repeat="7", min_batch="0.2"):
    """ns per call of the runtime getter/setter (or a dict.get reference)."""
    if kind == "dict":
        ns = {"d": {"lr": 0.1}}
        stmt = "d.get('lr', 0.1)" if stmt_kind == "set" else "d.get('lr')"
    else:
        from hpman.m import _

        _("lr", 0.1)
        ns = {"_": _}
        stmt = "_('lr', 0.1)" if stmt_kind == "set" else "_('lr')"
    timer = timeit.Timer(stmt, globals=ns)
    number = 1
    while timer.timeit(number) < float(min_batch):  # batches of >= min_batch seconds
        number *= 4
    runs = timer.repeat(repeat=int(repeat), number=number)
    per = [r / number * 1e9 for r in runs]
    return {"ns": statistics.median(per), "ns_min": min(per), "number": number}


def main():
    task = sys.argv[1].replace("-", "_")
    fn = globals()["task_" + task]
    result = fn(*sys.argv[2:])
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
