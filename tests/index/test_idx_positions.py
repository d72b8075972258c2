"""Ranges on lines with non-ASCII text: character columns in facts, UTF-16 / UTF-8 on demand."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from idx_helpers import line_col, memory_ws, scan, segment, write

from hpman.index import positions as pos
from hpman.index.facts import extract_workspace
from hpman.index.queries import occurrence_at

TEXT = (
    "from hpman.m import _\n"
    "# 学习率设置：下面这一行很重要\n"
    "注释 = '学习率'; lr = _('lr', 0.1)  # 中文注释\n"
    "s = '🚀🚀'; bs = _('批大小', '默认值', help='帮助🙂')\n"
    "x = ('模型', _(\n"
    "    '模型.深度',  # 深度\n"
    "    {'键': '值🚀'}))\n"
)


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def test_ranges_are_character_columns():
    facts = extract_workspace(TEXT, "/w/a.py")
    lr, bs, depth = facts.occurrences
    assert segment(TEXT, lr.call) == "_('lr', 0.1)"
    assert lr.call[:2] == line_col(TEXT, "_('lr'")
    assert segment(TEXT, lr.name_range) == "'lr'"
    assert segment(TEXT, lr.default_range) == "0.1"
    assert segment(TEXT, bs.name_range) == "'批大小'"
    assert segment(TEXT, bs.default_range) == "'默认值'"
    assert bs.default_text == "'默认值'"
    assert bs.hints == {"help": "帮助🙂"}
    assert segment(TEXT, bs.call) == "_('批大小', '默认值', help='帮助🙂')"
    assert depth.name == "模型.深度"
    assert depth.call[0] == 4 and depth.call[2] == 6
    assert segment(TEXT, depth.call).endswith("{'键': '值🚀'})")
    assert segment(TEXT, depth.default_range) == "{'键': '值🚀'}"
    assert depth.default_text == "{'键': '值🚀'}"
    assert depth.value == {"键": "值🚀"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_to_and_from_encoding_match_the_encoded_prefix(encoding):
    lines = TEXT.split("\n")
    facts = extract_workspace(TEXT, "/w/a.py")
    width = {"utf-16": utf16_len, "utf-8": lambda s: len(s.encode("utf-8")), "utf-32": len}[encoding]
    checked = 0
    for occ in facts.occurrences:
        for rng in (occ.call, occ.name_range, occ.default_range):
            for line, col in ((rng[0], rng[1]), (rng[2], rng[3])):
                text = lines[line]
                converted = pos.to_encoding(text, col, encoding)
                assert converted == width(text[:col])
                assert pos.from_encoding(text, converted, encoding) == col
                checked += 1
    assert checked == 18


def test_emoji_before_a_call_shifts_utf16_but_not_characters():
    line = "s = '🚀🚀'; bs = _('bs', 1)"
    col = line.index("_(")
    assert col == 15
    assert pos.char_to_utf16(line, col) == 17
    assert pos.char_to_utf8(line, col) == 15 + 2 * 3
    assert pos.utf16_to_char(line, 17) == col
    assert pos.utf8_to_char(line, 21) == col


def test_ascii_lines_are_identity():
    line = "lr = _('lr', 0.1)"
    for col in range(len(line) + 1):
        for enc in ("utf-16", "utf-8", "utf-32"):
            assert pos.to_encoding(line, col, enc) == col
            assert pos.from_encoding(line, col, enc) == col


def test_from_encoding_clamps_past_the_end():
    line = "中文"
    assert pos.from_encoding(line, 99, "utf-16") == 2
    assert pos.from_encoding(line, 99, "utf-32") == 2


def test_occurrence_at_uses_character_columns():
    ws = memory_ws({"/w/a.py": TEXT})
    line, col = line_col(TEXT, "'批大小'")
    occ = occurrence_at(ws, "/w/a.py", line, col + 1)
    assert occ is not None and occ.name == "批大小"
    # the UTF-16 column of the same place is further right: converting first finds it too
    text_line = TEXT.split("\n")[line]
    u16 = pos.char_to_utf16(text_line, col + 1)
    assert u16 == col + 1 + 2
    assert occurrence_at(ws, "/w/a.py", line, pos.utf16_to_char(text_line, u16)).name == "批大小"
    # left of the call on that line: nothing
    assert occurrence_at(ws, "/w/a.py", line, 2) is None


def test_files_read_with_bom_cookie_and_crlf(tmp_path):
    write(tmp_path, "bom.py", b"\xef\xbb\xbffrom hpman.m import _\r\nx = '\xe4\xb8\xad'; _('a', 1)\r\n")
    write(tmp_path, "latin.py", "# -*- coding: latin-1 -*-\nfrom hpman.m import _\ns = 'é'; _('b', 'ü')\n",
          encoding="latin-1")
    ws = scan(tmp_path)
    (a,) = ws.occurrences_of(("_", "a"))
    assert a.call[:2] == (1, 9)
    (b,) = ws.occurrences_of(("_", "b"))
    assert b.value == "ü"
    assert b.call[:2] == (2, 9)
    assert ws.text_of(b.path).split("\n")[2][b.default_range[1]:b.default_range[3]] == "'ü'"


line_text = st.text(alphabet=st.sampled_from("ab_ 中文学习率🚀🙂é\t'\""), max_size=30)


@settings(max_examples=200, deadline=None)
@given(line_text, st.data())
def test_conversions_round_trip(line, data):
    col = data.draw(st.integers(0, len(line)))
    assert pos.to_encoding(line, col, "utf-16") == utf16_len(line[:col])
    assert pos.to_encoding(line, col, "utf-8") == len(line[:col].encode("utf-8"))
    for enc in ("utf-16", "utf-8", "utf-32"):
        assert pos.from_encoding(line, pos.to_encoding(line, col, enc), enc) == col


@settings(max_examples=100, deadline=None)
@given(st.lists(line_text.map(lambda s: s.replace("'", "").replace('"', "")), min_size=1, max_size=4),
       st.text(alphabet=st.sampled_from("名字ab🚀."), min_size=1, max_size=6))
def test_generated_prefixes_before_calls(prefixes, name):
    """Whatever string comes before a call on its line, the ranges cover the right text."""
    body = "".join("s{} = '{}'; _('{}', '{}')\n".format(i, p, name + str(i), p) for i, p in enumerate(prefixes))
    text = "from hpman.m import _\n" + body
    facts = extract_workspace(text, "/w/a.py")
    assert len(facts.occurrences) == len(prefixes)
    for i, occ in enumerate(facts.occurrences):
        assert segment(text, occ.name_range) == "'{}'".format(name + str(i))
        assert segment(text, occ.default_range) == "'{}'".format(prefixes[i])
        assert occ.value == prefixes[i]


def test_values_file_key_ranges_are_characters():
    ws = memory_ws({"/w/a.py": "from hpman.m import _\n_('学习率', 1)\n_('lr', 2)\n"})
    text = "a: {学习率: 1, 🚀x: 2, lrr: 3}\n\"学习率2\": 4\n"
    ws.set_values_file("/w/v.yaml", text)
    from hpman.index.problems import problems_of
    found = problems_of(ws, "/w/v.yaml")
    assert [segment(text, p.range) for p in found] == ["学习率", "🚀x", "lrr", '"学习率2"']
    assert [p.range[:2] for p in found] == [(0, 4), (0, 12), (0, 19), (1, 0)]
    assert pos.char_to_utf16(text.split("\n")[0], 19) == 20  # the rocket counts twice in UTF-16
