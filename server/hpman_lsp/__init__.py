"""hpman-lsp: a language server for hpman hyperparameters, over the static index."""
import os
import sys


def _forget_working_directory() -> None:
    """`python -m hpman_lsp` puts the working directory first on sys.path, and editors start
    the server in the workspace folder: a workspace module named like one the server imports
    later (`logging.py`, `yaml.py`, `hpman.py`, …) would run. The server never imports
    workspace code, so that entry goes (unless it is where this package itself lives). This
    runs before `hpman` is imported (a workspace `hpman.py` must not stand in for it); hpman's
    own `python -m hpman` does the same in hpman._entry."""
    if getattr(sys.flags, "safe_path", False) or not sys.argv or sys.argv[0] != "-m":
        return
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:
        return
    home = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if cwd != home:
        sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != cwd]


_forget_working_directory()

from hpman import __version__  # noqa: E402

__all__ = ["__version__"]
