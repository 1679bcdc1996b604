"""Chinese line-breaking rules (禁则): no printed line starts with a closing quote, comma or stop."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from xinfang_desk.export.documents.fonts import pdf_fonts
from xinfang_desk.export.documents.layouts import CANNOT_END, CANNOT_START, _broken_lines

_WORDS = st.text(
    alphabet=st.sampled_from("信访人反映宿舍热水器损坏已修复请按期答复"), min_size=1, max_size=12
)
_MARKS = st.sampled_from(["，", "。", "、", "；", "：", "？", "！", "”", "》", "）", ""])
#: Text as people write it: words, each followed by at most one mark; some words quoted.
_TEXT = st.lists(
    st.tuples(st.booleans(), _WORDS, _MARKS).map(lambda t: (f"“{t[1]}”" if t[0] else t[1]) + t[2]),
    min_size=3,
    max_size=30,
).map("".join)


def _line_texts(paragraph: Paragraph) -> list[str]:
    return ["".join(w if isinstance(w, str) else w.text for w in line[1]) for line in paragraph.blPara.lines]


@settings(max_examples=80, deadline=None)
@given(text=_TEXT, width=st.integers(60, 300))
def test_wrapped_paragraphs_keep_closing_marks_off_the_start_of_a_line(text: str, width: int) -> None:
    style = ParagraphStyle("t", fontName=pdf_fonts().primary.name, fontSize=12, leading=16, wordWrap="CJK")
    paragraph = Paragraph(text, style)
    paragraph.wrap(width, 1e9)
    lines = _line_texts(paragraph)
    assert "".join(lines) == text
    # one closing mark hangs on the line before; a second one in a row may start the next line
    assert all(
        line[0] not in CANNOT_START or previous[-1] in CANNOT_START
        for previous, line in zip(lines, lines[1:], strict=False)
    )


@settings(max_examples=80, deadline=None)
@given(text=_TEXT, width=st.integers(60, 300))
def test_fixed_notes_neither_start_with_a_closing_nor_end_with_an_opening_mark(text: str, width: int) -> None:
    lines = _broken_lines(text, pdf_fonts().primary.name, 12, float(width))
    assert "".join(lines) == text
    assert all(line[0] not in CANNOT_START for line in lines[1:])
    assert all(line[-1] not in CANNOT_END for line in lines[:-1])
