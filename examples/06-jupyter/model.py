"""The module a notebook experiments with: its hyperparameters are defined where they are used."""
from hpman.m import hp


def build():
    return {
        "lr": hp("lr", 1e-3),
        "layers": hp("model.layers", 4),
        "activation": hp("model.activation", "relu", choices=["relu", "gelu"]),
    }
