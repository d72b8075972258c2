"""Column and URI conversion used by answers rendered straight to JSON (references)."""
import json

from hpman_lsp.locations import Positions, Uris


def test_range_json_converts_columns_after_wide_characters_only_where_needed():
    texts = {"/w/a.py": "x = _('lr')\n", "/w/b.py": "s = '训练🚀'; y = _('lr')\n"}
    pos = Positions(texts.get)
    assert pos.character_columns("/w/a.py") and not pos.character_columns("/w/b.py")
    col = texts["/w/b.py"].index("'lr'")
    got = json.loads(pos.range_json("/w/b.py", (0, col, 0, col + 4)))
    # 训 and 练 are one UTF-16 unit each, 🚀 two: one more than its character count
    assert got == {"start": {"line": 0, "character": col + 1}, "end": {"line": 0, "character": col + 5}}
    assert got == pos.range_dict("/w/b.py", (0, col, 0, col + 4))
    pos.encoding = "utf-8"
    assert json.loads(pos.range_json("/w/b.py", (0, col, 0, col)))["start"]["character"] == len(
        texts["/w/b.py"][:col].encode("utf-8"))


def test_uri_json_follows_the_spelling_the_client_uses_later():
    uris = Uris()
    uris.add_folder("file:///w")
    assert json.loads(uris.uri_json("/w/a b.py")) == "file:///w/a%20b.py"
    sent = "file:///w/%61%20b.py"     # the same file, spelled otherwise by the client
    assert uris.path(sent) == "/w/a b.py"
    assert json.loads(uris.uri_json("/w/a b.py")) == sent
    assert json.loads(uris.uri_json("/w/q\"uote.py")) == "file:///w/q%22uote.py"
