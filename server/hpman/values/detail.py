"""The detail table of `--hp-list detail`, `--hp-detail` and `%hpman list detail`.

Plain text always (no colour codes, no padding to the terminal width, no
cropping), so the output is the same on a terminal, in a pipe and in a file.
Values are shown as `texts.value_text` shows them everywhere else.
"""
import ast
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from tabulate import tabulate

from .literals import kind_of, type_name
from .texts import display_path, value_text

if TYPE_CHECKING:  # pragma: no cover
    from ..manager import HyperParameterManager


def default_sources(hp_mgr: "HyperParameterManager") -> Dict[str, str]:
    """The source text of each parsed default that is not a literal (`get_date()`), by name:
    what listings show for such a value, as `hpman list` and the editor do."""
    from ..hpm_db import P
    from ..primitives import NotLiteralEvaluable
    out: Dict[str, str] = {}
    for row in hp_mgr.db:
        if row.name is None or row.name in out or not isinstance(row.value, NotLiteralEvaluable):
            continue
        if row.priority is None or int(row.priority) != P.PRIORITY_PARSED_FROM_SOURCE_CODE:
            continue
        text = _default_text(row)
        if text:
            out[row.name] = text
    return out


def _default_text(row: Any) -> Optional[str]:
    """The source text of a parsed row's default (its `ast_node` is the default's expression)."""
    node = getattr(row, "ast_node", None)
    source = getattr(getattr(row, "source_helper", None), "source", None)
    if not isinstance(node, ast.AST) or source is None:
        return None
    try:
        text = ast.get_source_segment(source, node)
    except (ValueError, TypeError, IndexError, AttributeError):
        text = None
    return " ".join(text.split()) if text else None


def _value_text(value: Any, source: Optional[str]) -> str:
    return value if isinstance(value, str) else value_text(value, source)


def _context(row: Any) -> str:
    from ..source_helper import SourceHelper
    helper = getattr(row, "source_helper", None)
    if helper is not None and getattr(helper, "source", None) is not None:
        return SourceHelper.format_given_source_and_lineno(helper.source, row.lineno)
    text = SourceHelper.format_given_filepath_and_lineno(row.filename, row.lineno)
    return text.split("\n", 1)[1] if "\n" in text else ""


def _details(rows: List[Any], cwd: Optional[str]) -> str:
    from ..hpm_db import P
    parsed = [r for r in rows if r.filename is not None and r.lineno is not None]
    parsed.sort(key=lambda r: (display_path(r.filename, cwd, dot=True), r.lineno))
    if not parsed:
        origins = {int(r.priority) for r in rows if r.priority is not None}
        if P.PRIORITY_SET_FROM_CALLABLE in origins:
            return "defined at runtime (not in the parsed sources)"
        return "set with set_value (not in the parsed sources)"
    parts = []
    for i, row in enumerate(parsed):
        parts.append("occurrence[{}]:\n  {}:{}\n{}".format(
            i, display_path(row.filename, cwd, dot=True), row.lineno, _context(row).expandtabs(4)))
    return "\n".join(parts)


def detail_table(hp_mgr: "HyperParameterManager", cwd: Optional[str] = None) -> str:
    """The `--hp-list detail` output: the sorted names, then a tabulate "grid" table with
    each hyperparameter's type, value and every parsed occurrence with its source context."""
    values = hp_mgr.get_values()
    names = sorted(values)
    rows_by_name: Dict[str, List[Any]] = {name: [] for name in names}
    for row in hp_mgr.db:
        if row.name in rows_by_name:
            rows_by_name[row.name].append(row)
    sources = default_sources(hp_mgr)
    table = [[name, type_name(values[name]), _value_text(values[name], sources.get(name)),
              _details(rows_by_name[name], cwd)]
             for name in names]
    numeric = bool(names) and all(kind_of(values[n]) in (int, float) for n in names)
    # tabulate measures CJK text by display width through `wcwidth` (a dependency), so the grid
    # stays aligned for sources with Chinese comments or strings
    text = tabulate(table, headers=["name", "type", "value", "details"], tablefmt="grid",
                    disable_numparse=True, colalign=("left", "left", "right" if numeric else "left", "left"))
    return "All hyperparameters:\n    {}\nDetails:\n{}\n".format(names, text)
