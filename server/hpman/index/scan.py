"""Parsing only what matters of a file: its top-level statements that mention a candidate
name (see chunks.py), merged when a cut was wrong, cached by text across edits, and the
members of a big class one by one."""
import ast
import bisect
import re
import warnings
import zlib
from typing import Dict, FrozenSet, List, Optional, Set, Tuple, Union

from .chunks import MAYBE_CALLED, _token_matches, find_tokens, starts_after_edit, statement_starts
from .scopes import PieceCall, _Binding, _member_key, _Piece, _Walker, extract_piece

PieceKey = Tuple[str, FrozenSet[str], bool]
"""(statement text, candidate names, scoped): what a parsed piece depends on."""
Group = Tuple[int, int, _Piece]
"""(first piece index, last piece index, the piece parsed from them)."""

# -- whole files -----------------------------------------------------------------

class PieceCache:
    """Results of parsed statements by (text, names, mode), reused across edits.

    Bounded in two generations: when the newer one holds `limit` entries it becomes the older
    one and the oldest is dropped. A statement still in use is found in either and moved to the
    newer one, so what a long editing session keeps is what its documents still contain, not
    every version of every statement it ever typed."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self.entries: Dict[PieceKey, _Piece] = {}
        self.older: Dict[PieceKey, _Piece] = {}

    def get(self, key: PieceKey) -> Optional[_Piece]:
        found = self.entries.get(key)
        if found is None and self.older:
            found = self.older.pop(key, None)
            if found is not None:
                self.put(key, found)
        return found

    def put(self, key: PieceKey, value: _Piece) -> None:
        if len(self.entries) >= self.limit:
            self.older = self.entries
            self.entries = {}
        self.entries[key] = value

    def __len__(self) -> int:
        return len(self.entries) + len(self.older)


class _SyntaxFailure:
    __slots__ = ("message", "line", "col", "kind")

    def __init__(self, message: str, line: int, col: int, kind: str = "SyntaxError") -> None:
        self.message, self.line, self.col = message, line, col
        self.kind = kind   # the class Python raised (IndentationError, TabError), for parse_file


def parse_module(text: str, filename: str) -> ast.Module:
    """`ast.parse`, without the warnings compiling emits for the code it reads (an invalid
    escape sequence is a SyntaxWarning since 3.12): they are the user's code's business, would
    land on our stderr with a chunk's line numbers, and under `-W error` would become errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename)


def _parse(text: str, filename: str) -> Union[ast.Module, _SyntaxFailure]:
    try:
        return parse_module(text, filename)
    except SyntaxError as exc:
        kind = type(exc).__name__ if type(exc) in (IndentationError, TabError) else "SyntaxError"
        return _SyntaxFailure(exc.msg or "invalid syntax", max((exc.lineno or 1) - 1, 0),
                              max((exc.offset or 1) - 1, 0), kind)
    except (ValueError, MemoryError, RecursionError, OverflowError) as exc:
        return _SyntaxFailure(str(exc) or type(exc).__name__, 0, 0)


_DEF_HEADER = re.compile(r"(?:@[^\n]*\n)*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)")
_LEAVE_SCOPE = ("global", "nonlocal", ":=")   # substrings: a false match only costs a parse
_UNINDENTED = re.compile(r"\n[^ \t\n\r\f#]")

_MAX_MERGES = 6
_DENSE_RUN = 16     # consecutive statements using a manager before they are parsed in blocks
_BLOCK_CAP = 256    # statements in one block at most


