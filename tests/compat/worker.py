"""Run a batch of compat cases against whichever hpman/hpargparse this interpreter imports.

The same file runs under the repo's .venv (ours) and under .venv-compat (hpman 0.13.0,
hpargparse 0.14.0), so it uses only the API both share. It reads a JSON batch from
stdin and prints one JSON result per case, in order, as a JSON list. Every value is
turned into a tagged, JSON-able form (`canon`) so that types, dict order and NaN
survive the trip and compare exactly.
"""
import argparse
import ast
import base64
import contextlib
import io
import json
import math
import os
import shutil
import sys
import tempfile
import traceback

import hpman

# Python 3.9 compatible on purpose: the reference venv may be any CPython 3.9..3.13.


def canon(value, depth=0):
    """A tagged JSON form of a value: equal forms mean equal type and value."""
    if depth > 50:
        return ["deep"]
    kind = type(value)
    if value is None:
        return ["None"]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", str(value)]
    if kind is float:
        return ["float", repr(value) if not math.isnan(value) else "nan"]
    if kind is complex:
        return ["complex", repr(value)]
    if kind is str:
        return ["str", value]
    if kind is bytes:
        return ["bytes", base64.b64encode(value).decode("ascii")]
    if kind in (list, tuple):
        return [kind.__name__, [canon(v, depth + 1) for v in value]]
    if kind in (set, frozenset):
        items = [canon(v, depth + 1) for v in value]
        return [kind.__name__, sorted(items, key=lambda c: json.dumps(c, sort_keys=True))]
    if kind is dict:
        return ["dict", [[canon(k, depth + 1), canon(v, depth + 1)] for k, v in value.items()]]
    if value is Ellipsis:
        return ["Ellipsis"]
    if isinstance(value, hpman.EmptyValue):
        return ["EmptyValue"]
    if isinstance(value, hpman.NotLiteralEvaluable):
        return ["NotLiteralEvaluable"]
    if isinstance(value, str):  # hpargparse's StringAsDefault and other str subclasses
        return ["str", str(value)]
    return ["other", kind.__name__]


def describe_exception(exc):
    """Type (with its bases, so a subclass still matches), first message line, location."""
    names = [c.__name__ for c in type(exc).__mro__ if c not in (object, BaseException)]
    out = {"types": names, "msg": str(exc).split("\n", 1)[0][:300]}
    if isinstance(exc, SyntaxError):
        out["lineno"] = exc.lineno
        out["filename"] = exc.filename
    if isinstance(exc, SystemExit):
        out["code"] = exc.code if isinstance(exc.code, (int, type(None))) else str(exc.code)
    return out


def write_files(root, files):
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path) or root, exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def walk_nodes(tree, prefix=""):
    """Every (dotted name, node) of a HyperParamTree, empty nodes included."""
    for key, child in tree.children.items():
        name = prefix + key
        if child.node is not None:
            yield name, child.node
        for item in walk_nodes(child, name + "."):
            yield item


def occurrence_row(occ):
    return [occ.name, canon(occ.value), canon(dict(occ.hints or {})), occ.filename, occ.lineno,
            int(occ.priority)]


def snapshot(mgr, probes):
    """What a user can observe of a manager."""
    out = {"values": [[k, canon(v)] for k, v in mgr.get_values().items()]}
    out["tree"] = guarded(lambda: canon(mgr.get_tree()))
    rows = []
    for _name, node in walk_nodes(mgr.tree):
        rows.extend(occurrence_row(o) for o in node.db)
    out["occurrences"] = sorted(rows, key=lambda r: json.dumps(r))
    top = {}
    for name in probes:
        occ = guarded(lambda: mgr.get_occurrence(name))
        top[name] = occ if isinstance(occ, dict) else (None if occ is None else occurrence_row(occ)[:5])
    out["top"] = top
    out["exists"] = {name: guarded(lambda: mgr.exists(name)) for name in probes}
    out["get"] = {name: guarded(lambda: canon(mgr.get_value(name))) for name in probes}
    return out


