"""交办单 in a batch against the same page drawn with bare reportlab, in the same run.

Usage: python bench/bench_slips.py [DB ...]   (default: the ledgers of ``build_ledgers.sh``)

For each ledger: the 1,000 most recently assigned cases; their facts are gathered once, then the
batch is rendered into one PDF by ``render_documents`` (A) and drawn bare (B): the same texts, rules
and embedded font on a reportlab canvas, lines broken by ``simpleSplit``, no platypus.  Runs go
A B A B …; the medians and their ratio are printed (goal: A within 3× B).
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from xinfang_desk.export.documents.facts import DocumentFacts, DocumentKind, chinese_date, gather_facts
from xinfang_desk.export.documents.fonts import pdf_fonts
from xinfang_desk.export.documents.layouts import ASSIGN_NOTE, PAGE_MARGIN_TOP, PAGE_MARGIN_X
from xinfang_desk.export.documents.slips import render_documents
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case

BATCH = 1000
RUNS = 3
GOAL = 3.0
LEDGERS = ("/tmp/bench-10k.sqlite", "/tmp/bench-100k.sqlite", "/tmp/bench-300k.sqlite")


def bare_batch(documents: Sequence[DocumentFacts], font: str) -> bytes:
    """The 交办单 pages drawn straight on a canvas: the floor the real renderer is measured against."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    width = A4[0] - 2 * PAGE_MARGIN_X
    label = 2.5 * cm
    value = (width - 2 * label) / 2
    columns = (
        PAGE_MARGIN_X,
        PAGE_MARGIN_X + label,
        PAGE_MARGIN_X + label + value,
        PAGE_MARGIN_X + 2 * label + value,
    )
    for facts in documents:
        top = A4[1] - PAGE_MARGIN_TOP
        canvas.setFont(font, 22)
        canvas.drawCentredString(A4[0] / 2, top - 22, facts.title)
        canvas.setFont(font, 12)
        canvas.drawRightString(A4[0] - PAGE_MARGIN_X, top - 48, facts.number)
        canvas.setFont(font, 11)
        y = top - 62
        form_top = y
        pairs = (
            ("案件编号", facts.case_no, "登记日期", chinese_date(facts.received_on)),
            ("信访形式", facts.channel, "信访来源", facts.source),
            ("信访人", facts.petitioner, "联系电话", facts.phone),
            ("事项性质", facts.nature, "问题类别", facts.category),
        )
        for row in pairs:
            y -= 27
            for x, text in zip(columns, row, strict=True):
                canvas.drawString(x + 5, y + 9, text)
            canvas.line(columns[0], y, columns[0] + width, y)
        for name, text in (("内容摘要", facts.summary), ("交办意见", facts.opinion)):
            lines = simpleSplit(text, font, 11, width - label - 10)
            height = 16 * len(lines) + 11
            y -= height
            canvas.drawString(columns[0] + 5, y + height / 2 - 4, name)
            for number, line in enumerate(lines):
                canvas.drawString(columns[1] + 5, y + height - 16 * (number + 1), line)
            canvas.line(columns[0], y, columns[0] + width, y)
        y -= 27
        canvas.drawString(columns[0] + 5, y + 9, "承办单位")
        canvas.drawString(columns[1] + 5, y + 9, facts.department)
        canvas.drawString(columns[2] + 5, y + 9, "办理时限")
        canvas.drawString(columns[3] + 5, y + 9, f"{chinese_date(facts.due_on)}前")
        canvas.line(columns[0], y, columns[0] + width, y)
        y -= 7 * cm
        canvas.drawString(columns[0] + 5, y + 3.5 * cm, "办理结果")
        canvas.line(columns[0], y, columns[0] + width, y)
        y -= 1.6 * cm
        canvas.drawString(columns[0] + 5, y + 0.6 * cm, "承办人（签字）")
        canvas.drawString(columns[2] + 5, y + 0.6 * cm, "负责人（签字）")
        canvas.setLineWidth(1.4)
        canvas.rect(columns[0], y, width, form_top - y)
        canvas.setLineWidth(0.8)
        canvas.line(columns[1], y, columns[1], form_top)
        y -= 1.2 * cm
        canvas.drawRightString(A4[0] - PAGE_MARGIN_X, y, f"交办单位：{facts.unit_name}（盖章）")
        y -= 0.8 * cm
        canvas.drawRightString(A4[0] - PAGE_MARGIN_X, y, chinese_date(facts.issued_on))
        canvas.setFont(font, 9.5)
        for line in simpleSplit(ASSIGN_NOTE, font, 9.5, width):
            y -= 14
            canvas.drawString(PAGE_MARGIN_X, y, line)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def seconds(action) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def measure(db: str) -> tuple[float, float] | None:
    ledger = Ledger.open(db)
    with ledger.session() as s:
        cases = list(
            s.scalars(
                select(Case)
                .where(Case.assigned_at.is_not(None))
                .order_by(Case.assigned_at.desc())
                .limit(BATCH)
            )
        )
        if len(cases) < BATCH:
            print(f"{db}: only {len(cases)} assigned cases, skipped")
            return None
        documents = gather_facts(s, cases, DocumentKind.ASSIGN)
    ledger.close()
    font = pdf_fonts().primary.name
    bare_batch(documents[:20], font)  # warm-up: fonts registered, caches filled
    render_documents(documents[:20], io.BytesIO())
    real, bare = [], []
    for _ in range(RUNS):
        real.append(seconds(lambda: render_documents(documents, io.BytesIO())))
        bare.append(seconds(lambda: bare_batch(documents, font)))
    a, b = statistics.median(real), statistics.median(bare)
    print(
        f"{db}: 交办单 {BATCH / a:6.0f}/s, bare reportlab {BATCH / b:6.0f}/s, "
        f"ratio {a / b:.2f} (goal ≤ {GOAL:.0f})"
    )
    return a, b


def main(argv: list[str]) -> None:
    print("load (os.getloadavg):", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for db in argv or LEDGERS:
        measure(db)
    print("load (os.getloadavg):", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main(sys.argv[1:])
