"""Splitting a module into its top-level statements without parsing it.

Parsing a whole module is the dominant cost of indexing; most top-level
statements never mention a manager. Cutting the text at the lines that start a
top-level statement lets the index parse only the statements that matter and,
after an edit, only the statements whose text changed.

A cut is only a candidate: a wrong cut makes a piece fail to parse, and the
parser then joins it with its neighbours (see scan.py). Cuts are
never placed inside a triple-quoted string, before a line that continues the
previous one (closing brackets, `else`/`elif`/`except`/`finally`, after a
backslash), or before an indented or comment line.
"""
import bisect
import functools
import re
from typing import FrozenSet, Iterator, List, Optional, Tuple

# A line that may start a top-level statement: not indented, not a comment,
# not a closing bracket, not a continuation clause of a compound statement.
_CONTINUATION = r"(?![\s#)\]}]|(?:else|elif|except|finally)\b)"
_STATEMENT_START = re.compile(r"\n" + _CONTINUATION)
_LINE_TOKEN = re.compile(r"#|\"(?:[^\"\\\n]|\\.)*(?:\"|$)|'(?:[^'\\\n]|\\.)*(?:'|$)", re.M)
_CLOSE = {
    # unrolled: runs of plain characters, then an escape or a lone quote
    '"""': re.compile(r'[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""', re.S),
    "'''": re.compile(r"[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''", re.S),
}
_BACKSLASH_CONTINUATION = re.compile(r"\\\n")


def string_spans(text: str) -> List[Tuple[int, int]]:
    """(start, end) offsets of the triple-quoted strings that span lines."""
    spans: List[Tuple[int, int]] = []
    pos = 0
    # the next of each quote at or after pos (str.find is much faster than a regex alternation)
    double, single = text.find('"""'), text.find("'''")
    while True:
        if double >= 0 and (single < 0 or double < single):
            start, quote = double, '"""'
        elif single >= 0:
            start, quote = single, "'''"
        else:
            return spans
        line_start = text.rfind("\n", 0, start) + 1
        state, resume = _prefix_state(text, max(line_start, pos), start)
        if state == "comment":
            nl = text.find("\n", start)
            pos = len(text) if nl < 0 else nl
        elif state == "string":
            pos = resume
        else:
            close = _CLOSE[quote].match(text, start + 3)
            end = close.end() if close else len(text)
            if text.find("\n", start, end) >= 0:
                spans.append((start, end))
            pos = end
        if double >= 0 and double < pos:
            double = text.find('"""', pos)
        if single >= 0 and single < pos:
            single = text.find("'''", pos)


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


# Characters that can open or close a string, a comment or a continuation, or end a line.
_EDIT_UNSAFE = re.compile(r"[\n'\"#\\]")
_FIRST_WORD = 12   # an edit this close to a line's start may change whether a statement starts there


def starts_after_edit(old: str, old_starts: List[int], new: str) -> Optional[List[int]]:
    """The statement starts of `new` from those of `old`, for the common edit while typing:
    within one line, away from its first word, adding or removing no quote, `#`, backslash
    or newline. Those edits move the starts after them and change nothing else; for any
    other edit, None (compute them again)."""
    n = min(len(old), len(new))
    a = common_prefix(old, new, n)
    if a == len(old) == len(new):
        return list(old_starts)
    s = common_suffix(old, new, n - a)
    end_old, end_new = len(old) - s, len(new) - s
    if (_EDIT_UNSAFE.search(old, a, end_old) or _EDIT_UNSAFE.search(new, a, end_new)
            or _changes_a_token(old, a, end_old) or _changes_a_token(new, a, end_new)):
        return None
    if a - (old.rfind("\n", 0, a) + 1) < _FIRST_WORD:
        return None
    delta = len(new) - len(old)
    i = bisect.bisect_right(old_starts, a)
    return old_starts[:i] + [p + delta for p in old_starts[i:]]


def _changes_a_token(text: str, a: int, b: int) -> bool:
    """Whether text[a:b] (no quote, `#`, backslash or newline in it) is where it changes the
    tokens around it: after a backslash (what it escapes), or, being empty, between two quotes
    (which then touch)."""
    before = text[a - 1] if a > 0 else ""
    if before == "\\":
        return True
    return a == b and before in ("'", '"') and b < len(text) and text[b] in ("'", '"')


def common_prefix(a: str, b: str, n: int) -> int:
    """Length of the common prefix of a and b (at most n), comparing ever smaller slices."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: str, b: str, n: int) -> int:
    """Length of the common suffix of a and b (at most n)."""
    la, lb = len(a), len(b)
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid:la - lo] == b[lb - mid:lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


# -- finding the candidate names in text ---------------------------------------

@functools.lru_cache(maxsize=256)
def _token_regex(names: FrozenSet[str]) -> "re.Pattern[str]":
    # no look-behind: a pattern that starts with a literal is searched much faster
    return re.compile(r"(?:{})(?!\w)".format("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))))


_CALL_AFTER = re.compile(r"[ \t]*\(")
# after a name, what may still open its call's parentheses (spaces, line breaks, continuations,
# comments): where taking a call for none would lose a fact (scan.inert), unlike _CALL_AFTER's
# use, where taking a call for none only costs time
MAYBE_CALLED = re.compile(r"(?:\s|\\|#[^\n]*)*\(")
_DEFINED_BEFORE = re.compile(r"(?<!\w)(?:def|class)[ \t]+$")


def _calls_only(text: str, names: FrozenSet[str]) -> bool:
    """Whether every candidate name in `text` is called right there (`_(` but not `def _(`).

    A called name is never a binding target, so such a text binds no candidate name and
    the scope analysis has nothing to find: the common case of a function that only uses
    hyperparameters. Names in strings and comments make this False, which is only slower.
    """
    for m in _token_matches(text, names):
        pos = m.start()
        if not _CALL_AFTER.match(text, m.end()) or _DEFINED_BEFORE.search(text, max(0, pos - 80), pos):
            return False
    return True


def _token_matches(text: str, names: FrozenSet[str], begin: int = 0,
                   end: Optional[int] = None) -> Iterator["re.Match[str]"]:
    """The matches of one of `names` as a whole identifier (not the tail of a longer one)."""
    for m in _token_regex(names).finditer(text, begin, len(text) if end is None else end):
        pos = m.start()
        if pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "_"):
            yield m


def find_tokens(text: str, names: FrozenSet[str], begin: int = 0, end: Optional[int] = None) -> List[int]:
    """Offsets where one of `names` occurs as a whole identifier."""
    return [m.start() for m in _token_matches(text, names, begin, end)]
