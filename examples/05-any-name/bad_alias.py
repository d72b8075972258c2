#!/usr/bin/env python3
"""The seed's first caveat, solved: a name assigned the manager is that manager."""
from hpman.m import _
hello = _  # an alias: its calls are `_`'s until `hello` is bound to something else
hello('a', 1)  # <-- static parsing sees this 'a' (hpman 0.13 did not)

if __name__ == "__main__":
    import hpman
    static = hpman.HyperParameterManager("_").parse_file(__file__)
    print("static parsing sees: {}".format(static.get_values()))
    print("runtime value of a:  {}".format(_.get_value("a")))
