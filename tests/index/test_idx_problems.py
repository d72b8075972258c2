"""Every problem code, with its severity, range and related locations."""
import os
import re

from idx_helpers import at, codes, line_col, memory_ws, problems, scan, segment, write

from hpman.index import problems as P


def test_duplicate_default_reported_at_every_default_pointing_at_the_others(tmp_path):
    a = write(tmp_path, "a.py", """\
        from hpman.m import _
        lr = _('lr', 0.1)
        """)
    b = write(tmp_path, "b.py", """\
        from hpman.m import _
        x = 1; lr = _('lr', 0.2)
        y = _('lr')
        """)
    c = write(tmp_path, "sub/c.py", """\
        from hpman.m import _
        _('lr', 0.3)
        """)
    ws = scan(tmp_path)
    dups = problems(ws, "duplicate-default")
    assert [at(p) for p in dups] == [("a.py", 2, 14), ("b.py", 2, 21), ("c.py", 2, 9)]
    for p in dups:
        assert p.severity == "error"
        assert "3 places" in p.message
        assert p.data["count"] == 3
        # the problem range is the default value itself
        text = open(p.path, encoding="utf-8").read()
        assert segment(text, p.range).startswith("0.")
        others = {(r.path, r.range) for r in p.related}
        everyone = {(d.path, d.default_range) for d in ws.defaults_of(("_", "lr"))}
        assert others == everyone - {(p.path, p.range)}
    # the use without a default is not a duplicate
    assert {p.path for p in dups} == {a, b, c}
    assert "also at b.py:2, sub/c.py:2" in dups[0].message   # paths relative to the root, as given


def test_related_places_are_named_by_path_not_file_name(tmp_path):
    """Two `lib.py` in a tree: the message names the other one by its path."""
    write(tmp_path, "one/lib.py", "from hpman.m import _\n_('lr', 0.1)\n")
    write(tmp_path, "two/lib.py", "from hpman.m import _\n\n_('lr', 0.2)\n")
    ws = scan(tmp_path)
    first, second = problems(ws, "duplicate-default")
    assert first.path.endswith(os.path.join("one", "lib.py"))
    assert "(also at {}:3)".format(os.path.join("two", "lib.py")) in first.message
    assert "(also at {}:2)".format(os.path.join("one", "lib.py")) in second.message
    assert [r.path for r in first.related] == [second.path]
    # a workspace without roots (an editor with loose files) names them by their absolute path
    loose = memory_ws({"/w/one/lib.py": "from hpman.m import _\n_('lr', 0.1)\n",
                       "/w/two/lib.py": "from hpman.m import _\n_('lr', 0.2)\n"})
    assert "(also at /w/two/lib.py:2)" in problems(loose, "duplicate-default")[0].message


def test_duplicate_default_all_equal_is_still_an_error():
    """parse_file raises DoubleAssignmentException for equal defaults too, so check fails."""
    ws = memory_ws({
        "/w/a.py": "from hpman.m import _\n_('bs', 32)\n",
        "/w/b.py": "from hpman.m import _\n_('bs', 32)\n_('opt', 'adam')\n_('opt', 'adam', help='x')\n",
    })
    dups = problems(ws, "duplicate-default")
    assert len(dups) == 4
    assert {p.severity for p in dups} == {"error"}
    assert all("all equal" in p.message for p in dups)
    # one related location each (the other default)
    assert all(len(p.related) == 1 for p in dups)


def test_duplicate_default_equal_text_but_different_types_is_an_error():
    # 1 and 1.0 and True compare equal in Python but are different values to save
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('x', 1)\n_('x', 1.0)\n_('y', 1)\n_('y', True)\n"})
    dups = problems(ws, "duplicate-default")
    assert len(dups) == 4
    assert {p.severity for p in dups} == {"error"}


def test_duplicate_default_non_literal_defaults_are_never_all_equal():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('x', f())\n_('x', f())\n"})
    dups = problems(ws, "duplicate-default")
    assert [p.severity for p in dups] == ["error", "error"]


