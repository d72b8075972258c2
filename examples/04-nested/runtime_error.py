#!/usr/bin/env python3
"""The seed's warning, at runtime: `a` is a value, so `a.b` is not in the tree.

Raises  KeyError: '`a.b` not found'
"""
from hpman.m import _

_('a', {'b': 1})    # a hyperparameter named `a` whose default is {'b': 1}: `a` is a value.
_('a.b')            # `b` inside the tree `a`: `a` would be a tree.
