"""Text edits for quick fixes and rename, over several files at once.

Every edit touches only the arguments it is about, so that applying one leaves
each file parseable, with exactly one default per name where it says so.
"""
import re
from typing import Dict, List, Sequence, Tuple

from .facts import Occurrence
from .positions import Range
from .workspace import Key, Workspace

TextEdit = Tuple[str, Range, str]  # (path, range, new text)


def _lines(ws: Workspace, path: str) -> List[str]:
    text = ws.text_of(path)
    return text.split("\n") if text is not None else []


def _slice(lines: List[str], start: Tuple[int, int], end: Tuple[int, int]) -> str:
    (sl, sc), (el, ec) = start, end
    if sl == el:
        return lines[sl][sc:ec]
    return "\n".join([lines[sl][sc:]] + lines[sl + 1:el] + [lines[el][:ec]])


def remove_default(ws: Workspace, occ: Occurrence) -> List[TextEdit]:
    """Delete `, <default>` after the name, keeping any hints that follow."""
    if occ.default_range is None:
        return []
    lines = _lines(ws, occ.path)
    name_end = occ.name_range[2:]
    between = _slice(lines, name_end, occ.default_range[:2])
    comma = between.find(",")
    if comma < 0:
        return []
    if between.strip() == ",":
        start = name_end
    else:  # a comment or a line break between the arguments: keep it, drop the comma onwards
        start = _advance(lines, name_end, comma)
    return [(occ.path, (start[0], start[1], occ.default_range[2], occ.default_range[3]), "")]


def _advance(lines: List[str], pos: Tuple[int, int], count: int) -> Tuple[int, int]:
    line, col = pos
    while count > 0:
        rest = len(lines[line]) - col
        if count <= rest:
            return line, col + count
        count -= rest + 1
        line, col = line + 1, 0
    return line, col


def insert_default(occ: Occurrence, default_text: str) -> List[TextEdit]:
    end = occ.name_range[2:]
    return [(occ.path, (end[0], end[1], end[0], end[1]), ", " + default_text)]


def move_default_here(ws: Workspace, target: Occurrence, source: Occurrence) -> List[TextEdit]:
    """Give `target` the default of `source`, removing every default the name had."""
    if target.has_default or source.default_text is None:
        return []
    edits: List[TextEdit] = []
    for default in ws.defaults_of(target.key()):
        edits.extend(remove_default(ws, default))
    edits.extend(insert_default(target, source.default_text))
    return edits


def keep_only(ws: Workspace, keep: Occurrence) -> List[TextEdit]:
    """Remove every other default of the name of `keep`."""
    edits: List[TextEdit] = []
    for default in ws.defaults_of(keep.key()):
        if default is not keep:
            edits.extend(remove_default(ws, default))
    return edits


def quote_name(old_literal: str, new_name: str) -> str:
    """A string literal for `new_name` in the quote style of `old_literal`."""
    m = re.match(r"([rRuU]?)('''|\"\"\"|'|\")", old_literal)
    quote = m.group(2) if m else "'"
    body = new_name.replace("\\", "\\\\")
    if quote in ("'", '"'):
        body = body.replace(quote, "\\" + quote)
    return quote + body + quote


def name_literal(ws: Workspace, occ: Occurrence) -> str:
    lines = _lines(ws, occ.path)
    r = occ.name_range
    return _slice(lines, r[:2], r[2:]) if lines else "'{}'".format(occ.name)


def rename(ws: Workspace, key: Key, new_name: str) -> List[TextEdit]:
    """Rename a hyperparameter at every occurrence (and its key in the values file)."""
    edits: List[TextEdit] = []
    for occ in ws.occurrences_of(key):
        edits.append((occ.path, occ.name_range, quote_name(name_literal(ws, occ), new_name)))
    vf = ws.values_file
    if vf is not None and key[0] == ws.default_manager():
        entry = vf.by_name.get(key[1])
        if entry is not None and entry.key_text == entry.name:
            edits.append((vf.path, entry.key_range, new_name))
    return edits


def replace_key(ws: Workspace, name: str, suggestion: str) -> List[TextEdit]:
    """Did-you-mean for a values file key: write the suggested name instead."""
    vf = ws.values_file
    entry = vf.by_name.get(name) if vf is not None else None
    if entry is None:
        return []
    if entry.parent:
        if not suggestion.startswith(entry.parent + "."):
            return []
        return [(vf.path, entry.key_range, suggestion[len(entry.parent) + 1:])]
    return [(vf.path, entry.key_range, suggestion)]


def apply(text: str, edits: Sequence[Tuple[Range, str]]) -> str:
    """Apply non-overlapping edits to a text (positions in characters)."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def off(line: int, col: int) -> int:
        return offsets[min(line, len(lines))] + col

    out = text
    for (sl, sc, el, ec), new in sorted(edits, key=lambda e: e[0], reverse=True):
        out = out[:off(sl, sc)] + new + out[off(el, ec):]
    return out


def group_by_path(edits: Sequence[TextEdit]) -> Dict[str, List[Tuple[Range, str]]]:
    out: Dict[str, List[Tuple[Range, str]]] = {}
    for path, rng, new in edits:
        out.setdefault(path, []).append((rng, new))
    return out
