#!/usr/bin/env python3
"""The seed's second caveat, solved: bindings count in the order Python runs them."""


def func(*args, **kargs):
    pass

_ = func

_("a", 1)  # <-- `_` is func at this line: not a hyperparameter

from hpman.m import _

print(_.parse_file(__file__).get_values())
# Outputs "{}" (hpman 0.13 printed the "false positive" "{'a': 1}"); `hpman check` warns
# at `_ = func` that the call on line 10 is not hpman's.
