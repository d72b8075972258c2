"""`from hpman.m import _` (or any other name): one manager per imported name.

The same name always gives the same manager; different names are independent.
Dunder names and `pytest_plugins` are refused so that tools probing modules
(doctest, pytest, IDEs) do not receive a manager.
"""
import threading

from .manager import HyperParameterManager

__all__: list = []
_lock = threading.Lock()


def __getattr__(name: str) -> HyperParameterManager:
    if (name.startswith("__") and name.endswith("__") and name.strip("_")) or name == "pytest_plugins":
        raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))
    with _lock:
        manager = globals().get(name)
        if not isinstance(manager, HyperParameterManager):
            manager = HyperParameterManager(name)
            globals()[name] = manager
        return manager
