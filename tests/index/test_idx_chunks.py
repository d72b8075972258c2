"""The chunked parser (top-level statements cut without parsing) equals a whole-file parse."""
import ast
import random
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpman.index import chunks
from hpman.index import facts as F
from hpman.index import scan as S
from hpman.index.chunks import starts_after_edit, statement_starts

NAMES = ["lr", "model.depth", "optim.lr", "学习率", "a.b.c"]
VALUES = ["1", "0.1", "'adam'", "[1, 2]", "{'k': (1, 2)}", "None", "f(x)", "-3"]


def _snippets(i, name, value):
    n, v = repr(name), value
    big_members = "".join("    def m{0}(self):\n        return {0}\n".format(k) for k in range(45))
    return [
        "x{} = _({}, {})".format(i, n, v),
        "def f{0}(a, b=_({1}, {2})):\n    return _({1})".format(i, n, v),
        "def g{0}(_):\n    return _({1})".format(i, n),
        "class C{0}:\n    attr = _({1}, {2})\n\n    def m(self):\n        return _({1})".format(i, n, v),
        "class B{0}(object):\n".format(i) + big_members +
        "    def uses(self, q=_({0})):\n        return _({0}, {1})\n".format(n, v) + big_members.replace("m", "k"),
        "class H{0}:\n    _ = str\n    y = _({1})\n".format(i, n) + big_members,
        "s{0} = '''\nx = _({1}, 1)\n'''".format(i, n),
        "y{0} = [\n_({1}, {2}),\n]".format(i, n, v),
        "if cond:\n    z = _({0})\nelse:\n    z = _({0}, {1})".format(n, v),
        "try:\n    import foo\nexcept ImportError:\n    _({0})\nfinally:\n    pass".format(n),
        "@decorator(_({0}, {1}))\ndef h{2}():\n    pass".format(n, v, i),
        "v{0} = 1 + \\\n_({1})".format(i, n),
        "q{0} = _(\n    {1},\n    {2}\n)".format(i, n, v),
        "l{0} = lambda _: _({1})".format(i, n),
        "c{0} = [_({1}) for _ in range(2)] + [_({1}, {2}) for k in range(2)]".format(i, n, v),
        "w{0} = f\"{{_({1}, 1)}}\"".format(i, n),
        "t{0} = \"'''\"; _({1}, {2})".format(i, n, v),
        "u{0} = '''abc\n_({1}, 1)''' + _({1})".format(i, n),
        "# _({0}, 1) in a comment".format(n),
        "async def a{0}():\n    async with x as _:\n        await _({1})\n    return _({1}, {2})".format(i, n, v),
        "def outer{0}():\n    _ = 1\n\n    def inner():\n        return _({1})\n    return inner".format(i, n),
        "e{0} = _({1}, {2}, help='h', choices=[{2}])".format(i, n, v),
        "_({0}, 1, 2)\n_()\n_(name{1})\n_({0}, 1, help=g())".format(n, i),
        "m{0} = cfg({1}, {2})".format(i, n, v),
        "while False:\n    _({0})\n    break\nelse:\n    pass".format(n),
        "with open('f') as fh:\n    _({0}, {1})".format(n, v),
        "def d{0}():\n    '''docstring\n_({1}, 1)\n'''\n    return _({1})".format(i, n),
        "def li{0}():\n    from hpman.m import _, cfg as c\n    return _({1}, {2}), c({1})".format(i, n, v),
        "class LI{0}:\n    from hpman.m import _\n    a = _({1}, {2})\n\n    def m(self):\n        return _({1})".format(i, n, v),
        # defs and classes that name `_` without calling it: nothing in them counts
        "def n{0}(a=_):\n    for _ in range(2):\n        pass\n    return [_ for _ in 'ab'], a".format(i),
        "class Q{0}(_.__class__):\n    _ = 3\n    z = _".format(i),
        # ... and one that calls it across lines
        "def sp{0}():\n    return (_\n        ({1}, {2}))".format(i, n, v),
    ]


