"""Merging units' exported 台账 into the office ledger: revisions, conflicts, repeats, provenance, 多头访."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.bad_workbooks import as_version_1, column, person, rewrite_export, unit_export, unit_ledger
from xinfang_desk.export.exchange.identity import verify_ledger_file
from xinfang_desk.export.exchange.merge import FileStatus, MergeReport, merge_workbooks, write_report
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import AuditEntry, Case, MergeConflict, MergedFile, PersonFlag
from xinfang_desk.ledger.provenance import EXACT, POSSIBLE, case_provenance
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.workflow import find_case


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Ledger]:
    opened = create_ledger(tmp_path / "office.sqlite", "XFB", "信访与督办室", office=True)
    yield opened
    opened.close()


def merge(office: Ledger, *paths: Path, accept_edited: bool = False) -> MergeReport:
    with office.session() as session:
        return merge_workbooks(session, list(paths), "督办室主任", accept_edited=accept_edited)


def snapshot(office: Ledger) -> list[tuple]:
    """Every case's number, revision, status and summary, plus the rows of the merge's own tables."""
    with office.session() as s:
        cases = s.execute(
            select(Case.case_no, Case.revision, Case.status, Case.summary).order_by(Case.case_no)
        )
        counts = [
            s.scalar(select(func.count()).select_from(t)) for t in (MergedFile, MergeConflict, AuditEntry)
        ]
        return [tuple(r) for r in cases] + [tuple(counts)]


def test_a_units_file_goes_in_whole_and_the_same_file_again_changes_nothing(
    office: Ledger, tmp_path: Path
) -> None:
    path = unit_export(tmp_path, cases=3)
    first = merge(office, path)
    assert first.files[0].status is FileStatus.TAKEN
    assert (first.added, first.updated, first.unchanged, first.conflicts) == (3, 0, 0, 0)
    before = snapshot(office)
    again = merge(office, path)
    assert again.files[0].status is FileStatus.ALREADY
    assert "合并过" in again.files[0].reason
    assert snapshot(office) == before


def test_a_file_of_format_version_1_is_still_read(office: Ledger, tmp_path: Path) -> None:
    old = as_version_1(unit_export(tmp_path, cases=3), tmp_path / "v1.xlsx")
    identity = verify_ledger_file(old)
    assert (identity.format_version, identity.row_count) == (1, 3)
    report = merge(office, old)
    assert (report.files[0].status, report.files[0].edited, report.added) == (FileStatus.TAKEN, False, 3)
    edited = rewrite_export(
        old, tmp_path / "v1-edited.xlsx", lambda rows: rows[1].__setitem__(13, "改"), sign=False
    )
    assert merge(office, edited).files[0].status is FileStatus.REFUSED


def test_merged_cases_are_searchable_and_counted_as_the_unit_counts_them(
    office: Ledger, tmp_path: Path
) -> None:
    merge(office, unit_export(tmp_path, cases=3))
    with office.session() as s:
        assert len(case_ids(s, CaseFilter(text="热水器"))) == 3
        assert len(case_ids(s, CaseFilter(unit_code="JWC"))) == 3
        case = find_case(s, "JWC-2025-0002")
        assert (case.received_at.date().isoformat(), case.petitioner.name, case.category.name) == (
            "2025-01-07",
            "李玥",
            "后勤服务类",
        )


def test_newer_revisions_replace_older_and_same_revision_with_other_content_is_a_conflict(
    office: Ledger, tmp_path: Path
) -> None:
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    numbers = [unit.register(datetime(2025, 1, 6 + i, 9)) for i in range(3)]
    first = unit.export(tmp_path / "v1.xlsx")
    assert merge(office, first).added == 3

    unit.close_case(numbers[0], datetime(2025, 1, 20, 10))
    second = unit.export(tmp_path / "v2.xlsx", at=datetime(2025, 1, 21, 9))
    report = merge(office, second)
    assert (report.added, report.updated, report.unchanged, report.conflicts) == (0, 1, 2, 0)
    with office.session() as s:
        assert find_case(s, numbers[0]).status == "closed"

    # the older file, exported again (another file, same old content): nothing goes backwards
    older = rewrite_export(first, tmp_path / "v1-again.xlsx", identity={"exported_at": "2025-01-22T09:00:00"})
    report = merge(office, older)
    assert (report.added, report.updated, report.unchanged, report.conflicts) == (0, 0, 3, 0)
    with office.session() as s:
        assert find_case(s, numbers[0]).status == "closed"

    def change_summary(rows: list[list]) -> None:
        rows[2][column("内容摘要")] = "同一修订号却不同的摘要"

    clash = rewrite_export(second, tmp_path / "clash.xlsx", change_summary)
    before = snapshot(office)[:-1]
    report = merge(office, clash)
    assert (report.added, report.updated, report.unchanged, report.conflicts) == (0, 0, 2, 1)
    assert numbers[1] in report.text() and "请与该单位核实" in report.text()
    assert "【部分合并，有冲突】clash.xlsx" in report.text() and "【已合并】clash.xlsx" not in report.text()
    assert snapshot(office)[:-1] == before  # the office's version is kept

    with office.session() as s:
        conflict = s.scalars(select(MergeConflict)).one()
        assert (conflict.case_no, conflict.incoming["summary"]) == (numbers[1], "同一修订号却不同的摘要")

    def change_all(rows: list[list]) -> None:
        for row in rows[1:]:
            row[column("内容摘要")] = "整份文件都不同"

    all_clash = rewrite_export(second, tmp_path / "all-clash.xlsx", change_all)
    report = merge(office, all_clash)
    assert report.conflicts == 3
    assert "【全部冲突，未合并】all-clash.xlsx" in report.text()


def test_an_edited_file_is_refused_unless_accepted_and_is_then_marked(office: Ledger, tmp_path: Path) -> None:
    good = unit_export(tmp_path, cases=2)

    def edit(rows: list[list]) -> None:
        rows[1][column("内容摘要")] = "导出后手工改过"

    edited = rewrite_export(good, tmp_path / "edited.xlsx", edit, sign=False)
    before = snapshot(office)
    refused = merge(office, edited)
    assert refused.files[0].status is FileStatus.REFUSED
    assert "导出后被修改" in refused.files[0].reason and "--accept-edited" in refused.files[0].reason
    assert snapshot(office) == before

    taken = merge(office, edited, accept_edited=True)
    assert taken.files[0].status is FileStatus.TAKEN and taken.files[0].edited
    assert "标记为“导出后被修改”" in taken.text()
    with office.session() as s:
        assert s.scalars(select(MergedFile)).one().edited
        assert find_case(s, "JWC-2025-0001").summary == "导出后手工改过"
        assert case_provenance(s, find_case(s, "JWC-2025-0001").id).edited


def test_a_bad_file_is_refused_and_the_good_ones_still_go_in(office: Ledger, tmp_path: Path) -> None:
    good = unit_export(tmp_path, cases=2)
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("不是表格", encoding="utf-8")
    report = merge(office, bad, good)
    assert [f.status for f in report.files] == [FileStatus.REFUSED, FileStatus.TAKEN]
    assert report.added == 2


def test_provenance_names_the_file_its_hash_the_unit_and_the_time(office: Ledger, tmp_path: Path) -> None:
    import hashlib

    path = unit_export(tmp_path, "HQ", "后勤集团", cases=1)
    report = merge(office, path)
    with office.session() as s:
        origin = case_provenance(s, find_case(s, "HQ-2025-0001").id)
    assert origin is not None
    assert (origin.file_name, origin.file_sha256, origin.unit_code, origin.unit_name) == (
        "HQ.xlsx",
        hashlib.sha256(path.read_bytes()).hexdigest(),
        "HQ",
        "后勤集团",
    )
    assert origin.merged_at == report.merged_at and origin.merged_by == "督办室主任"


def test_repeats_stay_linked_to_their_original_case(office: Ledger, tmp_path: Path) -> None:
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    original = unit.register(datetime(2025, 1, 6, 9))
    unit.close_case(original, datetime(2025, 1, 10, 9))
    repeat = unit.register(datetime(2025, 2, 3, 9), repeat_of=original)
    merge(office, unit.export(tmp_path / "u.xlsx"))
    with office.session() as s:
        case = find_case(s, repeat)
        assert case.is_repeat and case.repeat_of_id == find_case(s, original).id


def test_only_the_office_merges(ledger: Ledger, tmp_path: Path) -> None:
    with ledger.session() as s, pytest.raises(ValidationError, match="信访与督办室"):
        merge_workbooks(s, [unit_export(tmp_path, "HQ", "后勤集团")], "主任")


def test_the_office_refuses_its_own_unit_code(office: Ledger, tmp_path: Path) -> None:
    report = merge(office, unit_export(tmp_path, "XFB", "信访与督办室"))
    assert "与本汇总台账相同" in report.files[0].reason


def _two_units_same_person(tmp_path: Path, days_apart: int, *, full: bool) -> tuple[Path, Path]:
    start = datetime(2025, 3, 3, 9)
    files = []
    for code, name, when in (
        ("JWC", "教务处", start),
        ("HQ", "后勤集团", start + timedelta(days=days_apart)),
    ):
        unit = unit_ledger(tmp_path, code, name, when)
        unit.register(when, petitioner=person(), category="后勤服务类", subcategory="宿舍条件与维修")
        # the same name in the other unit with another phone: not the same person, even masked
        other_phone = "13900001111" if code == "JWC" else "13900002222"
        unit.register(when, petitioner=person("赵昇", "", other_phone), category="教学管理类", subcategory="")
        files.append(unit.export(tmp_path / f"{code}.xlsx", full=full, at=start + timedelta(days=120)))
        unit.ledger.close()
    return files[0], files[1]


@pytest.mark.parametrize(("days", "flagged"), [(90, True), (91, False)])
def test_the_same_person_in_two_units_within_90_days_is_flagged(
    office: Ledger, tmp_path: Path, days: int, flagged: bool
) -> None:
    report = merge(office, *_two_units_same_person(tmp_path, days, full=True))
    names = [f.name for f in report.flags]
    assert names == (["王喆"] if flagged else [])
    if flagged:
        flag = report.flags[0]
        assert flag.certainty == EXACT and flag.category == "后勤服务类"
        assert set(flag.unit_names) == {"教务处", "后勤集团"}
        assert "多头访" in report.text() and "王喆" in report.text()


def test_masked_exports_give_only_a_possible_match_and_say_so(office: Ledger, tmp_path: Path) -> None:
    files = _two_units_same_person(tmp_path, 10, full=False)
    report = merge(office, *files)
    assert [(f.name, f.certainty) for f in report.flags] == [("王喆", POSSIBLE)]
    assert "疑似" in report.text() and "人工核实" in report.text()
    assert merge(office, *files).flags == []  # nothing new the second time
    with office.session() as s:
        assert s.scalar(select(func.count(PersonFlag.id))) == 1


def test_the_report_is_saved_as_a_text_file(office: Ledger, tmp_path: Path) -> None:
    report = merge(office, unit_export(tmp_path, cases=1))
    saved = write_report(report, tmp_path / "报告")
    text = saved.read_text(encoding="utf-8-sig")
    assert text == report.text()
    assert "【已合并】JWC.xlsx" in text and "新增 1 件" in text