def test_duplicate_default_related_is_bounded():
    body = "from hpman.m import _\n" + "".join("_('n', {})\n".format(i) for i in range(50))
    ws = memory_ws({"/w/a.py": body})
    dups = problems(ws, "duplicate-default")
    assert len(dups) == 50
    assert all(1 <= len(p.related) <= P.MAX_RELATED for p in dups)
    assert all("50 places" in p.message for p in dups)


def test_duplicate_default_disappears_when_one_default_goes():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('x', 1)\n", "/w/b.py": "from hpman.m import _\n_('x', 2)\n"})
    assert len(problems(ws, "duplicate-default")) == 2
    affected = ws.set_text("/w/b.py", "from hpman.m import _\n_('x')\n")
    assert "/w/a.py" in affected
    assert problems(ws, "duplicate-default") == []


def test_tree_conflict_from_both_sides(tmp_path):
    write(tmp_path, "a.py", """\
        from hpman.m import _
        _('model', 'resnet')
        """)
    write(tmp_path, "b.py", """\
        from hpman.m import _
        _('model.depth', 50)
        _('model.width')
        """)
    ws = scan(tmp_path)
    tc = problems(ws, "tree-conflict")
    assert [at(p) for p in tc] == [("a.py", 2, 12), ("b.py", 2, 3)]
    value_side, tree_side = tc
    assert value_side.severity == tree_side.severity == "error"
    assert "model.depth" in value_side.message
    # the value side points at the names under it
    assert sorted(os.path.basename(r.path) for r in value_side.related) == ["b.py", "b.py"]
    assert {r.message for r in value_side.related} == {"`model.depth` makes `model` a tree",
                                                       "`model.width` makes `model` a tree"}
    # the tree side (which has a default) points at the value
    assert [(os.path.basename(r.path), r.range[0]) for r in tree_side.related] == [("a.py", 1)]
    assert tree_side.data["conflict"] == "model"
    # the name range of the tree side is the name string
    text = open(str(tmp_path / "b.py"), encoding="utf-8").read()
    assert segment(text, tree_side.range) == "'model.depth'"


def test_tree_conflict_deep_prefix_and_uses_without_default():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('a', 1)\n_('a.b.c', 2)\n_('a.b.d')\n"})
    tc = problems(ws, "tree-conflict")
    # 'a' (value side) and 'a.b.c' (has a default, under 'a'); 'a.b.d' has no default: not reported
    assert [(p.range[0], p.message) for p in tc] == [
        (1, "`a` has a value but is also a tree: `a.b.c` is under it"),
        (2, "`a.b.c` is under `a`, which has a value"),
    ]


def test_tree_conflict_needs_a_default_on_the_value_side():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('a')\n_('a.b', 2)\n"})
    assert problems(ws, "tree-conflict") == []
    # and `a` used without default, but being a prefix, is not `no-default`
    assert problems(ws, "no-default") == []


def test_tree_conflict_other_manager_is_another_namespace():
    ws = memory_ws({"/w/a.py": "from hpman.m import _, cfg\n_('a', 1)\ncfg('a.b', 2)\n"})
    assert problems(ws, "tree-conflict") == []


def test_non_literal_name():
    text = "from hpman.m import _\nname = 'lr'\nx = _(name, 1)\ny = _(f'{name}', 2)\nz = _(b'raw')\n"
    ws = memory_ws({"/w/a.py": text})
    found = problems(ws, "non-literal-name")
    assert [segment(text, p.range) for p in found] == ["name", "f'{name}'", "b'raw'"]
    assert {p.severity for p in found} == {"error"}
    # the calls do not become occurrences
    assert ws.facts_of("/w/a.py").occurrences == []


def test_implicit_concatenation_is_a_literal_name():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('model' '.depth', 3)\n"})
    assert problems(ws) == []
    assert ws.names("_") == ["model.depth"]


