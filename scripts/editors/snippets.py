"""Write the editor set-ups of docs/editors.md to files, verbatim.

The editor checks (scripts/editors.sh) run these files, so a snippet that no
longer works as written in the docs fails the check instead of going unnoticed.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

FENCE = re.compile(r"^```(\w+)\n(.*?)^```\n", re.S | re.M)


def section(text: str, title: str) -> str:
    """The text of the `## title` section, up to the next `## ` heading."""
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def blocks(text: str, lang: str) -> list[str]:
    """The fenced code blocks of one language, in order."""
    return [body for tag, body in FENCE.findall(text) if tag == lang]


def main(docs: str, out: str) -> int:
    """Write nvim-init.lua (0.11 config, showUses handler, :HpmanTree), nvim08-init.lua
    (the same with vim.lsp.start), eglot.el, the dir-locals.el its comment shows, and lspmode.el."""
    text = Path(docs).read_text(encoding="utf-8")
    lua = blocks(section(text, "Neovim"), "lua")
    elisp = blocks(section(text, "Emacs"), "elisp")
    if len(lua) != 4 or len(elisp) != 2:
        print(f"{docs}: expected 4 lua and 2 elisp blocks, found {len(lua)} and {len(elisp)}",
              file=sys.stderr)
        return 2
    dest = Path(out)
    (dest / "nvim-init.lua").write_text(lua[0] + lua[1] + lua[3], encoding="utf-8")
    (dest / "nvim08-init.lua").write_text(lua[2] + lua[1] + lua[3], encoding="utf-8")
    (dest / "eglot.el").write_text(elisp[0], encoding="utf-8")
    (dest / "lspmode.el").write_text(elisp[1], encoding="utf-8")
    (dest / "dir-locals.el").write_text(dir_locals(elisp[0]), encoding="utf-8")
    return 0


def dir_locals(snippet: str) -> str:
    """The .dir-locals.el the eglot snippet shows in comments after its `settings` line."""
    lines = snippet.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(";; settings"))
    return "\n".join(line.removeprefix(";; ") for line in lines[start + 1:]) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
