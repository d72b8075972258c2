"""Import-aware extraction: which calls count for which manager."""
import textwrap

import pytest
from idx_helpers import memory_ws, problems, scan, write

from hpman.index import facts as F


def found(text):
    """[(manager, name)] of the occurrences of a module, in source order."""
    facts = F.extract_workspace(textwrap.dedent(text), "/w/m.py")
    return [(o.manager, o.name) for o in facts.occurrences]


def test_from_hpman_m_import_underscore():
    assert found("""\
        from hpman.m import _
        _('a', 1)
        """) == [("_", "a")]


def test_alias_is_called_manager_is_the_imported_name():
    text = """\
        from hpman.m import cfg as c
        c('a', 1)
        cfg('b', 2)
        """
    assert found(text) == [("cfg", "a")]
    assert F.extract_workspace(textwrap.dedent(text), "/w/m.py").managers == {"c": "cfg"}


def test_parenthesised_multi_line_import():
    assert found("""\
        from hpman.m import (
            _,
            cfg as c,  # trailing comma below
            other,
        )
        _('a', 1)
        c('b', 2)
        other('c', 3)
        """) == [("_", "a"), ("cfg", "b"), ("other", "c")]


def test_backslash_continued_import():
    assert found("from hpman.m import _, \\\n    opt as o\no('x', 1)\n_('y')\n") == [("opt", "x"), ("_", "y")]


@pytest.mark.parametrize("binding", [
    "from hpman import HyperParameterManager\nhp = HyperParameterManager('cfg')",
    "import hpman\nhp = hpman.HyperParameterManager('cfg')",
    "import hpman\nhp: hpman.HyperParameterManager = hpman.HyperParameterManager('cfg', separator='.')",
])
def test_constructed_manager(binding):
    assert found(binding + "\nhp('a', 1)\n") == [("cfg", "a")]


def test_constructed_manager_shares_the_namespace_of_the_import():
    ws = memory_ws({
        "/w/a.py": "from hpman.m import _\n_('lr', 0.1)\n",
        "/w/b.py": "import hpman\nhp = hpman.HyperParameterManager('_')\nhp('lr', 0.2)\n",
    })
    assert ws.managers() == ["_"]
    assert [p.path for p in problems(ws, "duplicate-default")] == ["/w/a.py", "/w/b.py"]


def test_non_literal_constructor_argument_is_not_a_manager():
    assert found("import hpman\nname = 'x'\nhp = hpman.HyperParameterManager(name)\nhp('a', 1)\n") == []


def test_calls_through_attributes_do_not_count():
    assert found("""\
        import hpman.m
        from hpman.m import _
        hpman.m._('a', 1)
        self._('b', 2)
        _('c', 3)
        """) == [("_", "c")]


def test_relative_or_other_module_import_is_not_a_manager():
    assert found("# hpman\nfrom .hpman.m import _\n_('a', 1)\n") == []
    assert found("# hpman\nfrom hpman.mm import _\n_('a', 1)\n") == []
    assert found("# hpman\nfrom hpman import m as _\n_('a', 1)\n") == []


@pytest.mark.parametrize("later", [
    "from re import _parser as _",
    "import gettext\n_ = gettext.gettext",
    "_ = lambda s: s",
    "def _(s):\n    return s",
    "class _:\n    pass",
    "import _",
    "for _ in range(3):\n    pass",
    "with open('f') as _:\n    pass",
    "del _",
    "try:\n    pass\nexcept Exception as _:\n    pass",
    "(_ := 3)",
    "_, y = 1, 2",
])
def test_a_module_level_rebinding_hides_the_manager_from_its_line_on(later):
    text = "from hpman.m import _\n_('a', 1)\n" + later + "\n_('b', 2)\n"
    assert found(text) == [("_", "a")]
    facts = F.extract_workspace(text, "/w/m.py")
    assert facts.managers == {}
    assert [i.code for i in facts.issues] == ["shadowed-manager"]


def test_a_later_hpman_import_wins_over_an_earlier_gettext():
    text = "import gettext\n_ = gettext.gettext\nfrom hpman.m import _\n_('a', 1)\n"
    assert found(text) == [("_", "a")]
    assert F.extract_workspace(text, "/w/m.py").managers == {"_": "_"}


