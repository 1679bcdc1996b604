"""Merging units' exported 台账 into the office ledger: revisions, conflicts, repeats, provenance, 多头访."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.bad_workbooks import as_older_version, column, person, rewrite_export, unit_export, unit_ledger
from xinfang_desk.export.exchange.columns import HISTORY_HEADERS
from xinfang_desk.export.exchange.identity import verify_ledger_file
from xinfang_desk.export.exchange.merge import FileStatus, MergeReport, merge_workbooks, write_report
from xinfang_desk.ledger.case_details import load_case_details
from xinfang_desk.ledger.chain_check import verify_ledger
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import (
    AuditEntry,
    Case,
    CaseEvent,
    MergeConflict,
    MergedEvent,
    MergedFile,
    PersonFlag,
)
from xinfang_desk.ledger.provenance import EXACT, POSSIBLE, case_provenance
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.workflow import find_case


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
    old = as_older_version(unit_export(tmp_path, cases=3), tmp_path / "v1.xlsx", 1)
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


# ---------------------------------------------------------------------------------------- history
def _timeline(ledger: Ledger, case_no: str) -> list[tuple]:
    """A case's 办理记录 as the case view shows it: step, time, step name, who, note, detail."""
    with ledger.session() as s:
        details = load_case_details(s, find_case(s, case_no).id)
    return [(e.seq, e.at, e.kind_label, e.recorded_by, e.note, e.detail) for e in details.timeline]


def _as_the_units_record(entries: list[tuple], unit_name: str) -> list[tuple]:
    return [(*e[:3], f"{e[3]}（{unit_name}台账记录）", *e[4:]) for e in entries]


def test_a_merged_case_shows_its_units_history_as_the_units_record(office: Ledger, tmp_path: Path) -> None:
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    number = unit.register(datetime(2025, 1, 6, 9))
    unit.close_case(number, datetime(2025, 1, 20, 10))
    at_the_unit = _timeline(unit.ledger, number)
    merge(office, unit.export(tmp_path / "u.xlsx"))
    unit.ledger.close()

    shown = _timeline(office, number)
    assert [e[2] for e in shown] == ["登记", "受理", "交办", "答复", "回访评价", "办结"]
    assert shown == _as_the_units_record(at_the_unit, "教务处")
    assert shown[2][3] == "主任（教务处台账记录）" and "后勤集团" in shown[2][5]
    with office.session() as s:
        case = find_case(s, number)
        # not the office's own steps: none in its history, and its hash chain still verifies
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) == 0
        assert verify_ledger(s.connection()) == []
        assert load_case_details(s, case.id).actions == ()


def test_a_newer_export_extends_the_history_and_merging_again_duplicates_nothing(
    office: Ledger, tmp_path: Path
) -> None:
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    first, second = (unit.register(datetime(2025, 1, 6 + i, 9)) for i in range(2))
    merge(office, unit.export(tmp_path / "v1.xlsx"))
    assert [e[2] for e in _timeline(office, first)] == ["登记"]

    unit.close_case(first, datetime(2025, 1, 20, 10))
    newer = unit.export(tmp_path / "v2.xlsx", at=datetime(2025, 1, 21, 9))
    assert merge(office, newer).updated == 1
    expected = {n: _as_the_units_record(_timeline(unit.ledger, n), "教务处") for n in (first, second)}
    assert [e[0] for e in expected[first]] == [1, 2, 3, 4, 5, 6]
    assert {n: _timeline(office, n) for n in (first, second)} == expected

    again = unit.export(tmp_path / "v2-again.xlsx", at=datetime(2025, 1, 22, 9))
    older = rewrite_export(
        tmp_path / "v1.xlsx", tmp_path / "v1-again.xlsx", identity={"exported_at": "2025-01-23T09:00:00"}
    )
    statuses = [merge(office, path).files[0].status for path in (newer, again, older)]
    assert statuses == [FileStatus.ALREADY, FileStatus.TAKEN, FileStatus.TAKEN]
    unit.ledger.close()
    assert {n: _timeline(office, n) for n in (first, second)} == expected
    with office.session() as s:
        assert s.scalar(select(func.count()).select_from(MergedEvent)) == 7


