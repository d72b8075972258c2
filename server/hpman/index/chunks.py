"""Splitting a module into its top-level statements without parsing it.

Parsing a whole module is the dominant cost of indexing; most top-level
statements never mention a manager. Cutting the text at the lines that start a
top-level statement lets the index parse only the statements that matter and,
after an edit, only the statements whose text changed.

A cut is only a candidate: a wrong cut makes a piece fail to parse, and the
parser then joins it with its neighbours (see facts.parse_piece). Cuts are
never placed inside a triple-quoted string, before a line that continues the
previous one (closing brackets, `else`/`elif`/`except`/`finally`, after a
backslash), or before an indented or comment line.
"""
import bisect
import re
from typing import List, Tuple

# A line that may start a top-level statement: not indented, not a comment,
# not a closing bracket, not a continuation clause of a compound statement.
_CONTINUATION = r"(?![\s#)\]}]|(?:else|elif|except|finally)\b)"
_STATEMENT_START = re.compile(r"\n" + _CONTINUATION)
_TRIPLE = re.compile(r"\"\"\"|'''")
_LINE_TOKEN = re.compile(r"#|\"(?:[^\"\\\n]|\\.)*(?:\"|$)|'(?:[^'\\\n]|\\.)*(?:'|$)", re.M)
_CLOSE = {
    # unrolled: runs of plain characters, then an escape or a lone quote
    '"""': re.compile(r'[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""', re.S),
    "'''": re.compile(r"[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''", re.S),
}
_BACKSLASH_CONTINUATION = re.compile(r"\\\n")


def string_spans(text: str) -> List[Tuple[int, int]]:
    """(start, end) offsets of the triple-quoted strings that span lines."""
    spans = []
    pos = 0
    find = _TRIPLE.search
    while True:
        m = find(text, pos)
        if m is None:
            return spans
        start = m.start()
        line_start = text.rfind("\n", 0, start) + 1
        state, resume = _prefix_state(text, max(line_start, pos), start)
        if state == "comment":
            nl = text.find("\n", start)
            pos = len(text) if nl < 0 else nl
            continue
        if state == "string":
            pos = resume
            continue
        close = _CLOSE[m.group()].match(text, m.end())
        end = close.end() if close else len(text)
        if text.find("\n", start, end) >= 0:
            spans.append((start, end))
        pos = end


def _prefix_state(text: str, begin: int, stop: int) -> Tuple[str, int]:
    """Whether offset `stop` lies in code, a comment or a one-line string.

    Scans from `begin`, a point known to be in code. For a string, also returns
    where that string really ends.
    """
    for tok in _LINE_TOKEN.finditer(text, begin, stop):
        if tok.group() == "#":
            return "comment", stop
        if tok.end() == stop:
            whole = _LINE_TOKEN.match(text, tok.start())
            if whole is not None and whole.end() > stop:
                return "string", whole.end()
    return "code", stop


def statement_starts(text: str, indent: str = "") -> List[int]:
    """Offsets at which a statement at `indent` (top level by default) may start, ascending, always 0 first."""
    pattern = _STATEMENT_START if not indent else re.compile(r"\n" + re.escape(indent) + _CONTINUATION)
    starts = [0]
    starts.extend(m.start() + 1 for m in pattern.finditer(text))
    if starts[-1] >= len(text):
        starts.pop()
        if not starts:
            starts = [0]
    blocked = string_spans(text) if ("'''" in text or '"""' in text) else []
    if "\\\n" in text:
        blocked.extend((m.start(), m.end() + 1) for m in _BACKSLASH_CONTINUATION.finditer(text))
        blocked.sort()
    if blocked:
        starts = _drop_inside(starts, blocked)
    return starts


def _drop_inside(starts: List[int], spans: List[Tuple[int, int]]) -> List[int]:
    """Remove the starts that fall strictly inside one of the spans."""
    merged: List[Tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    begins = [s for s, _ in merged]
    keep = []
    for pos in starts:
        i = bisect.bisect_left(begins, pos) - 1
        if i < 0 or not (merged[i][0] < pos < merged[i][1]):
            keep.append(pos)
    return keep
