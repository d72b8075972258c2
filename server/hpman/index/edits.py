"""Text edits for quick fixes and rename, over several files at once.

Every edit touches only the arguments it is about, so that applying one leaves
each file parseable, with exactly one default per name where it says so.
"""
import bisect
import re
from typing import Dict, List, Optional, Sequence, Tuple

from .model import Occurrence
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
    """Delete `, <default>` after the name, keeping any hints that follow.

    The default may be wrapped in parentheses that its range does not cover
    (`_('a', (1))`), and comments between the arguments may hold commas: the
    separator is the first comma outside a comment, and the parentheses opened
    after it are closed after the default. Comments and line breaks between
    the arguments are kept. When the text is not what this expects, no edit
    is offered rather than a broken one.
    """
    if occ.default_range is None:
        return []
    text = ws.text_of(occ.path)
    if text is None:
        return []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def off(pos: Tuple[int, int]) -> int:
        return offsets[pos[0]] + pos[1]

    def at(offset: int) -> Tuple[int, int]:
        line = bisect.bisect_right(offsets, offset) - 1
        return line, offset - offsets[line]

    name_end, start, end = off(occ.name_range[2:]), off(occ.default_range[:2]), off(occ.default_range[2:])
    comma, opens, plain, first, name_close = -1, 0, True, start, name_end
    i = name_end
    while i < start:
        ch = text[i]
        if ch == "#":
            plain = False
            nl = text.find("\n", i)
            i = start if nl < 0 or nl > start else nl
            continue
        if ch == "," and comma < 0:
            comma = i
        elif ch == "(" and comma >= 0:
            first = min(first, i)
            opens += 1
        elif ch == "\n" or ch == "\\":
            plain = False
        elif ch == ")" and comma < 0:
            name_close = i + 1  # the name was in parentheses
        elif not ch.isspace():
            return []
        i += 1
    if comma < 0:
        return []
    while opens:  # close the parentheses around the default
        ch = text[end] if end < len(text) else ""
        if ch == ")":
            opens -= 1
        elif ch == "#":
            nl = text.find("\n", end)
            end = len(text) if nl < 0 else nl
            continue
        elif not (ch.isspace() or ch == "\\"):
            return []
        end += 1
    if plain:
        s_line, s_col = at(name_close)
        e_line, e_col = at(end)
        return [(occ.path, (s_line, s_col, e_line, e_col), "")]
    # keep what lies between the arguments: drop the comma, then the default with its parentheses
    edits = []
    for a, b in ((comma, comma + 1), (first, end)):
        (sl, sc), (el, ec) = at(a), at(b)
        edits.append((occ.path, (sl, sc, el, ec), ""))
    return edits


def insert_default(occ: Occurrence, default_text: str, ws: Optional[Workspace] = None) -> List[TextEdit]:
    """Insert `, <default>` after the name (after the parentheses around it, when `ws` gives the text)."""
    end = _after_name(ws, occ) if ws is not None else occ.name_range[2:]
    return [(occ.path, (end[0], end[1], end[0], end[1]), ", " + default_text)]


def _after_name(ws: Workspace, occ: Occurrence) -> Tuple[int, int]:
    """Where the name argument ends, past the parentheses wrapping it: `_(('x'))` → after `('x')`."""
    name_end = occ.name_range[2:]
    lines = _lines(ws, occ.path)
    if not lines:
        return name_end
    before = re.sub(r"#[^\n]*", "", _slice(lines, occ.call[:2], occ.name_range[:2]))
    wrapping = before.count("(") - 1  # the call's own parenthesis is not the name's
    line, col = name_end
    while wrapping > 0 and line < len(lines):
        rest = lines[line][col:]
        stripped = rest.lstrip()
        if not stripped or stripped.startswith("#"):
            line, col = line + 1, 0
            continue
        if not stripped.startswith(")"):
            return name_end
        col += len(rest) - len(stripped) + 1
        wrapping -= 1
    return (line, col) if wrapping == 0 else name_end


def move_default_here(ws: Workspace, target: Occurrence, source: Occurrence) -> List[TextEdit]:
    """Give `target` the default of `source`, removing every default the name had."""
    if target.has_default or source.default_text is None:
        return []
    edits: List[TextEdit] = []
    for default in ws.defaults_of(target.key()):
        edits.extend(remove_default(ws, default))
    edits.extend(insert_default(target, source.default_text, ws))
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
        elif entry is not None and entry.parent and new_name.startswith(entry.parent + "."):
            # a key inside a tree (`optim:` / `  lr: 0.1`): rename the leaf when the tree stays the same
            edits.append((vf.path, entry.key_range, new_name[len(entry.parent) + 1:]))
    return edits


def replace_key(ws: Workspace, name: str, suggestion: str) -> List[TextEdit]:
    """Did-you-mean for a values file key: write the suggested name instead."""
    vf = ws.values_file
    if vf is None:
        return []
    entry = vf.by_name.get(name)
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
