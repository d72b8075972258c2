"""The static index: files → facts → problems and queries. Plain Python, no editor imports."""
from .workspace import Workspace

__all__ = ["Workspace"]
