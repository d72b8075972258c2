"""Compatibility module: hpman 0.13 defined its classes here."""
from .manager import HyperParameterManager
from .primitives import (DoubleAssignmentException, EmptyValue, ImpossibleTree, NotLiteralEvaluable,
                         NotLiteralNameException)
from .source_helper import SourceHelper

__all__ = ["HyperParameterManager", "DoubleAssignmentException", "EmptyValue", "ImpossibleTree",
           "NotLiteralEvaluable", "NotLiteralNameException", "SourceHelper"]