def test_bad_arguments():
    text = ("from hpman.m import _\n"
            "_()\n"
            "_('a', 1, 2)\n"
            "_(*args)\n"
            "_('b', *rest)\n"
            "_(help='x')\n"
            "_('ok', 1)\n")
    ws = memory_ws({"/w/a.py": text})
    found = problems(ws, "bad-arguments")
    assert [p.range[0] + 1 for p in found] == [2, 3, 6]
    assert {p.severity for p in found} == {"error"}
    # the range is the whole call
    assert segment(text, found[1].range) == "_('a', 1, 2)"
    assert "3 positional" in found[1].message
    assert "0 positional" in found[0].message
    # as in hpman 0.13, a starred argument is one argument: `_(*args)` has no literal name,
    # `_('b', *rest)` is a name with a default that is not a literal
    assert [p.range[0] + 1 for p in problems(ws, "non-literal-name")] == [4]
    assert [p.range[0] + 1 for p in problems(ws, "non-literal-default")] == [5]
    assert ws.names("_") == ["b", "ok"]


def test_non_literal_hint():
    text = ("from hpman.m import _\n"
            "_('a', 1, help=describe())\n"
            "_('b', 1, choices=[1, 2], **extra)\n"
            "_('c', 1, help='fine', choices=(1, 2))\n")
    ws = memory_ws({"/w/a.py": text})
    found = problems(ws, "non-literal-hint")
    assert [segment(text, p.range) for p in found] == ["describe()", "extra"]
    assert "`help`" in found[0].message and "`a`" in found[0].message
    assert {p.severity for p in found} == {"error"}
    assert codes(ws) == ["non-literal-hint", "non-literal-hint"]
    assert ws.facts_of("/w/a.py").occurrences[0].hints == {"help": "fine", "choices": (1, 2)}


def test_no_default_with_did_you_mean():
    text = ("from hpman.m import _\n"
            "_('learning_rate', 0.1)\n"
            "_('learning_rat')\n"
            "_('zzzzzz')\n")
    ws = memory_ws({"/w/a.py": text})
    found = problems(ws, "no-default")
    assert [(p.range[0], segment(text, p.range)) for p in found] == [(2, "'learning_rat'"), (3, "'zzzzzz'")]
    assert {p.severity for p in found} == {"warning"}
    assert found[0].message.endswith("did you mean `learning_rate`?")
    assert found[0].data["suggestion"] == "learning_rate"
    assert "did you mean" not in found[1].message
    assert found[1].data["suggestion"] is None


def test_no_default_suggests_only_names_of_the_same_manager():
    ws = memory_ws({"/w/a.py": "from hpman.m import _, cfg\ncfg('learning_rate', 0.1)\n_('learning_rat')\n"})
    (p,) = problems(ws, "no-default")
    assert "did you mean" not in p.message


def test_no_default_goes_away_when_another_file_defines_it():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('depth')\n"})
    assert codes(ws) == ["no-default"]
    affected = ws.set_text("/w/b.py", "from hpman.m import _\n_('depth', 3)\n")
    assert "/w/a.py" in affected
    assert codes(ws) == []


def test_non_literal_default():
    text = "from hpman.m import _\nimport math\n_('a', math.pi)\n_('b', {[1]: 2})\n_('c', lambda: 1)\n"
    ws = memory_ws({"/w/a.py": text})
    found = problems(ws, "non-literal-default")
    assert [segment(text, p.range) for p in found] == ["math.pi", "{[1]: 2}", "lambda: 1"]
    assert {p.severity for p in found} == {"information"}
    assert codes(ws) == ["non-literal-default"] * 3


def test_not_in_choices():
    text = ("from hpman.m import _\n"
            "_('opt', 'sgd', choices=['adam', 'rmsprop'])\n"
            "_('ok', 'adam', choices=['adam', 'rmsprop'])\n"
            "_('n', 3, choices=range(3))\n"         # non-literal hint, not a choices problem
            "_('m', [1], choices={1, 2})\n"         # unhashable default: not in the set
            "_('k', 2, choices='abc')\n")           # `in` on a str with an int raises TypeError
    ws = memory_ws({"/w/a.py": text})
    found = problems(ws, "not-in-choices")
    assert [segment(text, p.range) for p in found] == ["'sgd'", "[1]", "2"]
    assert {p.severity for p in found} == {"warning"}    # the program runs: parse_file accepts it
    assert "['adam', 'rmsprop']" in found[0].message
    assert [p.code for p in problems(ws) if p.range[0] == 3] == ["non-literal-hint"]


