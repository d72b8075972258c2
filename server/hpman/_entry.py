"""Entry points never import from the working directory.

`python -m hpman …` and `python -m hpman_lsp` put the working directory first on sys.path,
and both are started inside projects (an editor starts the server in the workspace folder):
a project module named like one these packages import later (`typing.py`, `yaml.py`,
`logging.py`, …) would run. When this package is the `-m` module, that entry goes, before
anything else is imported. (Modules Python itself imports to run `-m`, before any of our
code, can only be kept out by `python -P` or PYTHONSAFEPATH=1; the console scripts `hpman`
and `hpman-lsp` never have the working directory on sys.path.)

Only os and sys are imported here: both are loaded before any `-m` module runs.
"""
import os
import sys

PACKAGES = ("hpman", "hpman_lsp")


def _cmdline() -> "list[str]":   # in quotes: nothing is imported before the path is fixed
    argv = getattr(sys, "orig_argv", None)    # Python 3.10+
    if argv is not None:
        return list(argv)
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return [a.decode("utf-8", "surrogateescape") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def main_module() -> "str | None":
    """The module given to `python -m`, if that is how Python was started."""
    argv = _cmdline()
    for i, arg in enumerate(argv[1:], 1):
        if arg == "-m":
            return argv[i + 1] if i + 1 < len(argv) else None
        if arg.startswith("-m"):
            return arg[2:]
        if arg == "-c" or not arg.startswith("-"):
            return None        # a script or -c: not ours to change
    return None


def forget_working_directory() -> None:
    if getattr(sys.flags, "safe_path", False) or not sys.argv or sys.argv[0] != "-m":
        return
    module = main_module()
    if module is None or module.split(".")[0] not in PACKAGES:
        return
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:
        return
    home = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if cwd != home:    # a checkout's server/ folder is where the packages themselves live
        sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != cwd]
