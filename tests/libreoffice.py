"""Driving a real LibreOffice from tests: conversions in one headless run each, with a private profile.

``convert`` turns files into another format with ``soffice --headless --convert-to``; the Chinese
font the program bundles is made visible to LibreOffice through fontconfig, so a PDF shows real
glyphs.  ``edit_rows`` edits a flat OpenDocument (.fods) the way a user's row edits would: LibreOffice
wrote it and LibreOffice writes the result back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.etree import ElementTree

FONTS = Path(__file__).resolve().parent.parent / "resources" / "fonts"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
#: Seconds one conversion run may take (LibreOffice starts in a few seconds).
TIMEOUT = 180


def available() -> bool:
    return shutil.which("soffice") is not None


def _environment(folder: Path) -> dict[str, str]:
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{FONTS}</dir>'
        f"<cachedir>{folder / 'fontcache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(folder)}


def convert(files: Sequence[Path], target: str, outdir: Path) -> list[Path]:
    """``files`` converted to ``target`` (an extension, optionally ``ext:filter``) in ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        command = [
            "soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
            "--convert-to", target, "--outdir", str(outdir), *map(str, files),
        ]  # fmt: skip
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, env=_environment(Path(profile))
        )
    extension = target.split(":", 1)[0]
    made = [outdir / f"{f.stem}.{extension}" for f in files]
    missing = [p for p in made if not p.is_file()]
    assert not missing, f"LibreOffice did not write {missing}: {result.stdout} {result.stderr}"
    return made


def edit_rows(
    source: Path, target: Path, sheet: str, edit: Callable[[list[ElementTree.Element]], list]
) -> Path:
    """Rewrite the rows of ``sheet`` in the flat ODF ``source``: ``edit(rows)`` returns the new rows."""
    ElementTree.register_namespace("", "urn:oasis:names:tc:opendocument:xmlns:office:1.0")
    tree = ElementTree.parse(source)
    namespaces = _namespaces(source)
    for prefix, uri in namespaces.items():
        ElementTree.register_namespace(prefix, uri)
    table = next(t for t in tree.iter(f"{{{TABLE}}}table") if t.get(f"{{{TABLE}}}name") == sheet)
    found = table.find(f"{{{TABLE}}}table-rows")
    holder = found if found is not None else table
    rows = holder.findall(f"{{{TABLE}}}table-row")
    for row in rows:
        holder.remove(row)
    for row in edit(rows):
        holder.append(row)
    tree.write(target, encoding="UTF-8", xml_declaration=True)
    return target


def _namespaces(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for _event, (prefix, uri) in ElementTree.iterparse(path, events=("start-ns",)):
        found.setdefault(prefix, uri)
    return found
