"""The merge's pipeline: files read ahead in a second process, several files per commit, the index."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.bad_workbooks import column, rewrite_export, unit_export, unit_ledger
from tests.engines import on_postgresql
from xinfang_desk.export.exchange import merge as merge_module
from xinfang_desk.export.exchange import merge_reading
from xinfang_desk.export.exchange.merge import FileStatus, MergeReport, merge_workbooks
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import AuditEntry, Case, CaseOrigin, MergedFile, Petitioner
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.workflow import Workflow, find_case


def merge(office: Ledger, *paths: Path) -> MergeReport:
    with office.session() as session:
        return merge_workbooks(session, list(paths), "督办室主任")


def cases(office: Ledger) -> list[tuple]:
    with office.session() as s:
        rows = s.execute(
            select(Case.case_no, Case.revision, Case.status, Case.summary).order_by(Case.case_no)
        )
        return [tuple(r) for r in rows]


def index_matches_ledger(office: Ledger) -> bool:
    """Each case is in both full-text indexes exactly once, with the text its triggers would give.

    A file ledger keeps those indexes in tables of their own, which a merge must keep in step; a server
    searches the cases' own columns (trigram indexes), so there is nothing to fall out of step there.
    """
    if on_postgresql():
        return True
    body = "c.case_no || ' ' || c.summary || ' ' || c.content || ' ' || coalesce(p.name, '')"
    with office.session() as s:
        total = s.scalar(select(func.count(Case.id)))
        same = [
            s.scalar(
                text(
                    f"SELECT count(*) FROM cases c LEFT JOIN petitioners p ON p.id = c.petitioner_id "
                    f"JOIN {table} f ON f.rowid = c.id WHERE f.body = {expression.format(body)}"
                )
            )
            for table, expression in (("case_fts", "{}"), ("case_fts_short", "xf_short_grams({})"))
        ]
        indexed = [s.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("case_fts", "case_fts_short")]
    return same == indexed == [total, total]


def test_reading_ahead_in_a_second_process_merges_exactly_as_reading_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    units = [
        unit_export(tmp_path / code, code, name, cases=4)
        for code, name in (("JWC", "教务处"), ("HQ", "后勤集团"))
    ]
    bad = rewrite_export(
        units[0], tmp_path / "bad.xlsx", lambda rows: rows[2].__setitem__(column("人数"), "三人")
    )
    files = [units[0], bad, units[1], units[0], unit_export(tmp_path / "TSG", "TSG", "图书馆", cases=2)]
    results = []
    # read here; all in a second process (a new interpreter, or this platform's way); in both
    usual = merge_reading.start_method()
    runs = ((10**12, True, usual), (0, False, "spawn"), (0, False, usual), (0, True, usual))
    for run, (threshold, helps, method) in enumerate(runs):
        monkeypatch.setattr(merge_reading, "PARALLEL_FROM_BYTES", threshold)
        monkeypatch.setattr(merge_reading, "CALLER_HELPS", helps)
        monkeypatch.setattr(merge_reading, "start_method", lambda method=method: method)
        office = create_ledger(tmp_path / f"office-{run}.sqlite", "XFB", "信访与督办室", office=True)
        with office.session() as session:
            report = merge_workbooks(session, files, "督办室主任", clock=lambda: datetime(2025, 6, 3, 10))
        results.append(([f.summary() for f in report.files], report.headline(), cases(office)))
        assert index_matches_ledger(office)
        office.close()
    here, *others = results
    assert others == [here] * 3
    assert not [r for r in caplog.records if r.name == merge_reading.__name__]  # no falling back
    assert [s.split("】")[0] for s in here[0]] == [
        "【已合并",
        "【已拒绝",
        "【已合并",
        "【已合并过",
        "【已合并",
    ]


def test_a_file_read_in_the_second_process_arrives_as_it_was_read(tmp_path: Path) -> None:
    read = merge_reading.read_unit_file(
        unit_export(tmp_path, cases=3), merge_reading.ReadOptions("XFB", datetime(2025, 6, 3, 10))
    )
    assert read.rows and read.events and not read.refusal
    assert pickle.loads(ForkingPickler.dumps(read)) == read


def test_files_on_both_sides_of_a_refused_one_are_kept(office: Ledger, tmp_path: Path) -> None:
    first = unit_export(tmp_path / "a", "JWC", "教务处", cases=3)
    edited = rewrite_export(
        unit_export(tmp_path / "b", "HQ", "后勤集团", cases=2),
        tmp_path / "e.xlsx",
        lambda rows: rows[1].__setitem__(column("内容摘要"), "导出后改过的摘要"),
        sign=False,
    )
    last = unit_export(tmp_path / "c", "TSG", "图书馆", cases=2)
    report = merge(office, first, edited, last)
    assert [f.status for f in report.files] == [FileStatus.TAKEN, FileStatus.REFUSED, FileStatus.TAKEN]
    assert {no.split("-")[0] for no, *_ in cases(office)} == {"JWC", "TSG"} and len(cases(office)) == 5
    with office.session() as s:
        assert s.scalar(select(func.count(MergedFile.id))) == 2
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "merge_ledger")) == 2
    assert index_matches_ledger(office)


def test_a_later_revision_in_the_same_merge_leaves_every_case_searchable(
    office: Ledger, tmp_path: Path
) -> None:
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    numbers = [
        unit.register(datetime(2025, 1, 6 + i, 9), summary=f"第{i}件：宿舍热水器损坏") for i in range(4)
    ]
    before = unit.export(tmp_path / "before.xlsx", at=datetime(2025, 1, 20, 9))
    unit.step(
        numbers[0], datetime(2025, 1, 21, 9), lambda wf, c: wf.correct(c, "summary", "图书馆空调噪音", "更正")
    )
    after = unit.export(tmp_path / "after.xlsx", at=datetime(2025, 1, 22, 9))
    report = merge(office, before, after)
    assert (report.added, report.updated, report.unchanged) == (4, 1, 3)
    assert index_matches_ledger(office)
    with office.session() as s:
        found = set(case_ids(s, CaseFilter(text="热水器")))
        assert found == {find_case(s, n).id for n in numbers[1:]}
        assert case_ids(s, CaseFilter(text="噪音")) == [find_case(s, numbers[0]).id]


def test_a_repeat_listed_before_its_original_is_still_linked(office: Ledger, tmp_path: Path) -> None:
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    original = unit.register(datetime(2025, 1, 6, 9))
    unit.close_case(original, datetime(2025, 1, 10, 9))
    repeat = unit.register(datetime(2025, 2, 3, 9), repeat_of=original)
    exported = unit.export(tmp_path / "u.xlsx")
    reversed_rows = rewrite_export(exported, tmp_path / "r.xlsx", lambda rows: [rows[0], *reversed(rows[1:])])
    report = merge(office, reversed_rows)
    assert report.files[0].status is FileStatus.TAKEN and not report.files[0].warnings[:-1]
    with office.session() as s:
        assert find_case(s, repeat).repeat_of_id == find_case(s, original).id


@pytest.mark.parametrize("error", [ValidationError("审计日志写入失败。"), RuntimeError("disk")])
def test_a_file_failing_halfway_leaves_nothing_of_itself(
    office: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    files = [
        unit_export(tmp_path / c, c, n, cases=3)
        for c, n in (("JWC", "教务处"), ("HQ", "后勤集团"), ("TSG", "图书馆"))
    ]
    record = merge_module.audit.record_audit

    def failing_for_hq(session, actor, action, detail, **kw):  # after its cases went in
        if detail.get("file") == "HQ.xlsx":
            raise error
        return record(session, actor, action, detail, **kw)

    monkeypatch.setattr(merge_module.audit, "record_audit", failing_for_hq)
    report = merge(office, *files)
    assert [f.status for f in report.files] == [FileStatus.TAKEN, FileStatus.REFUSED, FileStatus.TAKEN]
    assert {no.split("-")[0] for no, *_ in cases(office)} == {"JWC", "TSG"}
    with office.session() as s:
        assert s.scalar(select(func.count(Petitioner.id))) == 6
        assert s.scalar(select(func.count(CaseOrigin.id))) == 6
    assert index_matches_ledger(office)


def test_merged_days_are_found_by_the_ledgers_date_filters(office: Ledger, tmp_path: Path) -> None:
    merge(office, unit_export(tmp_path, "JWC", "教务处", cases=3))  # received 6, 7 and 8 January
    with office.session() as s:
        on_the_7th = case_ids(s, CaseFilter(received_from=date(2025, 1, 7), received_to=date(2025, 1, 7)))
        assert [s.get(Case, i).received_at for i in on_the_7th] == [datetime(2025, 1, 7)]
        assert len(case_ids(s, CaseFilter(received_from=date(2025, 1, 7)))) == 2


def test_a_bulk_load_that_changes_a_new_case_again_still_indexes_every_case(
    ledger: Ledger, register_case
) -> None:
    with ledger.backend.bulk_loading(ledger.engine):
        ids = [register_case(summary=f"第{i}件：图书馆空调噪音") for i in range(3)]
        with ledger.session() as s:  # the last one changed while the insert trigger is away
            Workflow(s, "主任").correct(s.get(Case, ids[-1]), "summary", "食堂饭菜变质", "更正")
    if not on_postgresql():  # SQLite's FTS5 tables, kept by triggers (a server keeps its indexes itself)
        assert index_matches_ledger(ledger)
    with ledger.session() as s:
        assert case_ids(s, CaseFilter(text="空调")) and set(case_ids(s, CaseFilter(text="空调"))) == set(
            ids[:2]
        )
        assert case_ids(s, CaseFilter(text="饭菜")) == [ids[-1]]
