"""The static index: files → facts → problems and queries. Plain Python, no editor imports."""
from typing import Any

__all__ = ["Workspace"]


def __getattr__(name: str) -> Any:
    # lazy, so that importing one index module (files, facts) does not load them all
    if name == "Workspace":
        from .workspace import Workspace
        return Workspace
    raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))
