"""Columns: Python's ast counts UTF-8 bytes, the index counts characters (code
points), LSP counts UTF-16 code units unless the client negotiates UTF-8."""
from typing import Tuple

Range = Tuple[int, int, int, int]
"""(start line, start column, end line, end column): 0-based lines, character columns."""


def utf8_to_char(line: str, col: int) -> int:
    if line.isascii():
        return col
    return len(line.encode("utf-8")[:col].decode("utf-8", "replace"))


def char_to_utf16(line: str, col: int) -> int:
    if line.isascii():
        return col
    return col + sum(1 for ch in line[:col] if ord(ch) > 0xFFFF)


def utf16_to_char(line: str, col: int) -> int:
    if line.isascii():
        return col
    units = 0
    for i, ch in enumerate(line):
        if units >= col:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def char_to_utf8(line: str, col: int) -> int:
    if line.isascii():
        return col
    return len(line[:col].encode("utf-8"))



def to_encoding(line: str, col: int, encoding: str) -> int:
    """A character column as `encoding` ("utf-16", "utf-8" or "utf-32") counts it."""
    if encoding == "utf-16":
        return char_to_utf16(line, col)
    if encoding == "utf-8":
        return char_to_utf8(line, col)
    return col


def from_encoding(line: str, col: int, encoding: str) -> int:
    """A column counted in `encoding` as a character column."""
    if encoding == "utf-16":
        return utf16_to_char(line, col)
    if encoding == "utf-8":
        return utf8_to_char(line, col)
    return min(col, len(line))


def contains(rng: Range, line: int, col: int) -> bool:
    """Whether (line, col) lies within rng, end inclusive (a cursor right after counts)."""
    sl, sc, el, ec = rng
    if line < sl or line > el:
        return False
    if line == sl and col < sc:
        return False
    if line == el and col > ec:
        return False
    return True
