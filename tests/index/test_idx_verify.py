"""What a cold index parses, and what its whole-module syntax check re-reads: each text once.

The extraction skips the defs and classes that name a manager without calling it, and the
syntax verification skips the statements the extraction already parsed; neither may change a
fact or a verdict (the property tests in test_idx_chunks.py and test_contract.py hold that for
random modules, these for the cases one at a time)."""
import ast

import pytest

from hpman.index import facts as F
from hpman.index import scan as S

HEADER = "from hpman.m import _\n"
THROWAWAY = "def loop(xs):\n" + "".join("    for _ in xs:\n        print({})\n".format(i) for i in range(200))
CALLS = "def train():\n    return _('lr', 0.1) + _('bs', 32)\n"


def _recording(monkeypatch, module, attr):
    """The texts handed to `module.attr(text, path)` while the test runs."""
    seen = []
    real = getattr(module, attr)

    def record(text, path):
        seen.append(text)
        return real(text, path)
    monkeypatch.setattr(module, attr, record)
    return seen


@pytest.fixture
def parsed(monkeypatch):
    """The texts handed to the parser by the extraction."""
    return _recording(monkeypatch, S, "parse_module")


@pytest.fixture
def checked(monkeypatch):
    """The texts whose symbol table the syntax verification builds."""
    return _recording(monkeypatch, F, "_accepted")


def test_a_def_that_names_the_manager_without_calling_it_is_not_parsed(parsed):
    facts = F.extract_workspace(HEADER + THROWAWAY + CALLS, "/w/m.py")
    assert [o.name for o in facts.occurrences] == ["lr", "bs"]
    assert not any("for _ in xs" in text for text in parsed)
    assert any("_('lr', 0.1)" in text for text in parsed)


@pytest.mark.parametrize("binder", [
    "class _:\n    pass\n",                               # the class's own name
    "def rebind():\n    global _\n    _ = str\n",         # a global declaration
    "def rebind(a=(_ := str)):\n    return a\n",          # a walrus in a default: the module's scope
])
def test_a_def_that_rebinds_the_manager_outside_itself_is_parsed(parsed, binder):
    text = HEADER + binder + CALLS
    facts = F.extract_workspace(text, "/w/m.py")
    assert any(binder.split("\n")[0] in t for t in parsed)
    whole = F.extract_workspace(text, "/w/m.py", starts={"/w/m.py": (text, [0])})
    assert [(o.manager, o.name) for o in facts.occurrences] == [(o.manager, o.name) for o in whole.occurrences]


def test_a_call_split_across_lines_is_a_call():
    text = HEADER + "def f():\n    return (_\n            ('lr', 0.1))\n"
    assert [(o.name, o.value) for o in F.extract_workspace(text, "/w/m.py").occurrences] == [("lr", 0.1)]


def test_a_syntax_error_in_a_def_that_is_not_parsed_fails_the_verification():
    text = HEADER + "def loop(xs):\n    for _ in xs:\n        print 'py2'\n" + CALLS
    assert F.extract_workspace(text, "/w/m.py").issues == []        # the extraction never read it
    verified = F.extract_workspace(text, "/w/m.py", verify=True)
    assert [(i.code, i.range[0]) for i in verified.issues] == [("syntax-error", 3)]


def test_the_verification_does_not_reread_what_the_extraction_parsed(checked):
    big_use = "def train():\n" + "".join("    x{0} = _('p{0}', {0})\n".format(i) for i in range(300))
    text = HEADER + THROWAWAY + big_use
    facts = F.extract_workspace(text, "/w/m.py", verify=True)
    assert facts.verified and facts.issues == [] and len(facts.occurrences) == 300
    assert checked and all("_('p1', 1)" not in t for t in checked)
    assert sum(map(len, checked)) < len(text) // 2


@pytest.mark.parametrize("rest", [
    "nonlocal x\n",              # the symbol table refuses it; the parser does not
    "yield 1\n",
    "x = 1\nfrom __future__ import annotations\n",
])
def test_a_run_the_symbol_table_refuses_is_decided_by_the_whole_module(rest):
    text = HEADER + CALLS + rest
    ast.parse(text)   # valid syntax, as 0.13's parse_file sees it
    facts = F.extract_workspace(text, "/w/m.py", verify=True)
    assert facts.verified and not [i for i in facts.issues if i.code == "syntax-error"]


@pytest.mark.parametrize("broken,line", [
    ("x = (1,\n", 3),                      # a bracket left open runs into the next statement
    ("s = '''\n", 3),                      # so does a string
    ("if True:\nreturn_ = 1\n", 4),
])
def test_a_run_that_does_not_parse_reports_the_whole_modules_error(broken, line):
    text = HEADER + CALLS + broken + "y = 2\n"
    try:
        ast.parse(text)
        expected = None
    except SyntaxError as exc:
        expected = (exc.lineno or 1) - 1
    issues = [i for i in F.extract_workspace(text, "/w/m.py", verify=True).issues if i.code == "syntax-error"]
    assert [i.range[0] for i in issues] == [expected]
    assert expected is not None and expected >= line - 1


def test_the_statement_cache_stays_bounded_through_a_long_edit_and_keeps_what_is_in_use(parsed):
    cache = S.PieceCache(limit=20)
    rest = "".join("def f{0}():\n    return _('p{0}', {0})\n".format(i) for i in range(10))
    for value in range(500):   # typing in the first statement, one version after the other
        text = HEADER + "x = _('lr', {})\n".format(value) + rest
        facts = F.extract_workspace(text, "/w/m.py", cache)
        assert len(facts.occurrences) == 11
        assert len(cache) <= 2 * cache.limit
    parsed.clear()
    assert len(F.extract_workspace(text, "/w/m.py", cache).occurrences) == 11
    assert parsed == []   # every statement of the current text is still cached
