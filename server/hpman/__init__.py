"""hpman: define hyperparameters where you use them, manage them as a whole.

    from hpman.m import _
    lr = _('lr', 0.1)
"""
from .hpm_db import (HyperParameterDB, HyperParameterDBLambdas, HyperParameterOccurrence, HyperParameterPriority,
                     HyperParamNode, HyperParamTree, L, P)
from .manager import HyperParameterManager
from .primitives import (BadArgumentsException, DoubleAssignmentException, EmptyValue, ImpossibleTree,
                         NotLiteralEvaluable, NotLiteralNameException)
from .source_helper import SourceHelper

# `import hpman; hpman.m._` works in hpman 0.13, which made `m` an attribute of the package.
from . import m  # noqa: E402  (after the names m's managers are built from)


def load_ipython_extension(ipython):
    """`%load_ext hpman` (IPython is imported only then; see hpman/ipython.py)."""
    from .ipython import load_ipython_extension as load
    load(ipython)


def unload_ipython_extension(ipython):
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
    "HyperParamNode", "HyperParamTree", "L", "P",
]
