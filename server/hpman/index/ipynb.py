"""Jupyter notebooks as Python text: the code cells of an `.ipynb`, one after another.

A notebook becomes one *virtual module*: each Python code cell, preceded by a
marker line `# %% [cell N]` (N counts every cell of the notebook from 1, as a
user counts them on screen), with IPython's own syntax blanked in place:
line magics (`%time f()`), shell escapes (`!pip install x`, `files = !ls`),
help (`obj?`) and cells whose cell magic runs something other than Python
(`%%bash`, `%%html`, `%%writefile`, ...) become empty lines (or `pass` inside
an indented block), so every cell line keeps its line and its columns. The
index parses this text like any module (a notebook is one namespace: an import
in cell 1 counts in cell 5); `NotebookSource` maps its lines back to (cell,
line in cell) and the other way round.

Plain standard library: no IPython, no nbformat.
"""
import re
from bisect import bisect_right
from typing import Any, List, Optional, Sequence, Tuple

SUFFIX = ".ipynb"
MARKER = "# %% [cell {}]"
_MARKER_RE = re.compile(r"# %% \[cell (\d+)\]\Z")

# cell magics whose body is Python code (the magic line itself is blanked)
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})


class NotebookError(ValueError):
    """A file that is not a readable notebook (one-line message)."""


def is_notebook(path: Any) -> bool:
    return str(path).lower().endswith(SUFFIX)


class Cell:
    """A Python code cell placed in the virtual text."""

    __slots__ = ("index", "start", "count", "id")

    def __init__(self, index: int, start: int, count: int, cell_id: Optional[str] = None) -> None:
        self.index = index    # 0-based position among all the notebook's cells
        self.start = start    # virtual line of the cell's first line (the marker is the line before)
        self.count = count    # number of lines of the cell
        self.id = cell_id

    def __repr__(self) -> str:
        return "Cell({}, lines {}..{})".format(self.index + 1, self.start, self.start + self.count - 1)


class NotebookSource:
    """The virtual module text of a notebook and the map between its lines and the cells."""

    def __init__(self, text: str, cells: List[Cell]) -> None:
        self.text = text
        self.cells = cells
        self._starts = [c.start for c in cells]

    def cell_at(self, line: int) -> Optional[Cell]:
        """The cell holding virtual line `line` (None for a marker line or past the end)."""
        i = bisect_right(self._starts, line) - 1
        if i < 0:
            return None
        cell = self.cells[i]
        return cell if line < cell.start + cell.count else None

    def locate(self, line: int) -> Optional[Tuple[int, int]]:
        """(cell index, line in the cell), 0-based, of a virtual line; None for a marker line."""
        cell = self.cell_at(line)
        return (cell.index, line - cell.start) if cell is not None else None

    def cell(self, index: int) -> Optional[Cell]:
        for c in self.cells:
            if c.index == index:
                return c
        return None

    def virtual_line(self, index: int, line: int) -> Optional[int]:
        """The virtual line of line `line` of cell `index` (None when there is no such line)."""
        cell = self.cell(index)
        if cell is None or not 0 <= line < cell.count:
            return None
        return cell.start + line


# -- notebook JSON → cells --------------------------------------------------------------

def _text(source: Any) -> str:
    if isinstance(source, list):
        if not all(isinstance(s, str) for s in source):
            raise NotebookError("a cell's source must be text")
        return "".join(source)
    if isinstance(source, str):
        return source
    if source is None:
        return ""
    raise NotebookError("a cell's source must be text, not {}".format(type(source).__name__))


def _is_python(metadata: Any) -> bool:
    """Whether the notebook's kernel runs Python (unknown counts as Python)."""
    if not isinstance(metadata, dict):
        return True
    for section, key in (("language_info", "name"), ("kernelspec", "language")):
        info = metadata.get(section)
        if isinstance(info, dict) and isinstance(info.get(key), str) and info[key]:
            language: str = info[key]
            return language.lower().startswith("python")
    return True


