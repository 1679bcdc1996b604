"""The CJK fonts shipped with the app, and which characters they can draw.

The app never relies on fonts installed on the user's machine: the UI (Qt) and
the PDF export (reportlab) both load the TrueType files in
``resources/fonts/`` (mapped into the package as ``xinfang_desk.resources``).
reportlab can embed only TrueType (``glyf``) outlines, so every shipped font is
a ``.ttf`` with ``glyf`` outlines.

Today a single font, WenQuanYi Zen Hei, covers everything we need (GB2312,
all of CJK Unified Ideographs incl. Extension A such as 䶮, official-document
punctuation such as 〔〕), so :func:`fallback_font_paths` is empty. Callers
should still go through :func:`font_paths` so that a fallback can be added
later without touching them.

This module deliberately imports neither Qt nor reportlab; UI code registers
:func:`font_paths` with ``QFontDatabase.addApplicationFont`` and the PDF
export registers them with ``reportlab.pdfbase.ttfonts.TTFont``.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from xinfang_desk.paths import resource_path

__all__ = [
    "CJK_FAMILY",
    "FALLBACK_FONT_FILES",
    "PDF_FONT_NAME",
    "PRIMARY_FONT_FILE",
    "covered_codepoints",
    "fallback_font_paths",
    "font_dir",
    "font_paths",
    "missing_glyphs",
    "primary_font_path",
]

#: File name of the primary font in ``resources/fonts/``.
PRIMARY_FONT_FILE: str = "wqy-zenhei.ttf"
#: File names of fallback fonts, in the order they should be tried.
FALLBACK_FONT_FILES: tuple[str, ...] = ()

#: Family name Qt reports for the primary font after ``addApplicationFont``.
CJK_FAMILY: str = "WenQuanYi Zen Hei"
#: Suggested name to register the primary font under in reportlab.
PDF_FONT_NAME: str = "WenQuanYiZenHei"

# Unicode general categories that never need a glyph: control and format
# characters (e.g. U+200B ZERO WIDTH SPACE, U+FEFF BOM).
_IGNORED_CATEGORIES: frozenset[str] = frozenset({"Cc", "Cf"})


def font_dir() -> Path:
    """Return the directory holding the shipped font files."""
    return resource_path("fonts")


def primary_font_path() -> Path:
    """Return the path of the primary CJK font (a TrueType ``.ttf``)."""
    return font_dir() / PRIMARY_FONT_FILE


def fallback_font_paths() -> list[Path]:
    """Return the paths of the fallback fonts, in priority order (may be empty)."""
    directory = font_dir()
    return [directory / name for name in FALLBACK_FONT_FILES]


def font_paths() -> list[Path]:
    """Return all shipped font paths, primary font first."""
    return [primary_font_path(), *fallback_font_paths()]


@functools.lru_cache(maxsize=16)
def _cmap_codepoints(path: str) -> frozenset[int]:
    """Return the code points mapped by the font file at *path* (cached)."""
    from fontTools.ttLib import TTFont  # loaded when a glyph is first checked, not at start-up

    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


@functools.lru_cache(maxsize=1)
def covered_codepoints() -> frozenset[int]:
    """Return every code point that at least one shipped font can draw."""
    covered: set[int] = set()
    for path in font_paths():
        covered |= _cmap_codepoints(str(path))
    return frozenset(covered)


def _needs_glyph(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char) not in _IGNORED_CATEGORIES


def missing_glyphs(text: str) -> set[str]:
    """Return the characters of *text* that none of the shipped fonts can draw.

    Whitespace and control/format characters are ignored, since they are not
    drawn. An empty set means the whole text renders without tofu boxes.
    """
    covered = covered_codepoints()
    return {char for char in set(text) if ord(char) not in covered and _needs_glyph(char)}