class _Scan:
    """Parses the pieces of one file that match a pattern, merging badly cut ones."""

    def __init__(self, text: str, path: str, cache: Optional[PieceCache],
                 previous: Optional[Tuple[str, List[int]]] = None) -> None:
        self.text = text
        self.path = path
        self.cache = cache
        starts = starts_after_edit(previous[0], previous[1], text) if previous is not None else None
        self.starts = statement_starts(text) if starts is None else starts
        self.last_line = (0, 0)
        self.failure: Optional[_SyntaxFailure] = None
        self.whole_tried = False
        self.parsed: List[Tuple[int, int]] = []   # text spans of whole pieces parsed without error

    def bounds(self, lo: int, hi: int) -> Tuple[int, int]:
        starts = self.starts
        return starts[lo], starts[hi + 1] if hi + 1 < len(starts) else len(self.text)

    def first_line(self, offset: int) -> int:
        """0-based line of an offset; offsets are asked in ascending order, so count from the last one."""
        last_offset, last_line = self.last_line
        if offset < last_offset:
            last_offset, last_line = 0, 0
        line = last_line + self.text.count("\n", last_offset, offset)
        self.last_line = (offset, line)
        return line

    def unparsed(self) -> List[Tuple[int, int]]:
        """The spans of the text between the pieces that parsed whole, in order: each a run of
        whole top-level statements (see facts.syntax_verdict)."""
        gaps = []
        at = 0
        for begin, end in sorted(self.parsed):
            if begin > at:
                gaps.append((at, begin))
            at = max(at, end)
        if at < len(self.text):
            gaps.append((at, len(self.text)))
        return gaps

    def pieces_matching(self, names: FrozenSet[str]) -> Tuple[List[int], Set[int]]:
        """Indices of the pieces in which one of `names` occurs, and of those in which one is
        perhaps called (see inert)."""
        found: List[int] = []
        called: Set[int] = set()
        starts, text = self.starts, self.text
        maybe_called = MAYBE_CALLED.match
        for m in _token_matches(text, names):
            i = bisect.bisect_right(starts, m.start()) - 1
            if not found or found[-1] != i:
                found.append(i)
            if maybe_called(text, m.end()):
                called.add(i)
        return found, called

    def parse_group(self, i: int, names: FrozenSet[str], scoped: bool, keep_nodes: bool,
                    floor: int = 0) -> Optional[Group]:
        """Parse piece i, widening it until it parses. Returns (lo, hi, piece) or None.

        The group never reaches below piece `floor`: the pieces before it already
        belong to a group, and taking them twice would report their calls twice.
        """
        lo = hi = i
        n = len(self.starts)
        for attempt in range(_MAX_MERGES + 1):
            begin, end = self.bounds(lo, hi)
            chunk = self.text[begin:end]
            key = (chunk, names, scoped)
            piece = self.cache.get(key) if (self.cache is not None and not keep_nodes) else None
            if piece is None:
                piece = _parse_class_members(chunk, self.path, names, scoped, keep_nodes) if lo == hi else None
                if piece is None:
                    tree = _parse(chunk, self.path)
                    if not isinstance(tree, _SyntaxFailure):
                        piece = extract_piece(tree, chunk.split("\n"), names, scoped, keep_nodes)
                        self.parsed.append((begin, end))
                if piece is not None and self.cache is not None and not keep_nodes:
                    self.cache.put(key, piece)
            if piece is not None:
                return lo, hi, piece
            if attempt % 2 == 0 and hi + 1 < n:
                hi += 1
            elif lo > floor:
                lo -= 1
            elif hi + 1 < n:
                hi += 1
            else:
                break
        return self._whole(names, scoped, keep_nodes)

    def _whole(self, names: FrozenSet[str], scoped: bool, keep_nodes: bool) -> Optional[Group]:
        if self.whole_tried:
            return None
        self.whole_tried = True
        tree = _parse(self.text, self.path)
        if isinstance(tree, _SyntaxFailure):
            self.failure = tree
            return None
        self.starts = [0]
        return 0, 0, extract_piece(tree, self.text.split("\n"), names, scoped, keep_nodes)

    def parse_block(self, lo: int, hi: int, names: FrozenSet[str], scoped: bool,
                    keep_nodes: bool) -> Optional[_Piece]:
        """Parse pieces lo..hi together (no widening); None when they do not parse as a block."""
        begin, end = self.bounds(lo, hi)
        chunk = self.text[begin:end]
        key = (chunk, names, scoped)
        piece = self.cache.get(key) if (self.cache is not None and not keep_nodes) else None
        if piece is None:
            tree = _parse(chunk, self.path)
            if isinstance(tree, _SyntaxFailure):
                return None
            piece = extract_piece(tree, chunk.split("\n"), names, scoped, keep_nodes)
            self.parsed.append((begin, end))
            if self.cache is not None and not keep_nodes:
                self.cache.put(key, piece)
        return piece

    def inert(self, i: int, names: FrozenSet[str]) -> bool:
        """Whether piece i, in which no candidate name is called (pieces_matching), is a def or
        class that binds none outside itself: it holds no fact (no call; bindings in its body
        are its own), so it need not be parsed. Any doubt (a `global`, a `:=`, an unindented
        body line) means False: parsing is only slower."""
        text = self.text
        begin, end = self.bounds(i, i)
        header = _DEF_HEADER.match(text, begin, end)
        if header is None or header.group(1) in names:
            return False
        if any(text.find(word, begin, end) >= 0 for word in _LEAVE_SCOPE):
            return False
        body = text.find("\n", header.end(), end)
        return body < 0 or _UNINDENTED.search(text, body, end - 1) is None

    def dense_blocks(self, matching: List[int]) -> Dict[int, int]:
        """{first: last} for blocks of consecutive matching pieces worth one parse each.

        Many small statements that all use a manager parse much faster together.
        Blocks end where a piece's text hashes to a boundary (or at a size cap), so
        that an edit changes one block and the others stay cached.
        """
        blocks: Dict[int, int] = {}
        run_start = 0
        for k in range(1, len(matching) + 1):
            if k < len(matching) and matching[k] == matching[k - 1] + 1:
                continue
            run = matching[run_start:k]
            run_start = k
            if len(run) < _DENSE_RUN:
                continue
            first = run[0]
            for i in run:
                begin, end = self.bounds(i, i)
                digest = zlib.crc32(self.text[begin:end].encode("utf-8", "surrogatepass"))
                if i - first + 1 >= _BLOCK_CAP or digest % 32 == 0:
                    blocks[first] = i
                    first = i + 1
            if first <= run[-1]:
                blocks[first] = run[-1]
        return blocks

    def collect(self, names: FrozenSet[str], scoped: bool, keep_nodes: bool) -> List[Tuple[int, _Piece]]:
        """(first line, piece) for each parsed group in which one of `names` occurs, in order."""
        out: List[Tuple[int, _Piece]] = []
        covered = -1
        matching, called = self.pieces_matching(names)
        matching = [i for i in matching if i in called or not self.inert(i, names)]
        blocks = self.dense_blocks(matching) if len(matching) >= _DENSE_RUN else {}
        for i in matching:
            if i <= covered:
                continue
            last = blocks.get(i)
            if last is not None and last > i:
                piece = self.parse_block(i, last, names, scoped, keep_nodes)
                if piece is not None:
                    covered = last
                    out.append((self.first_line(self.bounds(i, last)[0]), piece))
                    continue
            got = self.parse_group(i, names, scoped, keep_nodes, covered + 1)
            if got is None:
                if self.failure is not None and self.starts != [0]:
                    covered = i
                continue
            lo, hi, piece = got
            if self.starts == [0]:
                return [(0, piece)]
            covered = hi
            out.append((self.first_line(self.bounds(lo, hi)[0]), piece))
        return out