def test_other_managers_survive_the_rebinding_of_one():
    assert found("from hpman.m import _, cfg\nimport gettext\n_ = gettext.gettext\n_('a', 1)\ncfg('b', 2)\n") \
        == [("cfg", "b")]


@pytest.mark.parametrize("scope", [
    "def f(_):\n    return _('hidden')",
    "def f(*_):\n    return _('hidden')",
    "def f(**_):\n    return _('hidden')",
    "def f(*, _=None):\n    return _('hidden')",
    "def f():\n    _ = str\n    return _('hidden')",
    "def f():\n    return _('hidden')\n    _ = 1",          # local anywhere in the function
    "def f():\n    for _ in 'ab':\n        _('hidden')",
    "def f():\n    with g() as _:\n        _('hidden')",
    "def f():\n    import gettext as _\n    _('hidden')",
    "def f():\n    from x import y as _\n    _('hidden')",
    "async def f(_):\n    await _('hidden')",
    "def f():\n    (_ := 1)\n    return _('hidden')",
    "def outer():\n    _ = 1\n    def inner():\n        return _('hidden')\n    return inner",
    "g = lambda _: _('hidden')",
    "x = [_('hidden') for _ in range(3)]",
    "x = {_('hidden') for _ in range(3)}",
    "x = {k: _('hidden') for k, _ in items}",
    "x = list(_('hidden') for _ in range(3))",
    "x = [1 for _ in range(3) if _('hidden')]",
    "class C:\n    _ = str\n    x = _('hidden')",
])
def test_local_rebinding_hides_the_manager_in_that_scope_only(scope):
    text = "from hpman.m import _\n" + scope + "\n_('visible', 1)\n"
    assert found(text) == [("_", "visible")]


@pytest.mark.parametrize("scope", [
    "def f(x=_('visible', 1)):\n    _ = 2",                            # defaults: enclosing scope
    "@_('visible', 1)\ndef f(_):\n    pass",                           # decorators too
    "def f(x: _('visible', 1)):\n    _ = 2",                           # annotations too
    "def f():\n    global _\n    return _('visible', 1)",
    "def f():\n    return _('visible', 1)\ndef g(_):\n    pass",
    "x = [y for _ in range(1) for y in _('visible', [1])]",            # hmm: later iterables see the target
    "x = [y for y in _('visible', [1]) for _ in range(1)]",            # the first iterable: enclosing scope
    "class C:\n    _ = str\n    def m(self):\n        return _('visible', 1)",  # methods skip the class body
    "class C:\n    x = _('visible', 1)",
    "class C(_('visible', 1)):\n    _ = 2",
    "if True:\n    y = _('visible', 1)",
    "try:\n    y = _('visible', 1)\nexcept ImportError:\n    pass",
])
def test_scopes_that_still_see_the_manager(scope):
    names = [n for _m, n in found("from hpman.m import _\n" + scope + "\n")]
    if "for _ in range(1) for y in" in scope:
        assert names == []  # the second iterable runs inside the comprehension, where `_` is the target
    else:
        assert names == ["visible"]


def test_big_class_members_follow_the_same_rules():
    # classes of 80+ lines take a faster path (members parsed one by one)
    filler = "".join("    def f{0}(self):\n        return {0}\n".format(i) for i in range(60))
    text = ("from hpman.m import _\n"
            "class Big:\n" + filler +
            "    def uses(self):\n        return _('in_method', 1)\n"
            "    def hides(self, _):\n        return _('hidden')\n" + filler.replace("def f", "def g"))
    assert found(text) == [("_", "in_method")]
    facts = F.extract_workspace(text, "/w/m.py")
    assert facts.occurrences[0].call[0] == text.split("\n").index("        return _('in_method', 1)")
    assert [i.code for i in facts.issues] == ["shadowed-manager"]
    # a class-level binding in a big class hides the manager for the class body only
    text2 = text.replace("class Big:\n", "class Big:\n    _ = str\n    y = _('hidden_too')\n")
    assert found(text2) == [("_", "in_method")]


