"""Writing a values file (YAML, flat dotted names) that every front end reads:
hpargparse's `--hp-load`, the editor's `hpman.valuesFile`, `%hpman load`, `HPMAN_VALUES`.

Written atomically (a temporary file in the target's folder, then `os.replace`), so an
interrupted save never leaves half a file.
"""
import os
import tempfile
from typing import Any, Dict

DICT_ANNOTATION = "__is_dict__"


def _plain(value: Any) -> Any:
    """YAML's safe types: tuples and sets as lists, a dict value marked as one value."""
    if isinstance(value, (tuple, list, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_plain(v) for v in items]
    if isinstance(value, dict):
        out = {k: _plain(v) for k, v in value.items()}
        out[DICT_ANNOTATION] = True
        return out
    return value


def dump_values(values: Dict[str, Any]) -> str:
    import yaml
    return yaml.safe_dump({name: _plain(v) for name, v in values.items()}, sort_keys=True,
                          allow_unicode=True, default_flow_style=False)


def write_values(path: str, values: Dict[str, Any]) -> None:
    """Write `values` ({dotted name: value}) to `path` as YAML, atomically."""
    data = dump_values(values).encode("utf-8")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".hpman-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
