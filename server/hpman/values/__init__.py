"""Values files: the one format `--hp-save` writes and every front end reads.

What `hpargparse` (`--hp-save`, `--hp-load`, `--hp-list`), the `hpman` CLI
(`list`, `check --values`), the Jupyter magics (`%hpman save/load/list`), the
index's values overlay and the language server share:

* `store`: formats (YAML, JSON, pickle), `save` and `load`;
* `yamlfmt`, `jsonfmt`, `picklefmt`: each format's reader and writer;
* `safeio`: bounded reads of regular files only, atomic writes to regular files only;
* `literals`: a hyperparameter's default decides what text or loaded value it takes;
* `assign`: a file's values checked against a manager's names (`read_values`);
* `texts`: values, paths, did-you-mean hints and trees as every front end shows them;
* `location`: where the editor's `hpman.valuesFile` setting may point.

This package imports neither `hpargparse` nor the language server.
"""
from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:   # what the lazy names below are, for type checkers
    from .safeio import MAX_BYTES, ValuesError, read_regular, write_atomic
    from .store import EXTENSIONS, FORMAT_CHOICES, FORMATS, UnknownExtension, dumps, load, loads, save

# The command line's `check` and the index need only `texts` and `safeio`; the formats (yaml,
# pickle) load when a values file is first read or written: names resolve on first use.
_HOMES = {"MAX_BYTES": "safeio", "ValuesError": "safeio", "read_regular": "safeio", "write_atomic": "safeio",
          "EXTENSIONS": "store", "FORMAT_CHOICES": "store", "FORMATS": "store", "UnknownExtension": "store",
          "dumps": "store", "load": "store", "loads": "store", "save": "store"}

__all__ = ["MAX_BYTES", "ValuesError", "read_regular", "write_atomic", "EXTENSIONS", "FORMAT_CHOICES", "FORMATS",
           "UnknownExtension", "dumps", "load", "loads", "save"]


__getattr__, __dir__ = lazy_attributes(__name__, _HOMES, globals())