def test_module_without_hpman_is_skipped_and_not_parsed(tmp_path, monkeypatch):
    write(tmp_path, "plain.py", "from gettext import gettext as _\nprint(_('Hello'))\n_('a', 1)\n")
    write(tmp_path, "broken.py", "def (:\n")
    write(tmp_path, "uses.py", "from hpman.m import _\n_('a', 1)\n")
    calls = []
    real = F.extract_workspace
    monkeypatch.setattr("hpman.index.workspace.extract_workspace",
                        lambda text, path, cache=None, **kw: calls.append(path) or real(text, path, cache, **kw))
    ws = scan(tmp_path)
    assert [p.rsplit("/", 1)[-1] for p in calls] == ["uses.py"]
    assert ws.parsed_files == 1
    assert sorted(p.rsplit("/", 1)[-1] for p in ws.paths()) == ["broken.py", "plain.py", "uses.py"]
    assert problems(ws) == []
    assert ws.names("_") == ["a"]


def test_mentioning_hpman_without_a_manager_binding_counts_nothing():
    assert found("# see hpman docs\n_('a', 1)\n") == []
    assert F.extract_workspace("# hpman\n_('a', 1)\n", "/w/m.py").issues == []


def test_multi_manager_workspace_separate_namespaces(tmp_path):
    write(tmp_path, "a.py", """\
        from hpman.m import _, model
        _('lr', 0.1)
        model('lr', 0.5)
        model('depth', 3)
        """)
    write(tmp_path, "b.py", """\
        from hpman.m import model as mm
        mm('depth')
        mm('width')
        """)
    ws = scan(tmp_path)
    assert ws.managers() == ["_", "model"]
    assert ws.names("_") == ["lr"]
    assert ws.names("model") == ["depth", "lr", "width"]
    # `lr` in both namespaces is not a duplicate; `width` has no default in `model`
    assert [(p.code, p.data["manager"], p.data["name"]) for p in problems(ws)] == [("no-default", "model", "width")]
    assert [o.path.rsplit("/", 1)[-1] for o in ws.occurrences_of(("model", "depth"))] == ["a.py", "b.py"]
    # with several managers and none given, `_` is the default one
    assert ws.default_manager() == "_"


def test_only_manager_is_the_default_manager():
    ws = memory_ws({"/w/a.py": "from hpman.m import cfg\ncfg('a', 1)\n"})
    assert ws.managers() == ["cfg"]
    assert ws.default_manager() == "cfg"


def test_same_manager_under_different_aliases_in_different_files():
    ws = memory_ws({
        "/w/a.py": "from hpman.m import cfg\ncfg('a', 1)\n",
        "/w/b.py": "from hpman.m import cfg as c\nc('a', 2)\n",
    })
    assert [p.code for p in problems(ws)] == ["duplicate-default", "duplicate-default"]


def test_underscore_names_are_managers_too():
    assert found("from hpman.m import _, __, ___\n_('a')\n__('b')\n___('c')\n") == \
        [("_", "a"), ("__", "b"), ("___", "c")]


def test_a_name_that_contains_the_alias_is_not_a_call_of_it():
    assert found("from hpman.m import _\nx_('a', 1)\n_x('b', 2)\n__('c', 3)\nx._('d', 4)\n") == []


def test_import_inside_a_function_counts_in_that_function():
    text = """\
        import gettext
        _ = gettext.gettext
        def train():
            from hpman.m import _
            def inner(_):
                return _('hidden')
            return _('lr', 0.1) + [_('in_comprehension') for x in y][0] + (lambda: _('in_lambda'))()
        def other():
            return _('gettext_here')
        print(_('module level is gettext'))
        """
    assert found(text) == [("_", "lr"), ("_", "in_comprehension"), ("_", "in_lambda")]
    assert F.extract_workspace(textwrap.dedent(text), "/w/m.py").managers == {}


def test_import_inside_a_class_body_counts_in_the_body_not_in_methods():
    assert found("""\
        class T:
            from hpman.m import cfg as c
            lr = c('lr', 0.1)
            def m(self):
                return c('not_here')
        c('nor_here')
        """) == [("cfg", "lr")]


def test_local_import_and_another_local_binding_hide_the_manager():
    assert found("""\
        def f():
            from hpman.m import _
            _ = 3
            return _('x')
        # hpman
        """) == []
