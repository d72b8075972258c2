"""Compatibility module: hpman 0.13 defined its classes here, and code imports them from it."""
from .hpm_db import HyperParameterOccurrence, HyperParameterPriority, HyperParamNode, HyperParamTree, P
from .manager import HyperParameterManager
from .primitives import (
                         DoubleAssignmentException,
                         EmptyValue,
                         FlatMapping,
                         ImpossibleTree,
                         NotLiteralEvaluable,
                         NotLiteralNameException,
                         Primitive,
                         TreeMapping,
)
from .source_helper import SourceHelper

__all__ = ["HyperParameterManager", "DoubleAssignmentException", "EmptyValue", "ImpossibleTree",
           "NotLiteralEvaluable", "NotLiteralNameException", "SourceHelper", "HyperParameterOccurrence",
           "HyperParameterPriority", "HyperParamNode", "HyperParamTree", "P", "FlatMapping", "Primitive",
           "TreeMapping"]