_CLASS_HEADER = re.compile(r"class\s+\w+\s*(?:\([^()\n]*\))?\s*:[ \t]*(?:#[^\n]*)?\n")
_INDENT = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*([ \t]+)\S")
_BIG_CLASS_LINES = 80


def _parse_class_members(chunk: str, path: str, names: FrozenSet[str], scoped: bool,
                         keep_nodes: bool) -> Optional[_Piece]:
    """Facts of a large top-level class from only the members that mention a candidate name.

    A method sees the module scope, not the class body, so each hot member can be
    parsed alone (wrapped in `if 1:` to keep its indentation and columns). Returns
    None to ask for a parse of the whole class: small classes, unusual headers,
    a hot header, or a class-level binding of a candidate name.
    """
    header = _CLASS_HEADER.match(chunk)
    if header is None or chunk.count("\n", 0, 20000) < _BIG_CLASS_LINES:
        return None
    if find_tokens(chunk, names, 0, header.end()):
        return None
    indent_match = _INDENT.match(chunk, header.end())
    if indent_match is None:
        return None
    body_start = header.end()
    body = chunk[body_start:]
    starts = statement_starts(body, indent_match.group(1))
    hot = {bisect.bisect_right(starts, pos) - 1 for pos in find_tokens(body, names)}
    header_lines = chunk.count("\n", 0, body_start)
    calls: List[PieceCall] = []
    bindings: List[_Binding] = []
    for i in sorted(hot):
        begin = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else len(body)
        member = body[begin:end]
        tree = _parse("if 1:\n" + member, path)
        if isinstance(tree, _SyntaxFailure) or len(tree.body) != 1 or not isinstance(tree.body[0], ast.If):
            return None
        lines = ("if 1:\n" + member).split("\n")
        delta = header_lines + body.count("\n", 0, begin) - 1
        walker = _Walker(names, scoped, lines, delta)
        for stmt in tree.body[0].body:
            if scoped:
                before = len(walker.bindings)
                walker.statement_bindings(stmt, walker.module)
                if len(walker.bindings) > before:
                    return None  # a class-level binding hides the manager for the class body
            # the member's place in the class, which is the chunk's first statement (line 0)
            member_key = _member_key(stmt.lineno - 1 + delta, stmt.col_offset)
            walker.visit(stmt, walker.module, (member_key, ((0, 0), None)))
        piece = walker.piece(keep_nodes, delta)
        calls.extend(piece.calls)
        bindings.extend(piece.bindings)
    return _Piece(calls, bindings)
