"""`from hpman.m import _` (or any other name): one manager per imported name.

The same name always gives the same manager; different names are independent.
Dunder names and `pytest_plugins` are refused so that tools probing modules
(doctest, pytest, IDEs) do not receive a manager.

The module namespace holds nothing but dunders and the managers created so far:
every other name (`threading`, `HyperParameterManager`, …) must be a manager too.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # for the annotations only (TYPE_CHECKING itself is deleted below)
    from typing import Callable

    from .manager import HyperParameterManager

__all__: list[str] = []


def _make_getattr() -> "Callable[[str], HyperParameterManager]":
    """Build the module `__getattr__` with its helpers in a closure, off the namespace."""
    import os
    import threading

    from .manager import HyperParameterManager

    namespace = globals()
    lock = threading.Lock()
    recording: list[str] = []

    def __getattr__(name: str) -> HyperParameterManager:
        if (name.startswith("__") and name.endswith("__") and name.strip("_")) or name == "pytest_plugins":
            raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))
        with lock:
            manager = namespace.get(name)
            if not isinstance(manager, HyperParameterManager):
                manager = HyperParameterManager(name)
                namespace[name] = manager  # later lookups are plain attribute hits
                if os.environ.get("HPMAN_RECORD") and not recording:
                    from .records import record_at_exit  # a run record for programs without hpargparse
                    recording.append(record_at_exit(namespace, os.environ["HPMAN_RECORD"]))
            return manager

    return __getattr__


__getattr__ = _make_getattr()
del _make_getattr, TYPE_CHECKING
