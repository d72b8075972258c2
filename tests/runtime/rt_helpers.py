"""Helpers shared by the runtime tests (a module of its own, not conftest.py: tests/lsp has a
conftest.py too, and importing from `conftest` would find whichever was imported first)."""
import os
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")


def write(base, rel, text, encoding="utf-8"):
    """Write dedented `text` to base/rel (creating folders) and return the path as str."""
    path = os.path.join(str(base), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = textwrap.dedent(text)
    with open(path, "wb") as f:
        f.write(data.encode(encoding) if isinstance(data, str) else data)
    return path


def state(mgr):
    """Everything observable about a manager, to compare before/after a failed call."""
    rows = [(r.name, repr(r.value), int(r.priority), r.filename, r.lineno, repr(r.hints)) for r in mgr.db]
    return (repr(mgr.get_values()), repr(mgr.get_tree()), rows, mgr.tree.count())


def subprocess_env(**extra):
    """Environment for running examples: hpman importable, no colour, 80 columns."""
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env.update({"COLUMNS": "80", "NO_COLOR": "1", "PYTHON_COLORS": "0", "TERM": "dumb"})
    env.update(extra)
    return env


PY = sys.executable
