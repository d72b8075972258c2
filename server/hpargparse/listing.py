"""What `--hp-list [yaml|json|detail]` and `--hp-detail` print.

Plain text always (no colour codes, no padding to the terminal width, no
cropping), so the output is the same on a terminal, in a pipe and in a file.
"""
import contextlib
import json
import os
import unicodedata
from typing import Any, Dict, Iterator, List, Optional

import tabulate as _tabulate_module
from tabulate import tabulate

from hpman import HyperParameterManager, NotLiteralEvaluable, SourceHelper
from hpman.hpm_db import P

from .convert import is_literal, kind_of, plain, type_name
from .serial import yaml_text

NOT_LITERAL = "<not a literal>"


def _shown(value: Any) -> Any:
    """A listing stand-in for a value that is not a literal: its Python text."""
    if isinstance(value, NotLiteralEvaluable):
        return NOT_LITERAL
    return repr(value)


def list_yaml(values: Dict[str, Any]) -> str:
    """`name: value` lines, names sorted; values that are not literals appear as their repr text."""
    data = {k: (plain(v) if is_literal(v) else _shown(v)) for k, v in sorted(values.items())}
    return yaml_text(data)


def json_value(value: Any, _depth: int = 0) -> Any:
    """A JSON-compatible form for listing: tuples and sets as lists, dict keys as text,
    and anything JSON has no type for (complex, bytes, nan, objects) as its Python text."""
    if _depth > 500:
        return repr(value)
    kind = kind_of(value)
    if kind in (bool, int, str) or value is None:
        return plain(value)
    if kind is float:
        return float(value) if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if kind in (list, tuple):
        return [json_value(v, _depth + 1) for v in value]
    if kind is set:
        items = [json_value(v, _depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if kind is dict:
        return {(str(k) if isinstance(k, str) else repr(k)): json_value(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, NotLiteralEvaluable):
        return NOT_LITERAL
    return repr(value)


def list_json(values: Dict[str, Any]) -> str:
    data = {k: json_value(v) for k, v in sorted(values.items())}
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def display_path(path: Optional[str], cwd: Optional[str] = None) -> str:
    """A file path as the user knows it: `./main.py` under the working directory, else absolute."""
    if not path or path.startswith("<"):
        return path or "<unknown>"
    cwd = os.path.abspath(cwd or os.getcwd())
    full = os.path.abspath(path)
    for base, target in ((cwd, full), (os.path.realpath(cwd), os.path.realpath(full))):
        try:
            rel = os.path.relpath(target, base)
        except ValueError:  # another drive on Windows
            continue
        if rel != os.curdir and rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return os.curdir + os.sep + rel
    return full


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, NotLiteralEvaluable):
        return NOT_LITERAL
    return repr(plain(value)) if is_literal(value) else repr(value)


def _context(row: Any) -> str:
    helper = getattr(row, "source_helper", None)
    if helper is not None and getattr(helper, "source", None) is not None:
        return SourceHelper.format_given_source_and_lineno(helper.source, row.lineno)
    text = SourceHelper.format_given_filepath_and_lineno(row.filename, row.lineno)
    return text.split("\n", 1)[1] if "\n" in text else ""


def _details(rows: List[Any], cwd: Optional[str]) -> str:
    parsed = [r for r in rows if r.filename is not None and r.lineno is not None]
    parsed.sort(key=lambda r: (display_path(r.filename, cwd), r.lineno))
    if not parsed:
        origins = {int(r.priority) for r in rows if r.priority is not None}
        if P.PRIORITY_SET_FROM_CALLABLE in origins:
            return "defined at runtime (not in the parsed sources)"
        return "set with set_value (not in the parsed sources)"
    parts = []
    for i, row in enumerate(parsed):
        parts.append("occurrence[{}]:\n  {}:{}\n{}".format(
            i, display_path(row.filename, cwd), row.lineno, _context(row).expandtabs(4)))
    return "\n".join(parts)


def char_width(ch: str) -> int:
    """Terminal columns of one character: 2 for East Asian wide/full-width, 0 for combining marks."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class _Widths:
    """The part of the optional `wcwidth` package tabulate uses, from the standard library."""

    @staticmethod
    def wcswidth(text: str) -> int:
        return sum(char_width(ch) for ch in text)

    @staticmethod
    def wcwidth(ch: str) -> int:
        return char_width(ch)


@contextlib.contextmanager
def _wide_chars() -> Iterator[None]:
    """Make tabulate measure CJK text by display width (as it does when `wcwidth` is installed),
    so that the grid stays aligned for sources with Chinese comments or strings."""
    module = _tabulate_module
    if getattr(module, "wcwidth", None) is not None or not hasattr(module, "WIDE_CHARS_MODE"):
        yield
        return
    saved = module.wcwidth, module.WIDE_CHARS_MODE
    module.wcwidth, module.WIDE_CHARS_MODE = _Widths, True
    try:
        yield
    finally:
        module.wcwidth, module.WIDE_CHARS_MODE = saved


def detail_table(hp_mgr: HyperParameterManager, cwd: Optional[str] = None) -> str:
    """The `--hp-list detail` output: the sorted names, then a tabulate "grid" table with
    each hyperparameter's type, value and every parsed occurrence with its source context."""
    values = hp_mgr.get_values()
    names = sorted(values)
    rows_by_name: Dict[str, list] = {name: [] for name in names}
    for row in hp_mgr.db:
        if row.name in rows_by_name:
            rows_by_name[row.name].append(row)
    table = [[name, type_name(values[name]), _value_text(values[name]), _details(rows_by_name[name], cwd)]
             for name in names]
    numeric = bool(names) and all(kind_of(values[n]) in (int, float) for n in names)
    with _wide_chars():
        text = tabulate(table, headers=["name", "type", "value", "details"], tablefmt="grid",
                        disable_numparse=True, colalign=("left", "left", "right" if numeric else "left", "left"))
    return "All hyperparameters:\n    {}\nDetails:\n{}\n".format(names, text)