def read_cells(data: Any) -> List[Tuple[str, str, Optional[str]]]:
    """[(kind, source, cell id)] of every cell of a notebook, from its JSON (text, bytes or
    already loaded). Code cells of a non-Python notebook come back as kind "other"."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotebookError("not UTF-8 text ({})".format(exc.reason)) from None
    if isinstance(data, str):
        import json  # here, not at the top: `import hpman` stays light
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise NotebookError("not notebook JSON: {}".format(" ".join(str(exc).split()))) from None
    if not isinstance(data, dict):
        raise NotebookError("not a notebook: the JSON is not an object")
    cells = data.get("cells")
    if cells is None and isinstance(data.get("worksheets"), list):   # nbformat 3
        cells = [c for ws in data["worksheets"] if isinstance(ws, dict) for c in ws.get("cells") or []]
        source_key = "input"
    else:
        source_key = "source"
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no list of cells")
    python = _is_python(data.get("metadata"))
    out = []
    for cell in cells:
        if not isinstance(cell, dict):
            raise NotebookError("not a notebook: a cell is not an object")
        kind = cell.get("cell_type")
        text = _text(cell.get(source_key))
        if kind == "code" and not python:
            kind = "other"
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        out.append((kind if isinstance(kind, str) else "other", text, cell_id))
    return out


def from_cells(cells: Sequence[Tuple[str, str, Optional[str]]]) -> NotebookSource:
    """The virtual text of cells given as (kind, source, id); only kind "code" counts."""
    parts: List[str] = []
    placed: List[Cell] = []
    line = 0
    for index, (kind, source, cell_id) in enumerate(cells):
        if kind != "code":
            continue
        source = source.replace("\r\n", "\n").replace("\r", "\n")
        code = python_lines(source)
        parts.append(MARKER.format(index + 1))
        parts.extend(code)
        placed.append(Cell(index, line + 1, len(code), cell_id))
        line += 1 + len(code)
    text = "\n".join(parts) + "\n" if parts else ""
    return NotebookSource(text, placed)


def parse_notebook(data: Any) -> NotebookSource:
    """The virtual module of a notebook (JSON text, bytes or loaded). Raises NotebookError."""
    return from_cells(read_cells(data))


def module_text(path: str, data: bytes) -> str:
    """The text the index parses for a file: a notebook's virtual module, else the decoded source."""
    if is_notebook(path):
        return parse_notebook(data).text
    from .files import decode_source
    return decode_source(data)


# -- one cell's Python --------------------------------------------------------------------

_CELL_MAGIC = re.compile(r"[ \t]*%%(\w+)")
_ASSIGNED_ESCAPE = re.compile(r"[ \t]*[\w.\[\], ()*]+?[ \t]*=[ \t]*[%!]")
_STRING_START = re.compile(r"(?i)(?:[rbuf]|br|rb|fr|rf)?('''|\"\"\"|'|\")")


def python_lines(source: str) -> List[str]:
    """The lines of a cell with IPython syntax blanked in place (same number of lines)."""
    lines = source.split("\n")
    first = next((i for i, l in enumerate(lines) if l.strip()), None)
    if first is not None:
        magic = _CELL_MAGIC.match(lines[first])
        if magic is not None:
            if magic.group(1) not in PYTHON_CELL_MAGICS:
                return [""] * len(lines)
            lines = list(lines)
            lines[first] = ""
    out: List[str] = []
    scanner = _Scanner()
    blanking = False
    for line in lines:
        if blanking:   # a backslash continuation of an escaped line
            out.append(_blank(line))
            blanking = line.endswith("\\")
            continue
        if scanner.at_statement_start() and _is_escape(line):
            out.append(_blank(line))
            blanking = line.endswith("\\")
            continue
        scanner.feed(line)
        out.append(line)
    return out


