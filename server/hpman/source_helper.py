"""Source context around a line, for error messages and listings."""
import re
from typing import Any, Optional

from .index.files import read_source

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class SourceHelper:
    """Formats a window of source lines around one line."""

    def __init__(self, source: str) -> None:
        self.source = source
        # lines as Python counts them: a lone CR ends a line too (0.13 split at LF only and
        # crashed formatting the context of an error in such a file)
        self.lines = _LINE_BREAK.split(source) if "\r" in source else source.split("\n")

    @classmethod
    def from_file(cls, path: str) -> "SourceHelper":
        return cls(read_source(path))

    def format_lines(self, from_line: int, to_line: int, lineno: int, *, indent_spaces: int = 0) -> str:
        """Rows `"==> N: text"` for `lineno`, `"    N: text"` otherwise (1-based, inclusive)."""
        from_line = max(1, from_line)
        to_line = min(max(len(self.lines), 1), to_line)
        width = len(str(to_line))
        pad = " " * indent_spaces
        rows = []
        for n in range(from_line, to_line + 1):
            text = self.lines[n - 1] if n - 1 < len(self.lines) else ""
            mark = "==> " if n == lineno else "    "
            rows.append("{}{}{:>{}}: {}".format(pad, mark, n, width, text))
        return "\n".join(rows)

    # `**kwargs` are format_lines' keywords (indent_spaces), or, for the methods that take a filename,
    # accepted and ignored as hpman 0.13 did; a filename is only shown (None as `None`, as in 0.13)
    def format_line_with_context(self, lineno: int, before: int = 5, after: int = 5, **kwargs: int) -> str:
        return self.format_lines(lineno - before, lineno + after, lineno, **kwargs)

    def format_given_filename_and_lineno(self, filename: Optional[str], lineno: int, **kwargs: Any) -> str:
        return self.format_given_filename_and_source_and_lineno(filename, self.source, lineno, **kwargs)

    @classmethod
    def format_given_source_and_lineno(cls, source: str, lineno: int, **kwargs: int) -> str:
        return cls(source).format_line_with_context(lineno, **kwargs)

    @classmethod
    def format_given_filename_and_source_and_lineno(
        cls, filename: Optional[str], source: str, lineno: int, *, indent_spaces: int = 0, **kwargs: Any
    ) -> str:
        head = " " * indent_spaces + "{}:{}".format(filename, lineno)
        return head + "\n" + cls(source).format_line_with_context(lineno, indent_spaces=indent_spaces)

    @classmethod
    def format_given_filepath_and_lineno(cls, path: Optional[str], lineno: Optional[int], **kwargs: Any) -> str:
        source = ""
        if path is not None and path != "<unknown>":
            try:
                source = read_source(path)
            except (OSError, SyntaxError, UnicodeDecodeError):
                source = ""
        return cls.format_given_filename_and_source_and_lineno(path, source, lineno or 1, **kwargs)
