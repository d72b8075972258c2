"""hpman-lsp: a language server for hpman hyperparameters, over the static index.

`python -m hpman_lsp` never imports from the working directory (editors start the server
in the workspace folder): importing hpman first drops that entry (see hpman._entry).
"""
from hpman import __version__

__all__ = ["__version__"]
