"""The contract between the static view and the program (README, "The contract").

For any paths: `hpman check PATHS` reports an error exactly when `_.parse_file(PATHS)` raises,
and otherwise `hpman list PATHS --format json` equals `get_values()` for every literal value,
in the same order. Held on random trees of modules (hypothesis, derandomized, bounded): random
calls at random depths, syntax errors anywhere in a module, bad calls, duplicate defaults (equal
or not), leaf/tree conflicts, `choices`, non-literal defaults, encodings (UTF-8, a latin-1
cookie, a BOM, an unknown cookie) and line endings (LF, CRLF, CR); each tree checked whole and
through a random choice of its files and folders, with cold and warm caches.
"""
import contextlib
import io
import json
import os
import shutil
import tempfile

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hpman import HyperParameterManager, cli
from hpman.primitives import NotLiteralEvaluable
from hpman.values import texts

NAMES = ["lr", "bs", "model", "model.depth", "model.width", "opt.name", "opt.lr", "a", "a.b", "k.v",
         "seed", "epochs", "data.workers", "data.shuffle", "drop", "名字", "n1", "n2", "n3", "n4", "opt.m",
         "x.y.z", "w", "u"]
VALUES = ["0.1", "32", "'adam'", "[1, 2]", "None", "True", "{'x': 1}", "(1, 2)", "-3", "f()", "1e-5", "'é'"]
BAD_CALLS = ["_()", "_(name)", "_('h', 1, help=f())", "_('lr', 1, 2)", "_(*args)"]
BREAKAGE = ["def (:\n", "print 'python 2'\n", "x = " + "(" * 300 + "1" + ")" * 300 + "\n",
            "if True:\nreturn_ = 1\n", "x = [1, 2\n"]


@st.composite
def calls(draw):
    kind = draw(st.sampled_from(["define"] * 4 + ["use"] * 3 + ["hint", "choices"] * 2 + ["bad"]))
    name = draw(st.sampled_from(NAMES))
    value = draw(st.sampled_from(VALUES))
    if kind == "define":
        return "_({!r}, {})".format(name, value)
    if kind == "use":
        return "_({!r})".format(name)
    if kind == "hint":
        return "_({!r}, {}, help='the {}')".format(name, value, name)
    if kind == "choices":
        return "_({!r}, {}, choices=[0.1, 32, 'adam'])".format(name, value)
    return draw(st.sampled_from(BAD_CALLS))


@st.composite
def statements(draw):
    call = draw(calls())
    where = draw(st.sampled_from(["top", "def", "if", "class", "nested", "expr", "throwaway"]))
    if where == "top":
        return "v = {}\n".format(call)
    if where == "def":
        return "def f{}():\n    return {}\n".format(draw(st.integers(0, 9)), call)
    if where == "if":
        return "if True:\n    w = {}\n".format(call)
    if where == "class":
        return "class C:\n    attr = {}\n".format(call)
    if where == "nested":
        return "def g():\n    def h():\n        if x:\n            y = {}\n    return h\n".format(call)
    if where == "throwaway":   # a def that names `_` but never calls it, then the call
        return "def t():\n    for _ in range(2):\n        pass\n\n\nprint({})\n".format(call)
    return "print({}, {})\n".format(call, draw(calls()))


@st.composite
def modules(draw):
    body = "".join(draw(st.lists(statements(), min_size=0, max_size=6)))
    if draw(st.integers(0, 15)) == 0:   # a syntax error somewhere in the module
        lines = body.split("\n")
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from(BREAKAGE)).rstrip("\n"))
        body = "\n".join(lines)
    text = "from hpman.m import _\nimport math\n" + body
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "bom", "unknown-cookie"]))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    if encoding == "latin-1":
        data = ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + text).replace("\n", newline)
        return data.encode("latin-1", "replace")
    data = text.replace("\n", newline).encode("utf-8")
    if encoding == "bom":
        return b"\xef\xbb\xbf" + data
    if encoding == "unknown-cookie":
        return ("# -*- coding: uft-8 -*-" + newline).encode() + data
    return data


@st.composite
def trees(draw):
    rels = draw(st.lists(st.sampled_from(["a.py", "b.py", "pkg/c.py", "pkg/d.py", "pkg/sub/e.py", "z.py"]),
                         min_size=1, max_size=5, unique=True))
    files = {rel: draw(modules()) for rel in rels}
    if draw(st.booleans()):   # a module that does not use hpman, broken: none of anyone's business
        files["plain.py"] = b"import os\ndef (:\n"
    candidates = sorted(set(rels) | {r.rsplit("/", 1)[0] for r in rels if "/" in r})
    chosen = draw(st.one_of(st.just(["."]), st.lists(st.sampled_from(candidates), min_size=1, max_size=3,
                                                         unique=True)))
    return files, chosen


def run_cli(args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(args)
    return code, out.getvalue()


def runtime(paths):
    m = HyperParameterManager("_")
    try:
        m.parse_file(paths)
    except Exception as exc:   # noqa: BLE001 - any exception is "raises"
        return exc, None
    values = [(k, texts.json_value(v)) for k, v in m.get_values().items() if not isinstance(v, NotLiteralEvaluable)]
    return None, values


def listed_literals(out, root, paths):
    values = json.loads(out)
    m = HyperParameterManager("_").parse_file(paths)   # which names hold non-literal defaults
    return [(k, v) for k, v in values.items() if not isinstance(m.get_values().get(k), NotLiteralEvaluable)]


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(trees())
def test_check_errors_exactly_when_parse_file_raises_and_list_equals_get_values(tree):
    files, chosen = tree
    root = tempfile.mkdtemp(prefix="hpman-contract-")
    cwd = os.getcwd()
    old_cache = os.environ.get("HPMAN_CACHE_DIR")
    os.environ["HPMAN_CACHE_DIR"] = os.path.join(root, ".cache")
    try:
        for rel, data in files.items():
            path = os.path.join(root, "src", rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        os.chdir(os.path.join(root, "src"))
        for attempt in ("cold", "warm"):
            code, out = run_cli(["check", "--format", "json"] + chosen)
            problems = json.loads(out)
            errors = [p for p in problems if p["severity"] == "error"]
            raised, values = runtime(chosen)
            assert bool(errors) == (raised is not None), (attempt, chosen, errors, raised)
            assert code == (1 if errors else 0)
            event("raises {}".format(type(raised).__name__) if raised is not None else "parses")
            if raised is not None:
                continue
            code, out = run_cli(["list", "--format", "json"] + chosen)
            assert code == 0
            assert listed_literals(out, root, chosen) == values, (attempt, chosen)
    finally:
        os.chdir(cwd)
        if old_cache is None:
            os.environ.pop("HPMAN_CACHE_DIR", None)
        else:
            os.environ["HPMAN_CACHE_DIR"] = old_cache
        shutil.rmtree(root, ignore_errors=True)
