"""Tests for the shipped CJK fonts and xinfang_desk.fonts."""

from __future__ import annotations

import contextlib
import io
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont as FTFont

from xinfang_desk import fonts

# Rare characters that turn up in personal names; 䶮 (U+4DAE) is CJK Extension A.
RARE_NAME_CHARS = "喆堃昇玥䶮"
DOCUMENT_TEXT = "信访事项交办单〔2024〕第12号"
PUNCTUATION = "〔〕、，。：；（）“”"

# Characters no shipped font has: a private-use code point and CJK Extension B
# characters. test_absent_characters_really_absent checks this independently.
PRIVATE_USE = "\ue000"
EXT_B = "\U00020000"  # 𠀀
EXT_B_NAME = "\U0002b5ae"  # 𫖮, listed in the 通用规范汉字表


def _sfnt_tables(path: Path) -> tuple[bytes, set[bytes]]:
    """Read the sfnt version tag and table tags straight from the file header."""
    with path.open("rb") as fh:
        header = fh.read(12)
        version, num_tables = header[:4], struct.unpack(">H", header[4:6])[0]
        directory = fh.read(16 * num_tables)
    tags = {directory[i * 16 : i * 16 + 4] for i in range(num_tables)}
    return version, tags


def _cmap(path: Path) -> set[int]:
    font = FTFont(str(path), lazy=True)
    try:
        return set(font.getBestCmap())
    finally:
        font.close()


def test_font_dir_is_the_packaged_resources_folder() -> None:
    directory = fonts.font_dir()
    assert directory.is_dir()
    assert directory.name == "fonts"
    assert (directory.parent / "__init__.py").is_file()


def test_font_paths_primary_first_and_all_exist() -> None:
    paths = fonts.font_paths()
    assert paths[0] == fonts.primary_font_path()
    assert paths[1:] == fonts.fallback_font_paths()
    assert len(set(paths)) == len(paths)
    for path in paths:
        assert path.is_file(), path
        assert path.suffix == ".ttf"
        assert path.stat().st_size > 1_000_000, f"{path} is suspiciously small"
    assert sum(p.stat().st_size for p in paths) < 25 * 1024 * 1024


def test_licence_and_readme_shipped_next_to_fonts() -> None:
    directory = fonts.font_dir()
    assert (directory / "README.md").is_file()
    licences = list(directory.glob("LICENSE-*.txt"))
    assert licences
    assert any("GNU GENERAL PUBLIC LICENSE" in p.read_text(encoding="utf-8") for p in licences)


@pytest.mark.parametrize("path", fonts.font_paths(), ids=lambda p: p.name)
def test_fonts_are_truetype_outlines(path: Path) -> None:
    version, tags = _sfnt_tables(path)
    # 0x00010000 or 'true' = TrueType; 'OTTO' = CFF (reportlab cannot embed), 'ttcf' = collection.
    assert version in (b"\x00\x01\x00\x00", b"true"), version
    assert {b"glyf", b"loca", b"cmap"} <= tags
    assert b"CFF " not in tags and b"CFF2" not in tags


def test_fonts_cover_names_documents_and_punctuation() -> None:
    text = RARE_NAME_CHARS + DOCUMENT_TEXT + PUNCTUATION + "《》【】…—·０１２ＡＢａｂ"
    assert fonts.missing_glyphs(text) == set()
    # Cross-check against the cmaps read independently of the module's cache.
    union: set[int] = set()
    for path in fonts.font_paths():
        union |= _cmap(path)
    assert {ord(c) for c in text} <= union


def test_primary_font_covers_gb2312_hanzi_and_extension_a() -> None:
    cmap = _cmap(fonts.primary_font_path())
    gb2312 = set()
    for b1 in range(0xB0, 0xF8):
        for b2 in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                gb2312.add(ord(bytes([b1, b2]).decode("gb2312")))
    assert len(gb2312) == 6763
    assert gb2312 <= cmap
    assert set(range(0x4E00, 0x9FA6)) <= cmap  # URO as of Unicode 4.1 (all of GBK)
    assert set(range(0x3400, 0x4DB6)) <= cmap  # Extension A


def test_absent_characters_really_absent() -> None:
    """The characters used to test missing_glyphs are absent from every font."""
    for path in fonts.font_paths():
        cmap = _cmap(path)
        for char in (PRIVATE_USE, EXT_B, EXT_B_NAME):
            assert ord(char) not in cmap, (path.name, hex(ord(char)))


def test_missing_glyphs_reports_absent_characters() -> None:
    text = f"张{EXT_B_NAME}三 {PRIVATE_USE}李{EXT_B}四"
    assert fonts.missing_glyphs(text) == {EXT_B_NAME, PRIVATE_USE, EXT_B}
    assert fonts.missing_glyphs(PRIVATE_USE * 3) == {PRIVATE_USE}


def test_missing_glyphs_ignores_whitespace_and_control_characters() -> None:
    text = "王喆\t\n\r \u3000\u00a0\u200b\ufeff\x00\x07\u2028堃"
    assert fonts.missing_glyphs(text) == set()
    assert fonts.missing_glyphs("") == set()


def test_reportlab_registers_primary_font_and_embeds_it() -> None:
    from pypdf import PdfReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont(fonts.PDF_FONT_NAME, str(fonts.primary_font_path())))
    face = pdfmetrics.getFont(fonts.PDF_FONT_NAME).face
    for char in RARE_NAME_CHARS + PUNCTUATION:
        assert ord(char) in face.charToGlyph, char
    assert pdfmetrics.stringWidth("䶮", fonts.PDF_FONT_NAME, 12) == pytest.approx(12)

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont(fonts.PDF_FONT_NAME, 14)
    line = f"{DOCUMENT_TEXT} 王{RARE_NAME_CHARS}"
    pdf.drawString(72, 720, line)
    pdf.save()
    data = buffer.getvalue()
    assert b"/FontFile2" in data  # embedded TrueType program
    extracted = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert line.replace(" ", "") in extracted.replace(" ", "")


def test_fonts_module_does_not_import_qt() -> None:
    code = "import sys, xinfang_desk.fonts; print(any(m.startswith('PySide6') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.gui
def test_qt_loads_primary_font(qapp: object) -> None:
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QRawFont

    font_id = QFontDatabase.addApplicationFont(str(fonts.primary_font_path()))
    assert font_id != -1
    assert fonts.CJK_FAMILY in QFontDatabase.applicationFontFamilies(font_id)
    raw = QRawFont(str(fonts.primary_font_path()), 12)
    assert raw.isValid()
    # Pass code points: PySide6's str overload of supportsCharacter wrongly says False for many
    # characters the font has (e.g. 玥 U+73A5).
    assert all(raw.supportsCharacter(ord(c)) for c in RARE_NAME_CHARS + PUNCTUATION)
    assert QFontMetrics(QFont(fonts.CJK_FAMILY, 12)).inFont("䶮")
