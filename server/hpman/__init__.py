"""hpman: define hyperparameters where you use them, manage them as a whole.

    from hpman.m import _
    lr = _('lr', 0.1)
"""
from ._entry import forget_working_directory

forget_working_directory()   # before anything else: `python -m hpman` must not import from the cwd

from typing import TYPE_CHECKING  # noqa: E402

from ._lazy import lazy_attributes  # noqa: E402

if TYPE_CHECKING:   # what the lazy names below are, for type checkers (at run time they load on first use)
    from IPython.core.interactiveshell import InteractiveShell

    from .hpm_db import (
        HyperParameterDB,
        HyperParameterDBLambdas,
        HyperParameterOccurrence,
        HyperParameterPriority,
        HyperParamNode,
        HyperParamTree,
        L,
        P,
    )
    from .manager import HyperParameterManager
    from .primitives import (
        BadArgumentsException,
        DoubleAssignmentException,
        EmptyValue,
        ImpossibleTree,
        NotLiteralEvaluable,
        NotLiteralNameException,
    )
    from .source_helper import SourceHelper
    from .trial import report

# The public names load on first use (PEP 562), so that `hpman.cli` and the
# language server start without importing the runtime they do not need.
_LAZY = {
    "HyperParameterDB": "hpm_db", "HyperParameterDBLambdas": "hpm_db", "HyperParameterOccurrence": "hpm_db",
    "HyperParameterPriority": "hpm_db", "HyperParamNode": "hpm_db", "HyperParamTree": "hpm_db", "L": "hpm_db",
    "P": "hpm_db", "HyperParameterManager": "manager", "BadArgumentsException": "primitives",
    "DoubleAssignmentException": "primitives", "EmptyValue": "primitives", "ImpossibleTree": "primitives",
    "NotLiteralEvaluable": "primitives", "NotLiteralNameException": "primitives", "SourceHelper": "source_helper",
    "report": "trial",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals(), submodules=("m",))  # `hpman.m._`, as in 0.13


def load_ipython_extension(ipython: "InteractiveShell") -> None:
    """`%load_ext hpman` (IPython is imported only then; see hpman/ipython.py)."""
    from .ipython import load_ipython_extension as load
    load(ipython)


def unload_ipython_extension(ipython: "InteractiveShell") -> None:
    from .ipython import unload_ipython_extension as unload
    unload(ipython)


__version__ = "1.0.0"
__title__ = "hpman"
__author__ = "hpman developers"
__author_email__ = ""
__url__ = ""

__all__ = [
    "__version__", "HyperParameterManager", "DoubleAssignmentException", "EmptyValue", "ImpossibleTree",
    "NotLiteralEvaluable", "NotLiteralNameException", "BadArgumentsException", "SourceHelper",
    "HyperParameterDB", "HyperParameterDBLambdas", "HyperParameterOccurrence", "HyperParameterPriority",
    "HyperParamNode", "HyperParamTree", "L", "P", "report",
]
