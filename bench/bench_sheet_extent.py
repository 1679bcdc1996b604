"""The sheet extent guard on the largest legal sheets, against the plain python-calamine read it protects.

Usage: python bench/bench_sheet_extent.py [--folder /tmp/xinfang-bench-extent] [--rows 200000] [--repeat 3]

Three workbooks of ``--rows`` rows (the header and the rest, ``MAX_ROWS`` by default) × 46 columns of
dates, short and long Chinese texts are written once into the folder:

* ``ledger.xlsx`` — every cell ``<c r="…">``, texts as shared strings, as Excel, WPS, LibreOffice
  and openpyxl write it (the guard's quick path: one regex pass per chunk);
* ``no-refs.xlsx`` — the same cells without references (some generators write them so; the guard then
  reads every tag: its slowest path);
* ``ledger.ods`` — as LibreOffice saves it: each row ends in a repeated empty cell, a million repeated
  empty rows follow; ``--ods-rows`` rows (100,000: its content.xml, ~480 MB, stays under the 512 MB
  the zip guard lets a member unpack to).

For each, medians of ``--repeat`` runs: the bare read (python-calamine opens the file and converts every
row of the sheet to Python values, as the reader does), the zip stream alone (the decompression the
reader already does for its size and CRC checks), and the extent scan (the stream with the guard
fed). The ratio is the extent scan against the bare read.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xinfang_desk.export.exchange.sheet_extent import (  # noqa: E402
    MAX_ROWS,
    OdsExtent,
    XlsxExactExtent,
    XlsxQuickExtent,
)

COLUMNS = 46
CHUNK = 1 << 20
SHEET = "信访台账"
TEXTS = ["宿舍热水器损坏已报修两次仍未修好", "教务处", "来访", "申诉求决类", "后勤服务类", "张三", "已受理"]
LONG = "学生反映宿舍楼热水供应时断时续，晚间十点后基本无热水，已向楼管反映多次未果，请求学校尽快协调解决。"


def _letters(column: int) -> str:
    text = ""
    while column:
        column, rest = divmod(column - 1, 26)
        text = chr(65 + rest) + text
    return text


def _values(n: int) -> list[tuple[str, str]]:
    """(kind, value) of row ``n``'s cells: a date serial, a count, short and long texts."""
    cells = []
    for c in range(COLUMNS):
        if c % 9 == 1:
            cells.append(("n", str(45000 + n % 700)))
        elif c == 13:
            cells.append(("s", LONG))
        else:
            cells.append(("s", f"{TEXTS[(n + c) % len(TEXTS)]}{n % 97}"))
    return cells


def _xlsx_rows(rows: int, refs: bool, strings: dict[str, int]) -> Iterator[bytes]:
    """The rows as openpyxl writes them: texts as shared strings (``strings`` gets each one's index)."""
    letters = [_letters(c + 1) for c in range(COLUMNS)]
    for n in range(1, rows + 1):
        parts = [f'<row r="{n}">']
        for c, (kind, value) in enumerate(_values(n)):
            ref = f' r="{letters[c]}{n}"' if refs else ""
            if kind == "n":
                parts.append(f'<c{ref} t="n"><v>{value}</v></c>')
            else:
                parts.append(f'<c{ref} t="s"><v>{strings.setdefault(value, len(strings))}</v></c>')
        parts.append("</row>")
        yield "".join(parts).encode()


_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def make_xlsx(path: Path, rows: int, *, refs: bool) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            'main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        strings: dict[str, int] = {}
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_HEAD + f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            for row in _xlsx_rows(rows, refs, strings):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
        items = "".join(f"<si><t>{text}</t></si>" for text in strings)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{items}</sst>',
        )


def make_ods(path: Path, rows: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(
                _HEAD
                + b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
                b"<office:body><office:spreadsheet>" + f'<table:table table:name="{SHEET}">'.encode()
            )
            for n in range(1, rows + 1):
                cells = []
                for kind, value in _values(n):
                    if kind == "n":
                        cells.append(
                            f'<table:table-cell office:value-type="float" office:value="{value}">'
                            f"<text:p>{value}</text:p></table:table-cell>"
                        )
                    else:
                        cells.append(
                            f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
                        )
                empty = f'<table:table-cell table:number-columns-repeated="{16384 - COLUMNS}"/>'
                content.write(f"<table:table-row>{''.join(cells)}{empty}</table:table-row>".encode())
            content.write(
                f'<table:table-row table:number-rows-repeated="{1048576 - rows}">'
                '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'.encode()
            )
            content.write(b"</table:table></office:spreadsheet></office:body></office:document-content>")


def _bare_read(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    return sum(1 for _ in book.get_sheet_by_name(SHEET).iter_rows())


def _stream(path: Path, member: str, feed: Callable[[bytes], None] | None) -> int:
    size = 0
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if feed is not None:
                feed(chunk)
    return size


def _xlsx_extent(path: Path) -> str:
    member = "xl/worksheets/sheet1.xml"
    quick = XlsxQuickExtent(path.name, SHEET)
    _stream(path, member, quick.feed)
    if not quick.exact_needed:
        return "quick pass"
    exact = XlsxExactExtent(path.name, SHEET)
    _stream(path, member, exact.feed)
    return f"quick pass, then tag by tag: {exact.rows:,} × {exact.columns}"


def _ods_extent(path: Path) -> str:
    extent = OdsExtent(path.name)
    _stream(path, "content.xml", extent.feed)
    return f"{extent.tables[0].rows:,} × {extent.tables[0].columns}"


def _median(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/xinfang-bench-extent"))
    parser.add_argument("--rows", type=int, default=MAX_ROWS)
    parser.add_argument(
        "--ods-rows", type=int, default=100_000, help="its content.xml stays under the member limit"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    files = {
        "ledger.xlsx": (
            lambda p: make_xlsx(p, args.rows, refs=True),
            "xl/worksheets/sheet1.xml",
            _xlsx_extent,
        ),
        "no-refs.xlsx": (
            lambda p: make_xlsx(p, args.rows, refs=False),
            "xl/worksheets/sheet1.xml",
            _xlsx_extent,
        ),
        "ledger.ods": (lambda p: make_ods(p, args.ods_rows), "content.xml", _ods_extent),
    }
    print(f"{args.rows:,} rows × {COLUMNS} columns, medians of {args.repeat}; load {os.getloadavg()}")
    for name, (make, member, scan) in files.items():
        path = args.folder / f"{args.ods_rows if name.endswith('.ods') else args.rows}-{name}"
        if not path.exists():
            make(path)
        bare, rows = _median(args.repeat, lambda p=path: _bare_read(p))
        unzip, size = _median(args.repeat, lambda p=path, m=member: _stream(p, m, None))
        extent, found = _median(args.repeat, lambda p=path, s=scan: s(p))
        print(
            f"{name:13s} {path.stat().st_size / 1e6:6.1f} MB zip, {size / 1e6:6.1f} MB XML, {rows:,} rows read | "
            f"bare calamine read {bare:6.2f} s | zip stream {unzip:5.2f} s | extent scan {extent:5.2f} s "
            f"({found}) | scan / bare read {extent / bare:.2f}, beyond the stream {(extent - unzip) / bare:.2f}"
        )
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