RARE = [
    "for _ in range(3):\n    pass",
    "import gettext\n_ = gettext.gettext",
    "from hpman.m import _",
    "from re import _parser as _",
    "class _:\n    pass",
    "def k():\n    global _\n    _ = str",
    "def kw(a=(_ := str)):\n    return a",
]


@st.composite
def modules(draw):
    header = draw(st.sampled_from(["from hpman.m import _\n", "from hpman.m import _, cfg\n",
                                   "import hpman\n_ = hpman.HyperParameterManager('_')\n"]))
    parts = [header]
    for i in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(NAMES))
        value = draw(st.sampled_from(VALUES))
        if draw(st.integers(0, 15)) == 0:
            parts.append(draw(st.sampled_from(RARE)))
        else:
            options = _snippets(i, name, value)
            parts.append(options[draw(st.integers(0, len(options) - 1))])
        parts.append(draw(st.sampled_from(["\n", "\n\n", "\n# comment\n", "\n\n\n"])))
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
    ast.parse(text)  # every generated module is valid Python
    return text


def whole_file(monkeypatch_ctx, fn, *args):
    with monkeypatch_ctx() as mp:
        mp.setattr(S, "statement_starts", lambda text, indent="": [0])
        mp.setattr(S, "_parse_class_members", lambda *a, **k: None)
        return fn(*args)


def comparable(facts):
    return ([(o.manager, o.name, o.call, o.name_range, o.default_range, repr(o.value), o.default_text,
              repr(o.hints)) for o in facts.occurrences],
            [i.__getstate__() for i in facts.issues],
            sorted(facts.managers.items()))


_SHARED = F.PieceCache()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
def test_chunked_equals_whole_file(text):
    chunked = F.extract_workspace(text, "/w/m.py")
    cached = F.extract_workspace(text, "/w/m.py", _SHARED)
    whole = whole_file(pytest.MonkeyPatch.context, F.extract_workspace, text, "/w/m.py")
    assert comparable(chunked) == comparable(whole)
    assert comparable(cached) == comparable(whole)
    # the occurrences are equal as objects too
    assert chunked.occurrences == whole.occurrences
    # runtime (placeholder) mode
    chunked_rt = F.extract_placeholder(text, "/w/m.py", "_", keep_nodes=False)
    whole_rt = whole_file(pytest.MonkeyPatch.context, F.extract_placeholder, text, "/w/m.py", "_", False)
    assert comparable(chunked_rt) == comparable(whole_rt)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
def test_statement_starts_include_every_real_statement_start(text):
    """Every cut is at a line start, and every real top-level statement start is a cut."""
    starts = chunks.statement_starts(text)
    assert starts[0] == 0 and starts == sorted(set(starts))
    assert all(text[s - 1] == "\n" for s in starts[1:])
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    real = set()
    for node in ast.parse(text).body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        real.add(offsets[first - 1])
    # (generated modules have no comment ending in a backslash, which would hide the next start)
    assert real <= set(starts)
    # and every piece boundary is a line start outside the multi-line strings
    for a, b in chunks.string_spans(text):
        assert not any(a < s < b for s in starts)


@pytest.mark.parametrize("text", [
    "x = '''\nclass A:\n    pass\n'''\n",
    "x = 1 \\\n+ 2\n",
    "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n",
    "x = (\n1)\n",
    "s = \"'''\"\ny = 1\n",
    "# '''\ny = 1\nz = 2\n",
    "r = r'''\\'''\nq = 1\n'''\n",
])
def test_statement_starts_on_tricky_text(text):
    starts = chunks.statement_starts(text)
    pieces = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    assert "".join(pieces) == text
    # a cut never falls inside a multi-line triple-quoted string
    for a, b in chunks.string_spans(text):
        assert not any(a < s < b for s in starts)


