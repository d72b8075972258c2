"""Managers in a notebook: the rows behind `_repr_html_` / `_repr_pretty_` and `%hpman`.

Where a hyperparameter's default is, `nb.ipynb:cell 3:2` for a notebook (see
hpman.index.ipynb for how a notebook is parsed), `./model.py:12` for a
module. No IPython import here: displaying a manager needs none.
"""
import html
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .hpm_db import P
from .index.ipynb import cell_of_line, is_notebook, where  # noqa: F401  (re-exported)
from .primitives import NotLiteralEvaluable

if TYPE_CHECKING:  # pragma: no cover
    from .manager import HyperParameterManager

MAX_VALUE_CHARS = 200


def display_path(path: Optional[str]) -> str:
    """A path as the user knows it: relative to the working directory when below it."""
    from .values.texts import display_path as shown
    return shown(path)


def location(row: Any) -> Optional[str]:
    """`nb.ipynb:cell 3:2` / `model.py:12` for a parsed occurrence row, None for other rows."""
    if getattr(row, "filename", None) is None or getattr(row, "lineno", None) is None:
        return None
    helper = getattr(row, "source_helper", None)
    source = getattr(helper, "source", None)
    return where(display_path(row.filename), source, row.lineno)


def type_text(value: Any) -> str:
    if isinstance(value, NotLiteralEvaluable):
        return "not a literal"
    return type(value).__name__


def value_text(value: Any, limit: int = MAX_VALUE_CHARS, source: Optional[str] = None) -> str:
    """As every front end shows a value (a non-literal default: its `source` text)."""
    from .values.texts import value_text as shown
    return shown(value, source, limit=limit)


def _sources(manager: "HyperParameterManager") -> Dict[str, str]:
    from .values.detail import default_sources
    return default_sources(manager)


def rows(manager: "HyperParameterManager") -> List[Tuple[str, Any, str, str]]:
    """(name, value, type, where the default is) for each hyperparameter with a value, by name.

    "Where" is the parsed default's location; for a value that no parsed source
    gives, where the value came from: `_()` at runtime or `set_value`."""
    values = manager.get_values()
    by_name: Dict[Optional[str], List[Any]] = {}
    for row in manager.db:
        by_name.setdefault(row.name, []).append(row)
    out = []
    for name in sorted(values):
        found = by_name.get(name, [])
        default = next((r for r in found if r.priority == P.PRIORITY_PARSED_FROM_SOURCE_CODE
                        and _has_value(r)), None)
        if default is not None:
            place = location(default) or ""
        elif any(r.priority == P.PRIORITY_SET_FROM_CALLABLE for r in found):
            place = "runtime call"
        else:
            place = "set_value"
        value = values[name]
        out.append((name, value, type_text(value), place))
    return out


def _has_value(row: Any) -> bool:
    from .primitives import EmptyValue
    return not isinstance(row.value, EmptyValue)


def to_html(manager: "HyperParameterManager") -> str:
    """An HTML table: name, value, type, where the default is."""
    esc = html.escape
    sources = _sources(manager)
    body = "".join(
        "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>".format(
            esc(name), esc(value_text(value, source=sources.get(name))), esc(kind), esc(place))
        for name, value, kind, place in rows(manager))
    count = len(manager.get_values())
    caption = "hpman manager <code>{}</code>: {} hyperparameter{}".format(
        esc(str(manager.placeholder)), count, "" if count == 1 else "s")
    return ("<table class=\"hpman\"><caption style=\"text-align:left\">{}</caption>"
            "<thead><tr><th>name</th><th>value</th><th>type</th><th>default</th></tr></thead>"
            "<tbody>{}</tbody></table>".format(caption, body))


def to_text(manager: "HyperParameterManager") -> str:
    """Plain text: the repr line, then `name = value  (type, where)` per hyperparameter."""
    lines = [repr(manager)]
    sources = _sources(manager)
    for name, value, kind, place in rows(manager):
        lines.append("  {} = {}  ({}; default: {})".format(name, value_text(value, source=sources.get(name)), kind,
                                                          place or "?"))
    return "\n".join(lines)


def repr_pretty(manager: "HyperParameterManager", printer: Any, cycle: bool) -> None:
    """IPython's pretty-printer protocol."""
    if cycle:
        printer.text(repr(manager))
        return
    for i, line in enumerate(to_text(manager).split("\n")):
        if i:
            printer.break_()
        printer.text(line)
