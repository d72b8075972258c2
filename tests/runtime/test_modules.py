"""Module paths and the any-name `hpman.m`."""
import ast
import doctest
import importlib
import inspect
import subprocess
import textwrap
import threading

import pytest
from rt_helpers import PY, subprocess_env

import hpman
import hpman.m


@pytest.mark.parametrize("module", ["hpman", "hpman.m", "hpman.hpm_db", "hpman.primitives",
                                    "hpman.source_helper", "hpman.hpm"])
def test_module_paths_import(module):
    mod = importlib.import_module(module)
    assert mod.__name__ == module


@pytest.mark.parametrize("package,table", [("hpman", "_LAZY"), ("hpman.values", "_HOMES")])
def test_type_checkers_see_every_lazy_public_name_as_what_it_loads(package, table):
    # the packages' public names load on first use; their `if TYPE_CHECKING:` imports tell type
    # checkers what they are (without them `from hpman import HyperParameterManager` is Any to mypy)
    mod = importlib.import_module(package)
    tree = ast.parse(inspect.getsource(mod))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    seen = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom)
            and node.level == 1 for alias in node.names}
    assert seen == getattr(mod, table)
    assert set(seen) <= set(getattr(mod, "__all__", seen))   # every lazy name is public
    for name, module in seen.items():
        assert getattr(mod, name) is getattr(importlib.import_module(package + "." + module), name)
        assert name in dir(mod)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        mod.nope  # noqa: B018