def test_edit_reuses_unchanged_statements():
    body = "".join("def f{0}():\n    return _('n{0}', {0})\n\n".format(i) for i in range(50))
    text = "from hpman.m import _\n" + body
    cache = F.PieceCache()
    first = F.extract_workspace(text, "/w/m.py", cache)
    parses = []
    real = S._parse
    try:
        S._parse = lambda chunk, path: parses.append(chunk) or real(chunk, path)
        edited = text.replace("return _('n7', 7)", "return _('n7', 70)")
        second = F.extract_workspace(edited, "/w/m.py", cache)
    finally:
        S._parse = real
    assert len(parses) == 1 and "n7" in parses[0]
    assert [o.value for o in second.occurrences if o.name == "n7"] == [70]
    assert len(second.occurrences) == len(first.occurrences) == 50
    # lines of statements after the edit are right (the cache stores relative lines)
    assert second.occurrences[-1].call == first.occurrences[-1].call


TOKENS = ["_(", "'a'", "'a.b'", ", ", "1", ")", "(", "[", "]", "\n", "\n", "\n", "    ", " ", "\t", "#", "'''",
          '"""', "\\\n", "'", '"', "x = ", "def f(_):\n    ", "class C:\n    ", "from hpman.m import _\n", "hpman",
          "学习率", "🚀", "else:\n", "if x:\n    ", "_ = 1\n", "lambda _: ", "for _ in y:\n    ", "return ", "@d\n",
          "f'{", "}'", "cfg(", "import gettext\n", ":", "=", "r'", "b'", "\\"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_random_token_soup_never_raises_and_chunks_agree_when_valid(tokens):
    text = "from hpman.m import _\n" + "".join(tokens)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like in the soup
        _check_soup(text)


def _check_soup(text):
    chunked = F.extract_workspace(text, "/w/m.py")
    runtime = F.extract_placeholder(text, "/w/m.py", "_", keep_nodes=False)
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return
    # a valid module: chunked and whole-file parses agree, and nothing is a syntax error
    whole = whole_file(pytest.MonkeyPatch.context, F.extract_workspace, text, "/w/m.py")
    assert comparable(chunked) == comparable(whole)
    assert "syntax-error" not in [i.code for i in chunked.issues]
    whole_rt = whole_file(pytest.MonkeyPatch.context, F.extract_placeholder, text, "/w/m.py", "_", False)
    assert comparable(runtime) == comparable(whole_rt)


EDITED = '''from hpman.m import _
"""A module docstring
x = 'not code'
"""
class Model:
    depth = _('model.depth', 4)   # a comment with a "quote"
    def forward(self, x):
        s = "a string with # no comment"; t = 'and \\' an escape'
        return x * _('model.scale', 2.0)
else_ = 1
elsewhere = _('lr', 0.1) + \\
    _('momentum', 0.9)
@decorated
def train(epochs=_('epochs', 10)):
    text = """
many lines
    """
    return text
'''


def test_starts_after_an_edit_are_the_starts_of_the_new_text_or_none():
    rng = random.Random(5)
    starts = statement_starts(EDITED)
    kept = 0
    for _ in range(4000):
        i = rng.randrange(len(EDITED) + 1)
        ch = rng.choice("abz _(),.=0\"'#\\\n")
        op = rng.randrange(3)
        new = (EDITED[:i] + ch + EDITED[i:] if op == 0 else EDITED[:i] + EDITED[i + 1:] if op == 1
               else EDITED[:i] + ch + EDITED[i + 1:])
        got = starts_after_edit(EDITED, starts, new)
        if got is not None:
            kept += 1
            assert got == statement_starts(new), (i, op, ch)
    assert kept > 1000   # typing inside lines is the common case, and it is kept
    assert starts_after_edit(EDITED, starts, EDITED) == starts


def test_typing_a_name_next_to_its_quote_keeps_the_starts():
    starts = statement_starts(EDITED)
    for old, new in (("'epochs'", "'epoch'"), ("'epochs'", "'epochsx'"), ("'lr'", "'lr2'")):
        edited = EDITED.replace(old, new, 1)
        assert starts_after_edit(EDITED, starts, edited) == statement_starts(edited)
    # but an edit that makes two quotes touch is cut again
    assert starts_after_edit(EDITED, starts, EDITED.replace("'lr'", "''", 1)) is None
