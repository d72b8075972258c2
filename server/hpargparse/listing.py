"""What `--hp-list [yaml|json|detail]` and `--hp-detail` print: the renderings of
`hpman.values.texts` and `hpman.values.detail`, shared with `hpman list` and `%hpman list`."""
from typing import Optional

from hpman.values.detail import default_sources, detail_table  # noqa: F401
from hpman.values.texts import NOT_LITERAL, json_value, list_json, list_yaml  # noqa: F401
from hpman.values.texts import display_path as _display_path


def display_path(path: Optional[str], cwd: Optional[str] = None) -> str:
    """`./main.py` under the working directory, else absolute (as the detail table shows files)."""
    return _display_path(path, cwd, dot=True)
