"""Aliases of a manager and bindings in the order Python runs them: the index, the runtime's
parse_file and the command line agree (the seed README's two caveats, solved)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
from idx_helpers import memory_ws, write

from hpman import HyperParameterManager
from hpman.index import facts as F

# The seed README's two examples, verbatim (tests/fixtures/seed_caveats/).
_SEED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "seed_caveats")
with open(os.path.join(_SEED, "alias.py"), encoding="utf-8") as f:
    SEED_ALIAS = f.read()
with open(os.path.join(_SEED, "false_positive.py"), encoding="utf-8") as f:
    SEED_FALSE_POSITIVE = f.read()


def found(text):
    """[(manager, name)] of the occurrences of a module, in source order."""
    facts = F.extract_workspace(textwrap.dedent(text), "/w/m.py")
    return [(o.manager, o.name) for o in facts.occurrences]


def runtime(text, placeholder="_"):
    """get_values() of `parse_source` with a fresh manager."""
    return HyperParameterManager(placeholder).parse_source(textwrap.dedent(text)).get_values()


def cli(*args, cwd):
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    return subprocess.run([sys.executable, "-m", "hpman"] + list(args) + ["--no-cache"], cwd=str(cwd), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          encoding="utf-8", timeout=120)


# -- the seed's examples ---------------------------------------------------------------

def test_seed_alias_example_is_seen_by_the_runtime_the_index_and_the_cli(tmp_path):
    path = write(tmp_path, "alias.py", SEED_ALIAS)
    assert HyperParameterManager("_").parse_file(path).get_values() == {"a": 1}
    occ, = F.extract_workspace(SEED_ALIAS, path).occurrences
    assert (occ.manager, occ.name, occ.line, occ.value) == ("_", "a", 3, 1)
    listed = cli("list", "--format", "json", "alias.py", cwd=tmp_path)
    assert listed.returncode == 0 and json.loads(listed.stdout) == {"a": 1}
    checked = cli("check", "--strict", "alias.py", cwd=tmp_path)
    assert (checked.returncode, checked.stdout) == (0, "")


def test_seed_false_positive_example_is_gone_and_check_says_why(tmp_path):
    path = write(tmp_path, "false_positive.py", SEED_FALSE_POSITIVE)
    ran = subprocess.run([sys.executable, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=120)
    assert (ran.returncode, ran.stdout) == (0, "{}\n"), ran.stderr
    assert HyperParameterManager("_").parse_file(path).get_values() == {}
    listed = cli("list", "--format", "json", "false_positive.py", cwd=tmp_path)
    assert listed.returncode == 0 and json.loads(listed.stdout) == {}
    checked = cli("check", "false_positive.py", cwd=tmp_path)
    assert checked.returncode == 0   # a warning, not an error: parse_file does not fail either
    line, = checked.stdout.splitlines()
    assert line.startswith("false_positive.py:4:1: warning shadowed-manager `_` is bound to something other")
    assert "the `_(...)` call at line 6 is not hpman's" in line
    assert cli("check", "--strict", "false_positive.py", cwd=tmp_path).returncode == 1


# -- aliases ----------------------------------------------------------------------------

def test_alias_chains_in_a_module_until_rebound():
    text = """\
        from hpman.m import _, hp
        a = _
        b = a
        c: object = b
        b('x', 1)
        c('y', 2)
        h = g = hp
        g('z', 3)
        h('w', 4)
        a = 3
        b('still', 5)
        a('no', 6)
        """
    assert found(text) == [("_", "x"), ("_", "y"), ("hp", "z"), ("hp", "w"), ("_", "still")]
    assert runtime(text) == {"x": 1, "y": 2, "still": 5}
    assert runtime(text, "hp") == {"z": 3, "w": 4}
    facts = F.extract_workspace(textwrap.dedent(text), "/w/m.py")
    assert facts.managers == {"_": "_", "hp": "hp", "b": "_", "c": "_", "h": "hp", "g": "hp"}
    (shadow,) = [i for i in facts.issues if i.code == "shadowed-manager"]
    assert shadow.range[0] == 9 and "`a(...)` call at line 12" in shadow.message


def test_aliases_in_functions_follow_the_function_order_and_the_module_end():
    text = """\
        from hpman.m import _
        def train():
            h = _
            h('lr', 0.1)
            h = print
            h('no')
            k = late
            return k('from_module_end', 2)
        def early():
            return q('unbound_local'), q
        q = 1
        late = _
        """
    assert found(text) == [("_", "lr"), ("_", "from_module_end")]
    assert runtime(text) == {"lr": 0.1, "from_module_end": 2}


def test_an_alias_of_an_alias_defined_after_the_function_counts():
    # functions run after the module: they see `h` as it stands at the end
    text = "from hpman.m import _\ndef f():\n    return h('x', 1)\nh = _\n"
    assert found(text) == [("_", "x")]
    assert runtime(text) == {"x": 1}


def test_an_alias_used_before_its_assignment_at_module_level_does_not_count():
    text = "from hpman.m import _\nh('x', 1)\nh = _\nh('y', 2)\n"
    assert found(text) == [("_", "y")]
    assert runtime(text) == {"y": 2}


def test_aliases_through_attributes_or_containers_are_out_of_scope():
    text = """\
        from hpman.m import _
        class Cfg:
            pass
        cfg = Cfg()
        cfg.hp = _
        cfg.hp('attr', 1)
        box = [_]
        box[0]('item', 2)
        first = [_][0]
        first('indexed', 3)
        """
    assert found(text) == []
    assert runtime(text) == {}


def test_hover_references_and_rename_see_the_alias_calls():
    from hpman.index import edits, queries
    text = "from hpman.m import _\nhello = _\nhello('a', 1)\n_('a')\n"
    ws = memory_ws({"/w/m.py": text})
    assert queries.key_at(ws, "/w/m.py", 2, 8) == ("_", "a")
    (node,) = queries.name_tree(ws, "_")   # the editor's tree
    assert (node.name, node.value, [o.line for o in node.occurrences]) == ("a", "1", [2, 3])
    assert [o.line for o in ws.occurrences_of(("_", "a"))] == [2, 3]
    changes = edits.group_by_path(edits.rename(ws, ("_", "a"), "b"))
    assert edits.apply(text, changes["/w/m.py"]) == "from hpman.m import _\nhello = _\nhello('b', 1)\n_('b')\n"


# -- bindings in order --------------------------------------------------------------------

def test_a_module_level_call_before_and_after_the_import():
    text = """\
        _('before', 1)
        from hpman.m import _
        _('after', 2)
        def f():
            return _('in_function', 3)
        """
    assert found(text) == [("_", "after"), ("_", "in_function")]
    # the runtime agrees: at the first line `_` is not bound yet
    assert runtime(text) == {"after": 2, "in_function": 3}


def test_a_fallback_for_a_missing_hpman_is_not_a_rebinding():
    text = """\
        try:
            from hpman.m import _
        except ImportError:
            def _(name, value=None, **hints):
                return value
        lr = _('lr', 0.1)
        def f():
            return _('in_f', 2)
        """
    assert found(text) == [("_", "lr"), ("_", "in_f")]
    assert runtime(text) == {"lr": 0.1, "in_f": 2}
    assert F.extract_workspace(textwrap.dedent(text), "/w/m.py").issues == []
    # a rebinding in a handler of a try that does not import the manager still counts
    other = "from hpman.m import _\ntry:\n    import gettext\nexcept ImportError:\n    _ = str\n_('x', 1)\n"
    assert found(other) == []


def test_gettext_then_hpman_then_gettext():
    text = """\
        from gettext import gettext as _
        _('hello')
        from hpman.m import _
        _('lr', 0.1)
        class C:
            x = _('in_class_body', 1)
        xs = [_('in_comprehension', i) for i in range(2)]
        _ = str
        _('world')
        def f():
            return _('gettext_at_the_end')
        """
    assert found(text) == [("_", "lr"), ("_", "in_class_body"), ("_", "in_comprehension")]
    assert list(runtime(text)) == ["lr", "in_class_body", "in_comprehension"]


@pytest.mark.parametrize("source", [
    '_("a", 1)',                                      # the seed's parse_source example: no import at all
    "from config import _\n_('a', 1)",                # re-exported from elsewhere: counts as in 0.13
    "def f():\n    return _('a', 1)",
])
def test_the_runtime_placeholder_counts_where_the_module_does_not_bind_it(source):
    assert list(runtime(source)) == ["a"]


def test_in_a_module_without_the_import_the_placeholder_counts_until_rebound():
    # nothing binds `_` at the call, so it is the placeholder's, as in 0.13; the rebinding takes over below
    assert runtime("x = _('k', 1)\n\n_ = 3\n_('after')\ndef f():\n    return _('in_f', 2)\n") == {"k": 1}
    assert list(runtime("f(_('k.v', 1 + 2))\n\nfor _ in range(3):\n    pass\n")) == ["k.v"]


def test_bad_calls_carry_their_walk_order_like_occurrences():
    facts = F.extract_workspace("from hpman.m import _\nf(_(x))\n_()\n", "/w/m.py")
    deeper, shallower = sorted(facts.issues, key=lambda i: i.range)
    assert (deeper.code, shallower.code) == ("non-literal-name", "bad-arguments")
    assert shallower.order < deeper.order   # `_()` is less nested: 0.13 met it first


def test_the_runtime_follows_scopes_like_the_index():
    text = "def f(_):\n    return _('param', 1)\ng = lambda _: _('lambda', 2)\nxs = [_('loop') for _ in 'ab']\n"
    assert runtime(text) == {}
