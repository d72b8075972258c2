#!/usr/bin/env python3
"""The seed's first caveat: assigning the manager to another variable."""
# XXX: BAD EXAMPLE
from hpman.m import _
hello = _  # this breaks the rule
hello('a', 1)  # <-- hpman will not ware this 'a' hyperparameter.

if __name__ == "__main__":
    import hpman
    static = hpman.HyperParameterManager("_").parse_file(__file__)
    print("static parsing sees: {}".format(static.get_values()))
    print("runtime value of a:  {}".format(_.get_value("a")))
