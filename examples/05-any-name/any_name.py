#!/usr/bin/env python3
"""Any-name import: every name imported from hpman.m is its own manager."""
from hpman.m import _, hpm, hp, ddd, abc, hello
ddd('a', 1)
abc('a', 2)
_('hello', 3)

if __name__ == "__main__":
    import hpman
    import hpman.m

    # Managers imported under different names are independent ...
    print("ddd: {}".format(ddd.get_values()))
    print("abc: {}".format(abc.get_values()))
    print("_:   {}".format(_.get_values()))
    print("hpm: {}, hp: {}, hello: {}".format(hpm.get_values(), hp.get_values(), hello.get_values()))
    # ... and the same name always gives the same object.
    from hpman.m import ddd as ddd_again
    print("same object: {}".format(ddd_again is ddd and hpman.m.abc is abc))
    # Each manager parses the calls of its own placeholder name.
    print("parsed by ddd: {}".format(hpman.HyperParameterManager("ddd").parse_file(__file__).get_values()))
