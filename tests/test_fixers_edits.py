"""Text edits: positions, minimal diffs, applying and combining edit groups."""
from __future__ import annotations

import pytest

from sls_lint.core import TextEdit
from sls_lint.fixers import apply_edits, select_compatible
from sls_lint.fixers.textedits import LineIndex, diff_edits, split_lines


def roundtrip(old: str, new: str) -> list[TextEdit]:
    edits = diff_edits(old, new)
    assert apply_edits(old, edits) == new
    return edits


def test_split_lines_keeps_every_break_style():
    assert split_lines("a\r\nb\rc\nd") == ["a\r\n", "b\r", "c\n", "d"]
    assert split_lines("a\x0cb\n") == ["a\x0cb\n"]  # form feed is not a line break for Python
    assert split_lines("") == []


def test_line_index_positions_are_character_based():
    index = LineIndex("é = 1\nx\n")
    assert index.offset(1, 3) == 2
    assert index.position(6) == (2, 1)
    assert index.offset(3, 1) == 8  # the end of a text that ends with a line break
    with pytest.raises(ValueError):
        index.offset(1, 8)


def test_diff_is_trimmed_to_changed_characters():
    assert roundtrip("f(a)\n", "f(a, timeout=10)\n") == [TextEdit(1, 4, 1, 4, ", timeout=10")]


def test_diff_inserted_line():
    assert roundtrip("a\nb\n", "a\nx\nb\n") == [TextEdit(2, 1, 2, 1, "x\n")]


def test_diff_deleted_line_and_wide_characters():
    assert roundtrip("😀 = 1\ny = 2\nz\n", "😀 = 1\nz\n") == [TextEdit(2, 1, 3, 1, "")]
    assert roundtrip("s = '😀'\n", "s = '😀!'\n") == [TextEdit(1, 7, 1, 7, "!")]


def test_diff_never_splits_crlf():
    edits = roundtrip("a\r\nb\r\n", "a\nb\r\n")
    assert edits == [TextEdit(1, 2, 2, 1, "\n")]
    roundtrip("x\r\n", "x\r\ny\r\n")
    roundtrip("a\rb\r", "a\r\nb\r")


def test_diff_of_equal_texts_is_empty():
    assert diff_edits("same\n", "same\n") == []


def test_apply_edits_in_any_order_and_once_when_identical():
    source = "abc\ndef\n"
    edits = [TextEdit(2, 1, 2, 2, "D"), TextEdit(1, 1, 1, 1, ">"), TextEdit(1, 1, 1, 1, ">")]
    assert apply_edits(source, edits) == ">abc\nDef\n"


def test_apply_edits_keeps_order_of_insertions_at_one_point():
    assert apply_edits("x\n", [TextEdit(1, 1, 1, 1, "a"), TextEdit(1, 1, 1, 1, "b")]) == "abx\n"


def test_apply_edits_rejects_overlap_and_bad_positions():
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcdef", [TextEdit(1, 1, 1, 4, "x"), TextEdit(1, 3, 1, 5, "y")])
    with pytest.raises(ValueError):
        apply_edits("abc", [TextEdit(2, 5, 2, 6, "x")])


def test_touching_edits_do_not_overlap():
    assert apply_edits("abcd", [TextEdit(1, 1, 1, 3, "X"), TextEdit(1, 3, 1, 5, "Y")]) == "XY"


def test_select_compatible_is_greedy_and_accepts_identical_edits():
    imp = TextEdit(1, 1, 1, 1, "import time\n")
    groups = [
        [imp, TextEdit(3, 5, 3, 9, "a")],
        [TextEdit(3, 7, 3, 12, "b")],  # overlaps group 0
        [imp, TextEdit(5, 1, 5, 3, "c")],  # same import: compatible
        [TextEdit(5, 2, 5, 2, "d")],  # inside group 2's range
        [TextEdit(5, 3, 5, 3, "e")],  # touches group 2's end
    ]
    assert select_compatible(groups) == [0, 2, 4]
    combined = [e for i in select_compatible(groups) for e in groups[i]]
    source = "x\n\n    aaaa bbbb\n\nzz\n"
    assert apply_edits(source, combined).count("import time") == 1
