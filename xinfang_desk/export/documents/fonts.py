"""Fonts of the PDF documents: the shipped CJK TrueType fonts, embedded, and no character lost silently.

``pdf_fonts()`` registers ``fonts.primary_font_path()`` and every ``fonts.fallback_font_paths()`` with
reportlab as TrueType fonts (reportlab embeds the subset a document uses, with a ToUnicode map, so
text extraction gives back the same characters).  ``TextMarkup`` turns plain text into Paragraph
markup: XML special characters escaped, each run of characters the primary font lacks wrapped in the
first fallback font that has them.  A character that no font has would print as nothing at all, so
it is replaced by the geta mark 〓 (U+3013, the typesetter's sign for a missing character, where the
clerk can write it in by hand) and reported in ``warnings`` so the caller can tell the user which.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from xinfang_desk import fonts

#: Printed in place of a character that no shipped font can draw.
MISSING_MARK = "〓"


@dataclass(frozen=True)
class PdfFont:
    """A registered font: its reportlab name and the code points it can draw."""

    name: str
    codepoints: frozenset[int]


@dataclass(frozen=True)
class PdfFonts:
    """The primary font and the fallbacks, in the order they are tried."""

    primary: PdfFont
    fallbacks: tuple[PdfFont, ...]


def _register(name: str, path: str) -> PdfFont:
    font = TTFont(name, path)
    pdfmetrics.registerFont(font)
    return PdfFont(name, frozenset(font.face.charToGlyph))


@functools.lru_cache(maxsize=4)
def _registered(paths: tuple[str, ...]) -> PdfFonts:
    primary = _register(fonts.PDF_FONT_NAME, paths[0])
    fallbacks = tuple(
        _register(f"{fonts.PDF_FONT_NAME}-Fallback{index}", path) for index, path in enumerate(paths[1:], 1)
    )
    return PdfFonts(primary, fallbacks)


def pdf_fonts() -> PdfFonts:
    """The shipped fonts, registered with reportlab once per process."""
    return _registered(tuple(str(p) for p in (fonts.primary_font_path(), *fonts.fallback_font_paths())))


def _needs_glyph(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf")


class TextMarkup:
    """Converts text to Paragraph markup with fallback fonts, collecting warnings about missing glyphs."""

    def __init__(self, pdf: PdfFonts | None = None) -> None:
        self.fonts = pdf or pdf_fonts()
        self.warnings: list[str] = []
        self._reported: set[tuple[str, str]] = set()
        self.context = ""

    def _font_for(self, char: str) -> str | None:
        """None for the primary font, a fallback's name, or '' when no font has the character (warned)."""
        code = ord(char)
        if code in self.fonts.primary.codepoints or not _needs_glyph(char):
            return None
        for fallback in self.fonts.fallbacks:
            if code in fallback.codepoints:
                return fallback.name
        if (self.context, char) not in self._reported:
            self._reported.add((self.context, char))
            where = f"{self.context}中的" if self.context else ""
            self.warnings.append(
                f"{where}字符“{char}”（U+{code:04X}）没有可用的字体，已印为“{MISSING_MARK}”，请在纸面上手写补正。"
            )
        return ""

    def is_plain(self, text: str) -> bool:
        """True when the primary font draws every character of ``text`` (line breaks allowed)."""
        return self.fonts.primary.codepoints.issuperset(map(ord, text.replace("\n", "")))

    def __call__(self, text: str) -> str:
        """``text`` as Paragraph markup (line breaks kept)."""
        if self.is_plain(text):
            return escape(text).replace("\n", "<br/>")
        primary = self.fonts.primary.codepoints
        parts: list[str] = []
        run: list[str] = []
        run_font: str | None = None
        for char in text:
            font = self._font_for(char) if ord(char) not in primary else None
            if font == "":
                char, font = MISSING_MARK, None
            if font != run_font and run:
                parts.append(_wrap("".join(run), run_font))
                run = []
            run_font = font
            run.append(char)
        if run:
            parts.append(_wrap("".join(run), run_font))
        return "".join(parts)


def _wrap(text: str, font: str | None) -> str:
    body = escape(text).replace("\n", "<br/>")
    return f'<font name="{font}">{body}</font>' if font else body
