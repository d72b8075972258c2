"""SourceHelper: ±5 lines of context, `==> N:` for the line, aligned numbers."""
import os

from rt_helpers import EXAMPLES, write

from hpman.source_helper import SourceHelper

TWENTY = "\n".join("line {}".format(i) for i in range(1, 21))


def rows(text):
    return text.split("\n")


def test_context_is_five_lines_each_side_with_aligned_numbers():
    out = SourceHelper.format_given_source_and_lineno(TWENTY, 10)
    assert rows(out) == [
        "     5: line 5",
        "     6: line 6",
        "     7: line 7",
        "     8: line 8",
        "     9: line 9",
        "==> 10: line 10",
        "    11: line 11",
        "    12: line 12",
        "    13: line 13",
        "    14: line 14",
        "    15: line 15",
    ]


def test_numbers_align_when_the_window_crosses_a_power_of_ten():
    # the original computed the width from the 0-based last line (9 → width 1) and mis-aligned 10
    src = "\n".join("l{}".format(i) for i in range(1, 11))
    out = rows(SourceHelper.format_given_source_and_lineno(src, 10))
    assert out == ["     5: l5", "     6: l6", "     7: l7", "     8: l8", "     9: l9", "==> 10: l10"]
    assert len({row.index(":") for row in out}) == 1
    big = "\n".join("x" for _ in range(120))
    out = rows(SourceHelper.format_given_source_and_lineno(big, 99))
    assert out[0] == "     94: x" and out[5] == "==>  99: x" and out[-1] == "    104: x"
    assert len({row.index(":") for row in out}) == 1


def test_window_is_clipped_at_both_ends():
    out = rows(SourceHelper.format_given_source_and_lineno(TWENTY, 2))
    assert out[0] == "    1: line 1" and out[1] == "==> 2: line 2" and out[-1] == "    7: line 7"
    assert len(out) == 7
    out = rows(SourceHelper.format_given_source_and_lineno(TWENTY, 19))
    assert out[0] == "    14: line 14" and out[5] == "==> 19: line 19" and out[-1] == "    20: line 20"
    assert len(out) == 7


def test_single_line_source():
    assert SourceHelper.format_given_source_and_lineno("_('a', 1)", 1) == "==> 1: _('a', 1)"


def test_custom_before_after():
    out = rows(SourceHelper(TWENTY).format_line_with_context(10, before=1, after=2))
    assert out == ["     9: line 9", "==> 10: line 10", "    11: line 11", "    12: line 12"]


def test_format_lines_range():
    out = rows(SourceHelper(TWENTY).format_lines(3, 4, 4))
    assert out == ["    3: line 3", "==> 4: line 4"]


def test_filename_header():
    out = SourceHelper.format_given_filename_and_source_and_lineno("pkg/mod.py", TWENTY, 3)
    assert rows(out)[0] == "pkg/mod.py:3"
    assert rows(out)[1:] == rows(SourceHelper.format_given_source_and_lineno(TWENTY, 3))
    helper = SourceHelper(TWENTY)
    assert helper.format_given_filename_and_lineno("pkg/mod.py", 3) == out


def test_from_file_and_filepath(tmp_path):
    path = write(tmp_path, "m.py", "# 中文\n" + TWENTY + "\n")
    helper = SourceHelper.from_file(path)
    assert helper.lines[0] == "# 中文"
    out = SourceHelper.format_given_filepath_and_lineno(path, 11)
    assert rows(out)[0] == "{}:11".format(path)
    assert "==> 11: line 10" in rows(out)
    assert rows(out)[1] == "     6: line 5"


def test_filepath_unknown_or_none():
    out = SourceHelper.format_given_filepath_and_lineno("<unknown>", 1)
    assert out.startswith("<unknown>:1\n")
    out = SourceHelper.format_given_filepath_and_lineno(None, None)
    assert out.startswith("None:1\n")


# The seed's main.py, as examples/03-hpargparse/main.py holds it (tests/argparse/test_hpa_seed.py
# checks that it is the seed's text, byte for byte).
with open(os.path.join(EXAMPLES, "03-hpargparse", "main.py"), encoding="utf-8") as _f:
    SEED_MAIN = _f.read()

# The rows of the seed's `--hp-list detail` table (README, "main.py"), trailing padding removed.
SEED_DETAIL = """\
./main.py:10
     5:
     6: import argparse
     7:
     8:
     9: def func():
==> 10:     weight_decay = _("weight_decay", 1e-5)
    11:     print("weight decay is {}".format(weight_decay))
    12:
    13:
    14: def main():
    15:     parser = argparse.ArgumentParser()"""


def test_seed_detail_block(tmp_path):
    write(tmp_path, "main.py", SEED_MAIN)
    old = os.getcwd()
    os.chdir(str(tmp_path))
    try:
        out = SourceHelper.format_given_filepath_and_lineno("./main.py", 10)
    finally:
        os.chdir(old)
    assert [r.rstrip() for r in rows(out)] == rows(SEED_DETAIL)


def test_indent_spaces_prefix_every_line():
    # 0.13 documents "spaces to be prepended at each line" (it indented the header only)
    out = SourceHelper.format_given_filename_and_source_and_lineno("f.py", "a = 1\nb = 2\n", 2, indent_spaces=2)
    assert rows(out) == ["  f.py:2", "      1: a = 1", "  ==> 2: b = 2", "      3: "]
    out = SourceHelper("x\ny").format_lines(1, 2, 1, indent_spaces=3)
    assert rows(out) == ["   ==> 1: x", "       2: y"]