def guarded(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the exception is the observation
        return {"exc": describe_exception(exc)}


def run_ops(mgr, ops):
    """Runtime operations after parsing: calls, setters, getters."""
    results = []
    for op in ops:
        kind = op[0]
        if kind == "call":
            args = [op[1]] + ([ast.literal_eval(op[2])] if op[2] is not None else [])
            results.append(guarded(lambda: canon(mgr(*args))))
        elif kind == "set":
            results.append(guarded(lambda: mgr.set_value(op[1], ast.literal_eval(op[2])) and None))
        elif kind == "set_tree":
            results.append(guarded(lambda: mgr.set_tree(ast.literal_eval(op[1])) and None))
        elif kind == "get":
            results.append(guarded(lambda: canon(mgr.get_value(op[1]))))
    return results


def run_hpman_case(case, root):
    mgr = hpman.HyperParameterManager(case.get("placeholder", "_"))
    out = {}
    try:
        for _ in range(2 if case.get("twice") else 1):
            if case["op"] == "parse_file":
                mgr.parse_file(case["target"])
            else:
                mgr.parse_source(case["text"], case.get("filename", "<unknown>"))
        out["exc"] = None
    except Exception as exc:  # noqa: BLE001
        out["exc"] = describe_exception(exc)
        return out
    out.update(snapshot(mgr, case.get("probes", [])))
    if case.get("ops"):
        out["ops"] = run_ops(mgr, case["ops"])
        out["after"] = snapshot(mgr, case.get("probes", []))
    return out


def help_entries(parser):
    """The options of `-h` as (option strings, metavar/choices part, help), from one-line-per-
    entry help (COLUMNS is set very wide by the driver)."""
    text = parser.format_help()
    entries = []
    for line in text.splitlines():
        if line.startswith("  -"):
            head, _, help_text = line.strip().partition("  ")
            entries.append([head.strip(), help_text.strip()])
        elif entries and line.startswith("        ") and line.strip():
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
    usage = text.split("\n\n", 1)[0]
    return {"usage": " ".join(usage.split()), "entries": entries}


def yaml_loader():
    """A SafeLoader that reads the tags both sides write (tuples, complex numbers) and keeps
    any other tag as a marker instead of failing."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("tag:yaml.org,2002:python/tuple",
                           lambda loader, node: tuple(loader.construct_sequence(node, deep=True)))
    Loader.add_constructor("tag:yaml.org,2002:python/complex",
                           lambda loader, node: complex(loader.construct_scalar(node)))
    Loader.add_multi_constructor("", lambda loader, suffix, node: "<tag {}>".format(node.tag))
    return Loader


def parse_listing(text):
    """What a `--hp-list` printed, as data: JSON (keeping key order), YAML, or for the
    detail table the names of its "All hyperparameters:" line."""
    import yaml

    stripped = text.strip()
    if not stripped:
        return None
    if stripped.startswith("All hyperparameters:"):
        line = stripped.splitlines()[1].strip()
        try:
            return ["detail", canon(ast.literal_eval(line))]
        except (ValueError, SyntaxError):
            return ["detail", line]
    try:
        return ["json", canon(json.loads(stripped, object_pairs_hook=lambda kv: dict(kv)))]
    except ValueError:
        pass
    try:
        return ["yaml", canon(yaml.load(stripped, Loader=yaml_loader()))]
    except yaml.YAMLError as exc:
        return ["unparsable", str(exc).split("\n", 1)[0]]


def error_line(text):
    lines = [ln for ln in text.splitlines() if ln.startswith("main.py: error:")]
    return lines[-1] if lines else None


def run_argparse_case(case, root, side=""):
    import hpargparse

    argv = [a.replace("{SIDE}", side) for a in case["argv"]]
    mgr = hpman.HyperParameterManager("_")
    out = {}
    try:
        mgr.parse_file(case["target"])
    except Exception as exc:  # noqa: BLE001
        out["parse_exc"] = describe_exception(exc)
        return out
    parser = argparse.ArgumentParser(prog="main.py")
    try:
        hpargparse.bind(parser, mgr, **case.get("bind", {}))
    except Exception as exc:  # noqa: BLE001
        out["bind_exc"] = describe_exception(exc)
        return out
    if case.get("help"):
        out["help"] = guarded(lambda: help_entries(parser))
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            ns = parser.parse_args(argv)
            out["exc"] = None
            out["ns"] = {k: canon(v) for k, v in sorted(vars(ns).items()) if k in case.get("names", ())}
        except BaseException as exc:  # noqa: BLE001 - SystemExit is what argparse does
            out["exc"] = describe_exception(exc)
    if "-h" not in argv:
        out["listing"] = parse_listing(stdout.getvalue())
    out["error"] = error_line(stderr.getvalue())
    out["values"] = [[k, canon(v)] for k, v in mgr.get_values().items()]
    return out


def main():
    batch = json.load(sys.stdin)
    base = tempfile.mkdtemp(prefix="hpman-compat-")
    results = []
    cwd = os.getcwd()
    try:
        for i, case in enumerate(batch["cases"]):
            root = os.path.join(base, str(i))
            os.makedirs(root)
            write_files(root, case.get("files", {}))
            os.chdir(root)
            try:
                if batch["kind"] == "hpman":
                    results.append(run_hpman_case(case, root))
                else:
                    results.append(run_argparse_case(case, root, batch.get("side", "")))
            except BaseException as exc:  # noqa: BLE001 - a crash of the harness itself
                results.append({"harness_error": describe_exception(exc),
                                "traceback": traceback.format_exc()[-2000:]})
            finally:
                os.chdir(cwd)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main()
