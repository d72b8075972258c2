"""Index ranges (character columns) ↔ LSP ranges (the negotiated encoding); URIs ↔ paths.

The index counts columns in characters (code points). LSP counts UTF-16 code
units unless the client and server agreed on UTF-8 (or UTF-32). Converting a
column needs the text of its line, taken from the text the index holds for
that file (an open document's unsaved text, else the file on disk).

URIs are answered as the client spelled them: every URI the client sends is
remembered by its path, and paths under a workspace folder are spelled after
the folder's URI.
"""
import json
import os
from typing import Callable, Dict, List, Optional, Tuple, TypedDict, Union
from urllib.parse import quote

from lsprotocol import types as T
from pygls import uris

from hpman.index.positions import Range, from_encoding, to_encoding

TextSource = Callable[[str], Optional[str]]
RANGE_JSON = '{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}}'


class PositionDict(TypedDict):
    """An LSP Position as plain JSON (for answers that skip cattrs: protocol.Plain)."""
    line: int
    character: int


class RangeDict(TypedDict):
    start: PositionDict
    end: PositionDict


class LocationDict(TypedDict):
    uri: str
    range: RangeDict


def uri_to_path(uri: str) -> Optional[str]:
    """The absolute path of a file: URI (None for other schemes)."""
    if not uri.startswith("file:"):
        return None
    path = uris.to_fs_path(uri)
    return os.path.abspath(path) if path else None


class Uris:
    """path ↔ URI, keeping the client's spelling."""

    def __init__(self) -> None:
        self.by_path: Dict[str, str] = {}
        self.folders: List[Tuple[str, str]] = []  # (folder path, folder URI as sent)
        self._spelled: Dict[str, str] = {}         # path -> URI spelled after its folder
        self._json: Dict[str, str] = {}            # path -> its URI as a JSON string

    def add_folder(self, uri: str) -> Optional[str]:
        path = uri_to_path(uri)
        if path is not None:
            self.folders.append((path, uri.rstrip("/")))
            self._spelled.clear()
            self._json.clear()
        return path

    def remove_folder(self, uri: str) -> None:
        path = uri_to_path(uri)
        self.folders = [(p, u) for p, u in self.folders if p != path]
        self._spelled.clear()
        self._json.clear()

    def path(self, uri: str) -> Optional[str]:
        """The path of a URI the client sent (remembered for answers)."""
        path = uri_to_path(uri)
        if path is not None and path not in self.by_path:
            self.by_path[path] = uri
            self._json.pop(path, None)
        return path

    def uri_json(self, path: str) -> str:
        """The URI of `path` as a JSON string."""
        known = self._json.get(path)
        if known is None:
            known = self._json[path] = json.dumps(self.uri(path))
        return known

    def uri(self, path: str) -> str:
        known = self.by_path.get(path)
        if known is None:
            known = self._spelled.get(path)
            if known is None:
                known = self._spelled[path] = self._spell(path)
        return known

    def _spell(self, path: str) -> str:
        for folder, folder_uri in self.folders:
            if path.startswith(folder.rstrip(os.sep) + os.sep):
                rel = os.path.relpath(path, folder).replace(os.sep, "/")
                return folder_uri + "/" + quote(rel)
        return uris.from_fs_path(path) or "file://" + quote(path)


class Positions:
    """Column conversion between the index (characters) and the client's encoding."""

    def __init__(self, text_of: TextSource, encoding: str = "utf-16") -> None:
        self.text_of = text_of
        self.encoding = encoding
        self._lines: Dict[str, Tuple[str, Optional[List[str]]]] = {}

    def _line_list(self, path: str) -> Optional[List[str]]:
        """The lines of `path`, or None when every column is a character column anyway."""
        if self.encoding == "utf-32":
            return None
        text = self.text_of(path)
        if text is None:
            return None
        cached = self._lines.get(path)
        if cached is None or cached[0] is not text:
            cached = (text, None if text.isascii() else text.split("\n"))
            self._lines[path] = cached
        return cached[1]

    def _line(self, path: str, line: int) -> Optional[str]:
        """The text of a line, or None when every column is a character column anyway."""
        lines = self._line_list(path)
        if lines is None:
            return None
        return lines[line] if 0 <= line < len(lines) else None

    def forget(self, path: str) -> None:
        self._lines.pop(path, None)

    def column_out(self, path: str, line: int, col: int) -> int:
        text = self._line(path, line)
        return col if text is None else to_encoding(text, col, self.encoding)

    def column_in(self, path: str, line: int, col: int) -> int:
        text = self._line(path, line)
        return col if text is None else from_encoding(text, col, self.encoding)

    def range(self, path: str, rng: Range) -> T.Range:
        sl, sc, el, ec = rng
        return T.Range(T.Position(sl, self.column_out(path, sl, sc)), T.Position(el, self.column_out(path, el, ec)))

    def character_columns(self, path: str) -> bool:
        """True when every column of `path` is already in the client's encoding (ASCII text)."""
        return self._line_list(path) is None

    def range_json(self, path: str, rng: Range) -> str:
        sl, sc, el, ec = rng
        return RANGE_JSON % (sl, self.column_out(path, sl, sc), el, self.column_out(path, el, ec))

    def range_dict(self, path: str, rng: Range) -> RangeDict:
        sl, sc, el, ec = rng
        return {"start": {"line": sl, "character": self.column_out(path, sl, sc)},
                "end": {"line": el, "character": self.column_out(path, el, ec)}}

    def position_in(self, path: str, pos: T.Position) -> Tuple[int, int]:
        """An LSP position as (line, character column)."""
        if pos.line < 0 or pos.character < 0:
            raise ValueError("negative position {}:{}".format(pos.line, pos.character))
        return pos.line, self.column_in(path, pos.line, pos.character)

    def range_in(self, path: str, rng: T.Range) -> Range:
        sl, sc = self.position_in(path, rng.start)
        el, ec = self.position_in(path, rng.end)
        return (sl, sc, el, ec)


def encoding_name(kind: Union[T.PositionEncodingKind, str, None]) -> str:
    """'utf-8' / 'utf-16' / 'utf-32' from an LSP PositionEncodingKind (or its string)."""
    value = kind.value if isinstance(kind, T.PositionEncodingKind) else kind
    return value if value is not None and value in ("utf-8", "utf-16", "utf-32") else "utf-16"