def test_unknown_key_nested_and_flat(tmp_path):
    write(tmp_path, "a.py", """\
        from hpman.m import _
        _('lr', 0.1)
        _('model.depth', 50)
        _('model.width', 64)
        _('optimizer', 'adam')
        """)
    values = write(tmp_path, "values.yaml", """\
        lr: 0.2
        optimiser: sgd
        model:
          depth: 18
          dpeth: 3
        model.width: 32
        model.widht: 1
        """)
    ws = scan(tmp_path, values=values)
    found = problems(ws, "unknown-key")
    assert [(at(p), p.data["name"], p.data["suggestion"]) for p in found] == [
        (("values.yaml", 2, 1), "optimiser", "optimizer"),
        (("values.yaml", 5, 3), "model.dpeth", "model.depth"),
        (("values.yaml", 7, 1), "model.widht", "model.width"),
    ]
    assert {p.severity for p in found} == {"warning"}
    assert found[0].message.endswith("did you mean `optimizer`?")
    text = open(values, encoding="utf-8").read()
    assert [segment(text, p.range) for p in found] == ["optimiser", "dpeth", "model.widht"]
    # problems_of the values file gives the same
    assert P.problems_of(ws, values) == found


def test_unknown_key_without_a_close_name_and_values_file_syntax_error(tmp_path):
    write(tmp_path, "a.py", "from hpman.m import _\n_('lr', 0.1)\n")
    values = write(tmp_path, "v.yaml", "qqqqqqq: 1\n")
    ws = scan(tmp_path, values=values)
    (p,) = problems(ws, "unknown-key")
    assert "did you mean" not in p.message
    ws.set_values_file(values, "lr: [1, 2\n")
    (err,) = problems(ws, path=values)
    assert err.code == "syntax-error" and err.severity == "error"
    ws.set_values_file(None)
    assert problems(ws) == []


def test_unknown_key_follows_code_changes(tmp_path):
    a = write(tmp_path, "a.py", "from hpman.m import _\n_('lr', 0.1)\n")
    values = write(tmp_path, "v.yaml", "lr: 1\nbatch: 2\n")
    ws = scan(tmp_path, values=values)
    assert [p.data["name"] for p in problems(ws, "unknown-key")] == ["batch"]
    affected = ws.set_text(a, "from hpman.m import _\n_('lr', 0.1)\n_('batch', 8)\n")
    assert values in affected
    assert problems(ws, "unknown-key") == []


def test_dict_annotation_in_values_file_is_one_value(tmp_path):
    write(tmp_path, "a.py", "from hpman.m import _\n_('opts', {'a': 1})\n")
    values = write(tmp_path, "v.yaml", "opts:\n  __is_dict__: true\n  a: 2\n  b: 3\n")
    ws = scan(tmp_path, values=values)
    assert problems(ws) == []
    assert ws.values_file.by_name["opts"].value == {"a": 2, "b": 3}


def test_syntax_error_in_a_module_that_mentions_hpman():
    text = "from hpman.m import _\n_('a', 1)\ndef broken(:\n    return _('b')\n"
    ws = memory_ws({"/w/a.py": text, "/w/b.py": "from hpman.m import _\n_('b', 2)\n"})
    (p,) = problems(ws, "syntax-error")
    assert p.path == "/w/a.py" and p.severity == "error"
    assert p.range[0] == 2
    assert p.message.startswith("cannot parse")
    # the other file is indexed; the broken statement yields nothing
    assert "b" in ws.names("_")
    assert ws.occurrences_of(("_", "b"), "/w/b.py")


def test_syntax_error_in_a_module_without_hpman_is_ignored():
    ws = memory_ws({"/w/a.py": "def broken(:\n", "/w/b.py": "from hpman.m import _\n_('b', 2)\n"})
    assert problems(ws) == []


