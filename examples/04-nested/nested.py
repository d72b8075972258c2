#!/usr/bin/env python3
"""Nested hyperparameters: dotted names form a tree, exported and imported as YAML.

    python3 nested.py                  # print the tree of defaults as YAML
    python3 nested.py override.yaml    # load a YAML tree (or flat dotted keys), print the result
"""
import os
import sys

import yaml

from hpman.m import _


def build_discriminator():
    return {
        "in_channels": _("discriminator.in_channels", 3),
        "spectral": _("discriminator.spectral", True),
        "norm": _("discriminator.norm", "instance"),
        "activation": _("discriminator.activation", "leaky_relu"),
        "residual": _("discriminator.residual", True),
        "input_size": _("discriminator.input_size", [512, 512]),
    }


def build_optimizer():
    # A dict-valued hyperparameter: one value, not a subtree.
    return _("optimizer", {"type": "sgd", "momentum": 0.9})


def main():
    _.parse_file(os.path.realpath(__file__))
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as f:
            _.set_tree(yaml.safe_load(f))
    # The dict value is annotated with `__is_dict__: true`, so that loading the
    # dump back keeps it one value instead of turning it into a subtree.
    print(yaml.safe_dump(_.get_tree(annotate_dict=True), default_flow_style=None, sort_keys=False), end="")
    built = build_discriminator()
    print("# built with norm={norm} input_size={input_size}, optimizer {opt}".format(opt=build_optimizer(), **built))


if __name__ == "__main__":
    main()
