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