def test_shadowed_manager_only_where_a_call_follows():
    text = ("from hpman.m import _\n"
            "import gettext\n"
            "def f(_):\n"
            "    return _('x')\n"
            "def g():\n"
            "    _ = 3\n"
            "    return _\n"
            "def h(n):\n"
            "    lr_scheduler, _ = n, 1\n"
            "    for _ in range(n):\n"
            "        pass\n"
            "    return [_ for _ in range(n)]\n"
            "for _ in range(2):\n"
            "    pass\n")
    ws = memory_ws({"/w/a.py": text})
    found = problems(ws, "shadowed-manager")
    # only the parameter of f hides a call; the throwaway `_` of g, h and the module's loop hide none
    assert [(p.range[0], p.severity) for p in found] == [(2, "warning")]
    assert "in this scope, so the `_(...)` call at line 4 is not hpman's" in found[0].message
    # the module-level `for _` comes last: code in functions sees `_` as its loop variable
    assert ws.facts_of("/w/a.py").managers == {}


def test_shadowed_manager_at_module_level_names_the_calls_it_takes():
    text = ("from hpman.m import _\n"
            "_('a', 1)\n"
            "_ = str\n"
            "_('b')\n"
            "def f():\n"
            "    return _('c')\n")
    ws = memory_ws({"/w/a.py": text})
    (p,) = problems(ws, "shadowed-manager")
    assert p.range[0] == 2
    assert "so the `_(...)` calls at lines 4, 6 are not hpman's" in p.message
    assert ws.names("_") == ["a"]


def test_shadowed_manager_not_reported_without_hpman_binding():
    ws = memory_ws({"/w/a.py": "# uses hpman somewhere else\nimport gettext\n_ = gettext.gettext\n_('Hello')\n"})
    assert problems(ws) == []


def readme_codes():
    """{code: severity} from the README's problem-code table."""
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"), encoding="utf-8").read()
    rows = re.findall(r"^\| `([a-z-]+)` \| ([a-z]+)[^|]*\|", readme, re.M)
    return dict(rows)


def test_every_code_is_documented_in_the_readme_with_its_severity(tmp_path):
    # one workspace that produces every code at once
    ws = memory_ws({
        "/w/a.py": ("from hpman.m import _\n"
                    "_('lr', 0.1)\n_('lr', 0.2)\n"
                    "_('m', 1)\n_('m.d', 2)\n"
                    "_(v)\n_()\n_('h', 1, help=f())\n"
                    "_('learning')\n_('nl', f())\n"
                    "_('c', 3, choices=[1])\n"
                    "_('r1', 1, range=(1, 2, 3))\n_('r2', 3, range=(5, 1))\n_('r3', 20, range=(0, 10))\n"
                    "_('r4', 0.5, range=(0.0, 1.0), log=True)\n_('r5', 2, range=(1, 10), step=0)\n"
                    "def f(_):\n    return _('x')\n"),
        "/w/b.py": "from hpman.m import _\n_('broken',\n",
    })
    ws.set_values_file("/w/v.yaml", "lrr: 1\n")
    cookie = tmp_path / "cookie.py"
    cookie.write_bytes(b"# coding: uft-8\nfrom hpman.m import _\n_('x', 1)\n")
    ws.reload(str(cookie))
    found = {}
    for p in problems(ws):
        found.setdefault(p.code, set()).add(p.severity)
    table = readme_codes()
    assert sorted(found) == sorted(table)
    for code, severities in found.items():
        assert severities == {table[code]}, (code, severities, table[code])


def test_problems_are_sorted_and_cached_until_a_change():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('b')\n_('a')\n"})
    first = P.problems_of(ws, "/w/a.py")
    assert [p.range[0] for p in first] == [1, 2]
    assert P.problems_of(ws, "/w/a.py") is first
    ws.set_text("/w/b.py", "from hpman.m import _\n_('a', 1)\n")
    second = P.problems_of(ws, "/w/a.py")
    assert [p.range[0] for p in second] == [1]


def test_problem_positions_are_characters_on_non_ascii_lines():
    text = "from hpman.m import _\nx = '学习率'; _('lr', 0.1); _('lr', 0.2)\n"
    ws = memory_ws({"/w/a.py": text})
    found = problems(ws, "duplicate-default")
    assert [segment(text, p.range) for p in found] == ["0.1", "0.2"]
    assert found[0].range[1] == line_col(text, "0.1")[1]
