#!/usr/bin/env python3
"""The seed's warning, at static parsing time: the same two calls, parsed.

Raises  hpman.primitives.ImpossibleTree: node `a` has is both a leaf and a tree.
"""
from hpman.m import _

_.parse_source("""
_('a', {'b': 1})
_('a.b')
""")
