"""Writing a values file that every front end reads: hpargparse's `--hp-load`, the editor's
`hpman.valuesFile`, `%hpman load`, `HPMAN_VALUES` (the core format, hpman.values).

The format follows the extension (.yaml/.yml, .json, .pickle/.pkl); the write is atomic.
"""
from typing import Any, Dict

from .storage import SweepError


def write_values(path: str, values: Dict[str, Any]) -> None:
    """Write `values` ({dotted name: value}) to `path`; a one-line SweepError when it cannot."""
    from ..values import ValuesError, save
    try:
        save(path, values)
    except ValuesError as exc:
        raise SweepError(str(exc)) from None