def test_hpman_m_is_an_attribute_of_hpman_as_in_0_13():
    out = subprocess.run([PY, "-c", "import hpman; print(type(hpman.m._).__name__, 'm' in dir(hpman))"],
                         capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert out.stdout.split() == ["HyperParameterManager", "True"], out.stderr


def test_hpman_check_does_not_load_the_values_formats():
    code = "import sys; from hpman import cli; print(sorted(m for m in ('yaml', 'pickle', 'tempfile') if m in sys.modules))"
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_any_name_is_a_manager_with_that_placeholder():
    from hpman.m import _, abc, ddd, hello, hp, hpm  # noqa: F401 (the seed's line)
    for name, obj in [("_", _), ("hpm", hpm), ("hp", hp), ("ddd", ddd), ("abc", abc), ("hello", hello)]:
        assert isinstance(obj, hpman.HyperParameterManager)
        assert obj.placeholder == name


def test_same_name_same_object():
    from hpman.m import same_name_test as a
    from hpman.m import same_name_test as b
    assert a is b
    assert hpman.m.same_name_test is a
    assert importlib.import_module("hpman.m").same_name_test is a


def test_different_names_are_independent():
    from hpman.m import indep_one, indep_two
    assert indep_one is not indep_two
    indep_one("a", 1)
    indep_two("a", 2)
    indep_two("only_two", 3)
    assert indep_one.get_values() == {"a": 1}
    assert indep_two.get_values() == {"a": 2, "only_two": 3}


def test_names_of_the_implementation_are_managers_too():
    # Whatever hpman.m uses internally must not leak: every plain name is a manager.
    from hpman.m import HyperParameterManager as h
    from hpman.m import _lock as lk
    from hpman.m import threading as t  # noqa: N813
    for name, obj in [("threading", t), ("HyperParameterManager", h), ("_lock", lk)]:
        assert isinstance(obj, hpman.HyperParameterManager), name
        assert obj.placeholder == name


@pytest.mark.parametrize("name", ["_", "__", "___", "____"])
def test_all_underscore_names_are_valid(name):
    mgr = getattr(hpman.m, name)
    assert isinstance(mgr, hpman.HyperParameterManager)
    assert mgr.placeholder == name
    assert getattr(hpman.m, name) is mgr


def test_all_underscore_names_import_statement():
    ns = {}
    exec("from hpman.m import __, ___", ns)
    assert ns["__"].placeholder == "__" and ns["___"].placeholder == "___"
    assert ns["__"] is not ns["___"]


@pytest.mark.parametrize("name", ["__wrapped__", "__path__", "__file__x__", "__loader_state__", "__test__",
                                  "__signature__", "__custom__", "pytest_plugins"])
def test_dunders_and_pytest_plugins_raise_attribute_error(name):
    with pytest.raises(AttributeError):
        getattr(hpman.m, name)
    assert not hasattr(hpman.m, name)
    assert not isinstance(getattr(hpman.m, name, None), hpman.HyperParameterManager)


def test_inspect_unwrap_and_doctest_probe_the_module():
    assert inspect.unwrap(hpman.m) is hpman.m
    finder = doctest.DocTestFinder()
    tests = finder.find(hpman.m)  # walks __test__ and the namespace; must not loop or crash
    assert all(isinstance(t, doctest.DocTest) for t in tests)
    runner = doctest.DocTestRunner(verbose=False)
    for t in tests:
        runner.run(t)
    assert runner.failures == 0


def test_python_m_doctest_on_a_module_using_hpman_m(tmp_path):
    mod = tmp_path / "uses_hpman.py"
    mod.write_text(textwrap.dedent('''
        """
        >>> _('x', 3)
        3
        """
        from hpman.m import _
        import hpman.m
    '''))
    out = subprocess.run([PY, "-m", "doctest", "-v", str(mod)], cwd=str(tmp_path), env=subprocess_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert out.returncode == 0, out.stdout
    assert "1 passed" in out.stdout


def test_pytest_collects_and_doctests_modules_using_hpman_m(tmp_path):
    (tmp_path / "test_uses.py").write_text(textwrap.dedent('''
        """
        >>> _('from_doctest', 2)
        2
        """
        import hpman.m as hm
        from hpman.m import _, __

        def test_manager():
            assert _('a', 1) == 1
            assert hm._ is _ and hm.__ is __ and __ is not _
    '''))
    out = subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--doctest-modules", "test_uses.py"],
                         cwd=str(tmp_path), env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=120)
    assert out.returncode == 0, out.stdout
    assert "2 passed" in out.stdout


def test_concurrent_first_access_gives_one_object():
    results = []
    barrier = threading.Barrier(8)

    def grab():
        barrier.wait()
        results.append(hpman.m.raced_name_for_test)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 8
    assert all(r is results[0] for r in results)


@pytest.mark.parametrize("name", ["DoubleAssignmentException", "NotLiteralNameException", "NotLiteralEvaluable",
                                  "ImpossibleTree", "EmptyValue"])
def test_primitives_reexported_from_hpman(name):
    import hpman.primitives
    assert getattr(hpman, name) is getattr(hpman.primitives, name)


def test_primitive_types():
    from hpman.primitives import (
        DoubleAssignmentException,
        EmptyValue,
        ImpossibleTree,
        NotLiteralEvaluable,
        NotLiteralNameException,
    )
    assert issubclass(ImpossibleTree, ValueError)
    for exc in (DoubleAssignmentException, NotLiteralNameException, NotLiteralEvaluable):
        assert issubclass(exc, Exception)
    # EmptyValue is compared with isinstance: two instances are both "empty"
    assert isinstance(EmptyValue(), EmptyValue)
    mgr = hpman.HyperParameterManager("_")
    assert isinstance(mgr.get_value("missing", raise_exception=False), EmptyValue)


def test_hpm_db_and_source_helper_names():
    import hpman.hpm_db as db
    import hpman.source_helper as sh
    for name in ["HyperParameterOccurrence", "HyperParameterPriority", "P", "HyperParamNode", "HyperParamTree",
                 "HyperParameterDB", "L"]:
        assert hasattr(db, name), name
        assert getattr(hpman, name) is getattr(db, name)
    assert db.P is db.HyperParameterPriority
    assert hpman.SourceHelper is sh.SourceHelper


def test_manager_class_from_hpm_compat_module():
    import hpman.hpm
    import hpman.hpm_db
    import hpman.primitives
    assert hpman.hpm.HyperParameterManager is hpman.HyperParameterManager
    for name in ["HyperParameterOccurrence", "HyperParameterPriority", "HyperParamNode", "HyperParamTree", "P"]:
        assert getattr(hpman.hpm, name) is getattr(hpman.hpm_db, name)
    for name in ["DoubleAssignmentException", "EmptyValue", "ImpossibleTree", "NotLiteralEvaluable",
                 "NotLiteralNameException", "FlatMapping", "Primitive", "TreeMapping"]:
        assert getattr(hpman.hpm, name) is getattr(hpman.primitives, name)


def test_hpman_m_is_an_attribute_after_import_hpman():
    # a fresh interpreter: in this one, hpman.m has long been imported
    code = "import hpman; print(type(hpman.m._).__name__, hpman.m._.placeholder, hpman.m.x is hpman.m.x)"
    out = subprocess.run([PY, "-c", code], env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "HyperParameterManager _ True\n"


def test_version_attributes():
    assert isinstance(hpman.__version__, str) and hpman.__version__
