"""hpman-lsp: a language server for hpman hyperparameters, over the static index."""
from hpman import __version__

__all__ = ["__version__"]