def _is_escape(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!?":
        return True
    if stripped[0] in "/;," and not stripped.startswith("//"):
        return True   # IPython's autocall escapes
    if _ASSIGNED_ESCAPE.match(line):
        return True   # `files = !ls`, `t = %timeit -o f()`
    return _HELP.match(stripped) is not None   # `obj?`, `obj.attr??`, `np.*load*?`


_HELP = re.compile(r"[\w.\[\]()*]+\?\??\Z")


def _blank(line: str) -> str:
    indent = line[:len(line) - len(line.lstrip(" \t"))]
    return indent + "pass" if indent else ""


class _Scanner:
    """Just enough of Python's tokenizer to know where logical lines start: open brackets,
    open (triple-quoted) strings and backslash continuations."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: Optional[str] = None     # the open triple quote, if any
        self.continued = False

    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        self.continued = False
        while i < n:
            if self.quote is not None:
                end = _find_close(line, i, self.quote)
                if end < 0:
                    return
                i, self.quote = end, None
                continue
            ch = line[i]
            if ch == "#":
                return
            if ch in "([{":
                self.depth += 1
            elif ch in ")]}":
                self.depth = max(0, self.depth - 1)
            elif ch == "\\" and i == n - 1:
                self.continued = True
            elif ch in "'\"" or (ch.isalpha() and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] == "_"))):
                m = _STRING_START.match(line, i)
                if m is not None:
                    q = m.group(1)
                    end = _find_close(line, m.end(), q)
                    if end < 0:
                        if len(q) == 3:
                            self.quote = q
                        elif line.endswith("\\"):
                            self.continued = True
                        return
                    i = end
                    continue
            i += 1


def _find_close(line: str, i: int, quote: str) -> int:
    """Offset just past the closing `quote` from i on, or -1."""
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if line.startswith(quote, i):
            return i + len(quote)
        i += 1
    return -1


# -- display --------------------------------------------------------------------------------

def cell_of_line(source: str, lineno: int) -> Optional[Tuple[int, int]]:
    """(cell number from 1, line in the cell from 1) of 1-based line `lineno` of a notebook's
    virtual text, from its marker lines; None when the line is not in a cell."""
    lines = source.split("\n")
    if not 1 <= lineno <= len(lines) - source.endswith("\n"):
        return None
    for i in range(lineno - 1, -1, -1):
        m = _MARKER_RE.match(lines[i])
        if m is not None:
            return (int(m.group(1)), lineno - 1 - i) if i != lineno - 1 else None
    return None


def where(filename: str, source: Optional[str], lineno: Optional[int]) -> str:
    """`nb.ipynb:cell 3:2` for a line of a notebook's virtual text, `file.py:12` otherwise."""
    if lineno is None:
        return str(filename)
    if source is not None and is_notebook(filename):
        found = cell_of_line(source, lineno)
        if found is not None:
            return "{}:cell {}:{}".format(filename, found[0], found[1])
    return "{}:{}".format(filename, lineno)


def format_context(filename: str, source: str, lineno: int, before: int = 5, after: int = 5) -> str:
    """`where()` and the lines around it, numbered within the cell for a notebook
    (as SourceHelper numbers the lines of a module)."""
    head = where(filename, source, lineno)
    lines = source.split("\n")
    if source.endswith("\n"):
        lines.pop()
    found = cell_of_line(source, lineno) if is_notebook(filename) else None
    if found is None:
        first, last, offset = 1, len(lines), 0
    else:
        first = lineno - found[1] + 1          # the cell's first line, 1-based virtual
        last = first
        while last < len(lines) and not _MARKER_RE.match(lines[last]):
            last += 1                         # `last` is 1-based: the line before the next marker
        offset = first - 1
    lo, hi = max(first, lineno - before), min(last, lineno + after)
    width = len(str(hi - offset))
    rows = []
    for n in range(lo, hi + 1):
        mark = "==> " if n == lineno else "    "
        rows.append("{}{:>{}}: {}".format(mark, n - offset, width, lines[n - 1] if n - 1 < len(lines) else ""))
    return head + "\n" + "\n".join(rows)