def test_a_version_2_file_still_merges_and_a_later_export_brings_the_history(
    office: Ledger, tmp_path: Path
) -> None:
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    number = unit.register(datetime(2025, 1, 6, 9))
    unit.close_case(number, datetime(2025, 1, 20, 10))
    export = unit.export(tmp_path / "u.xlsx")
    old = as_older_version(export, tmp_path / "v2.xlsx", 2)
    assert (verify_ledger_file(old).format_version, verify_ledger_file(old).history_rows) == (2, 0)

    report = merge(office, old)
    assert (report.files[0].status, report.files[0].edited, report.added) == (FileStatus.TAKEN, False, 1)
    assert _timeline(office, number) == []  # a file of version 2 carries no history

    report = merge(office, export)  # the same revision: unchanged, and its history is filled in
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    assert _timeline(office, number) == _as_the_units_record(_timeline(unit.ledger, number), "教务处")
    unit.ledger.close()


def test_steps_that_do_not_fit_their_case_refuse_the_file_naming_the_sheet_and_row(
    office: Ledger, tmp_path: Path
) -> None:
    good = unit_export(tmp_path, cases=2)

    def spoil(rows: list[list]) -> None:
        rows[1][HISTORY_HEADERS.index("步骤")] = "随便写"
        rows[2][HISTORY_HEADERS.index("步骤序号")] = 9
        rows[2][HISTORY_HEADERS.index("案件编号")] = "JWC-2025-0099"

    report = merge(office, rewrite_export(good, tmp_path / "bad-steps.xlsx", edit_history=spoil))
    result = report.files[0]
    assert result.status is FileStatus.REFUSED and "有 2 行数据有误" in result.reason
    said = "\n".join(result.problems)
    assert "“办理记录”表第 2 行：步骤“随便写”不是可选值" in said
    assert "“办理记录”表第 3 行：" in said and "步骤序号 9 大于该案件的修订号 1" in said
    assert "案件编号“JWC-2025-0099”与“信访台账”表中该案件的编号“JWC-2025-0002”不符" in said
    with office.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def _history_edited(source: Path, target: Path, change: Callable[[Any], None]) -> Path:
    """``source`` opened in a spreadsheet program, its 办理记录 sheet changed by hand, saved as ``target``."""
    workbook = load_workbook(source)
    change(workbook["办理记录"])
    workbook.save(target)
    return target


def test_an_edited_history_is_refused_unless_accepted_like_an_edited_row(
    office: Ledger, tmp_path: Path
) -> None:
    good = unit_export(tmp_path, cases=2)
    actor = HISTORY_HEADERS.index("经办人") + 1
    edited = _history_edited(
        good, tmp_path / "edited.xlsx", lambda sheet: setattr(sheet.cell(2, actor), "value", "别人")
    )
    refused = merge(office, edited)
    assert refused.files[0].status is FileStatus.REFUSED
    assert (
        "办理记录表与校验值不符" in refused.files[0].reason and "--accept-edited" in refused.files[0].reason
    )
    dropped = _history_edited(good, tmp_path / "dropped.xlsx", lambda sheet: sheet.delete_rows(3))
    assert "办理记录表应有 2 行，实际为 1 行" in merge(office, dropped).files[0].reason
    with office.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0

    taken = merge(office, edited, accept_edited=True)
    assert taken.files[0].status is FileStatus.TAKEN and taken.files[0].edited
    assert _timeline(office, "JWC-2025-0001")[0][3] == "别人（教务处台账记录）"


def test_a_formula_like_note_stays_text_in_the_history_and_through_the_merge(
    office: Ledger, tmp_path: Path
) -> None:
    evil = '=HYPERLINK("http://x","点我")'
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    number = unit.register(datetime(2025, 1, 6, 9))
    unit.step(
        number, datetime(2025, 1, 7, 9), lambda wf, case: wf.accept(case, evil, at=datetime(2025, 1, 7, 9))
    )
    export = unit.export(tmp_path / "u.xlsx")
    unit.ledger.close()
    sheet = load_workbook(export)["办理记录"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert evil in [c.value for c in cells]
    merge(office, export)
    assert _timeline(office, number)[1][4] == evil


def test_a_control_character_spelled_into_a_step_does_not_reach_the_office(
    office: Ledger, tmp_path: Path
) -> None:
    good = unit_export(tmp_path, cases=1)

    def spell(rows: list[list]) -> None:  # what Excel writes for a control character in a cell
        rows[1][HISTORY_HEADERS.index("内容")] = "来电_x0007_铃声"

    # hashed as spelled it no longer verifies (the export never writes one): taken only as edited
    report = merge(
        office, rewrite_export(good, tmp_path / "bell.xlsx", edit_history=spell), accept_edited=True
    )
    assert report.files[0].status is FileStatus.TAKEN, report.text()
    assert _timeline(office, "JWC-2025-0001")[0][4] == "来电 铃声"
