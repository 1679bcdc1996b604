"""Help fits the terminal: Chinese takes two columns, and lines break where a reader expects."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang_desk.chinese_argparse import NO_LINE_START, columns, wrap

TEXT = st.text(alphabet=st.sampled_from("信访台账办理，。（）ab-1 "), max_size=120)


@pytest.mark.parametrize("width", [40, 60, 80])
@pytest.mark.parametrize("command", [[], ["stats"], ["merge"], ["server-role"]])
def test_every_help_line_fits_the_terminal(command: list[str], width: int) -> None:
    env = {**os.environ, "COLUMNS": str(width), "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-m", "xinfang_desk", *command, "--help"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    _usage, _blank, described = result.stdout.partition("\n\n")  # argparse lays out the usage itself
    words = {word for line in described.splitlines() for word in line.split()}
    for line in described.splitlines():
        assert columns(line) <= width, line
    if not command:
        assert "server-role" in words and "（供办理人员使用）" in result.stdout.replace("\n", "").replace(
            " ", ""
        )


def test_a_long_chinese_help_is_broken_into_lines_of_the_width() -> None:
    text = "输出 SQL：为服务器上的台账建立不能修改、删除历史记录的数据库账号（供办理人员使用）"
    lines = wrap(text, 30)
    assert len(lines) == 3 and all(columns(line) <= 30 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@given(TEXT, st.integers(min_value=4, max_value=60))
def test_wrapping_keeps_every_character_in_order_within_the_width(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        text_part = line.rstrip("".join(NO_LINE_START))  # only a run of marks may hang past the width
        assert columns(line) <= width or columns(text_part) < width or _one_word(text_part), (line, width)
        assert line == line.strip()
    for before, line in zip(lines, lines[1:], strict=False):
        assert (
            line[0] not in NO_LINE_START
            or len(before) <= 1
            or _one_word(before)
            or before[-1] in NO_LINE_START
        )


def _one_word(text: str) -> bool:
    """A run of letters with no space and no Chinese: nowhere to break it."""
    return " " not in text and not any(ord(ch) >= 0x1100 for ch in text)
