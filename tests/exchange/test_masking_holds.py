"""A masked export keeps personal data typed into free text out, through the office too; every text stays text."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.helpers import draft
from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.export.exchange.merge import merge_workbooks
from xinfang_desk.export.exchange.office_workbook import export_office_ledger
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.identity import check_digit
from xinfang_desk.ledger.models import Category, Department
from xinfang_desk.ledger.redaction import is_id_number, mask_in_text
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.vocab import Outcome, Source
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def _id(first17: str) -> str:
    return first17 + check_digit(first17)


IDS = [_id(f"34010419900101{n:02d}1") for n in range(1, 8)]
PHONES = ["13912345601", "13912345602", "13912345603", "13912345604", "13912345605", "0551-63828123"]
#: how the numbers appear in the text a clerk types (a mobile may be split by spaces or hyphens)
TYPED_PHONES = [
    "139 1234 5601",
    "139-1234-5602",
    "13912345603",
    "+86 13912345604",
    "13912345605",
    "0551-63828123",
]


def _secrets_in(path: Path) -> list[str]:
    """Every seeded number found anywhere in the .xlsx: each part of the zip (cells, shared strings,
    properties, hidden sheets), digits compared with separators removed."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            text = archive.read(part).decode("utf-8", "replace")
            digits = "".join(c for c in text if c.isdigit() or c in "Xx")
            for secret in IDS + [p.replace("-", "") for p in PHONES]:
                if secret in text or secret in digits:
                    found.append(f"{part}: {secret}")
    return found


def _seeded_unit(folder: Path, code: str = "JWC", name: str = "教务处") -> Path:
    """A unit's masked export of a case whose every free-text field carries an ID or a phone number."""
    ledger = create_ledger(folder / f"{code}.sqlite", code, name)
    with ledger.session() as s:
        department = s.query(Department).first()
        department.name = f"后勤处（联系人电话 {TYPED_PHONES[5]}）"
        sub_category = s.query(Category).filter(Category.name == "宿舍条件与维修").one()
        sub_category.name = f"宿舍维修（报修电话 {TYPED_PHONES[4]}）"
        wf = Workflow(s, "接待员")
        case = wf.register(
            draft(
                received_at=datetime(2025, 3, 3, 9),
                summary=f"本人身份证{IDS[0]}，电话{TYPED_PHONES[0]}，宿舍热水器坏了",
                subcategory=sub_category.name,
                content=f"联系 {TYPED_PHONES[1]} 或身份证 {IDS[1].lower()}",
                petitioner=PetitionerInput(
                    name="李玥", id_number=IDS[2], phone=PHONES[2], affiliation=f"土木学院{IDS[3]}"
                ),
            )
        )
        wf.correct(case, "owner_leader", f"张处长{TYPED_PHONES[3]}", "补录")
        wf.correct(case, "remarks", f"另一人 {IDS[4]} 电话 {TYPED_PHONES[4]}", "补录")
        wf.accept(case, "受理", at=datetime(2025, 3, 4, 9))
        wf.assign(case, department.name, f"请联系{IDS[5]}", at=datetime(2025, 3, 5, 9))
        wf.reply(case, Outcome.SOLVED, f"已修好，回访电话 {TYPED_PHONES[2]}", at=datetime(2025, 3, 6, 9))
        declined = wf.register(draft(received_at=datetime(2025, 3, 3, 10), subcategory=""))
        wf.decline(declined, f"已由他人（身份证 {IDS[6]}）另案反映", at=datetime(2025, 3, 4, 10))
        forwarded = wf.register(draft(received_at=datetime(2025, 3, 3, 11), subcategory=""))
        wf.forward(forwarded, f"区信访局（值班电话 {TYPED_PHONES[3]}）", at=datetime(2025, 3, 4, 11))
        wf.register(
            draft(
                received_at=datetime(2025, 3, 3, 12),
                subcategory="",
                source=Source.SUPERIOR,
                superior_ref=f"转办〔2025〕1号 经办人{IDS[1]}",
                superior_due_on=date(2025, 4, 3),
            )
        )
        s.flush()
    target = folder / f"{code}.xlsx"
    with ledger.session() as s:
        export_ledger(s, target, "科长", start=YEAR[0], end=YEAR[1], today=date(2025, 3, 10))
    ledger.close()
    return target


def test_a_masked_export_contains_no_id_or_phone_typed_into_any_field(tmp_path: Path) -> None:
    path = _seeded_unit(tmp_path)
    assert _secrets_in(path) == []
    book = load_workbook(path)
    summary = next(r for r in book["信访台账"].iter_rows(min_row=2, values_only=True))
    assert any(isinstance(v, str) and "3401**********" in v for v in summary)  # masked, not dropped


def test_the_masked_numbers_stay_out_through_the_merge_and_the_office_export(
    tmp_path: Path, office: Ledger
) -> None:
    unit_file = _seeded_unit(tmp_path)
    with office.session() as s:
        merge_workbooks(s, [unit_file], "主任")
    target = tmp_path / "school.xlsx"
    with office.session() as s:
        export_office_ledger(s, target, "主任", start=YEAR[0], end=YEAR[1], today=date(2025, 3, 10))
    office.close()
    assert _secrets_in(target) == []


def test_a_unit_named_like_a_formula_stays_text_through_the_merge_and_the_office_export(
    tmp_path: Path, office: Ledger
) -> None:
    evil = '=HYPERLINK("http://x","点我")'
    unit_file = _seeded_unit(tmp_path, "EVIL", evil)
    with office.session() as s:
        merge_workbooks(s, [unit_file], "主任")
    target = tmp_path / "school.xlsx"
    with office.session() as s:
        export_office_ledger(s, target, "主任", start=YEAR[0], end=YEAR[1], today=date(2025, 3, 10))
    office.close()
    for path in (unit_file, target):
        book = load_workbook(path)
        formulas = [
            f"{sheet.title}!{cell.coordinate}"
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.data_type == "f"
        ]
        assert formulas == []
        texts = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert evil in texts


@given(
    st.text(alphabet=st.sampled_from("宿舍电话号码身份证，。 -abc"), max_size=12),
    st.text(alphabet=st.sampled_from("宿舍电话号码身份证，。 -abc"), max_size=12),
    st.integers(min_value=0, max_value=10**8 - 1),
    st.sampled_from(["3", "5", "7", "8", "9"]),
)
def test_mask_in_text_hides_any_valid_id_and_mobile_wherever_it_stands(
    before: str, after: str, serial: int, second: str
) -> None:
    id_number = _id(f"340104198{serial:08d}"[:17])
    mobile = f"1{second}{serial:09d}"[:11]
    text = f"{before}{id_number}，{after}{mobile}{before}"  # numbers stand apart from other digits
    masked = mask_in_text(text)
    assert id_number not in masked and mobile not in masked
    assert masked.startswith(before)


def test_numbers_that_are_not_personal_data_stay() -> None:
    not_an_id = "34010419900101001" + ("0" if check_digit("34010419900101001") != "0" else "1")
    assert not is_id_number(not_an_id)  # a typo in the check digit: not someone's ID number
    order = f"订单号 {not_an_id} 金额 1500 元"
    assert mask_in_text(order) == order
    assert mask_in_text("2025年3月15日下午3点") == "2025年3月15日下午3点"
    assert mask_in_text("学号 2021123456") == "学号 2021123456"


def _history_texts(path: Path) -> list[str]:
    sheet = load_workbook(path)["办理记录"]
    return [str(v) for row in sheet.iter_rows(min_row=2, values_only=True) for v in row if isinstance(v, str)]


def test_the_steps_of_a_masked_export_keep_each_petitioners_own_numbers_out_however_typed(
    tmp_path: Path,
) -> None:
    """Numbers ``mask_in_text`` cannot recognise (a 400 number, an ID split in groups, a mobile written
    with dots) are still the petitioner's: the 办理记录 sheet masks them as the 台账's columns do."""
    ledger = create_ledger(tmp_path / "u.sqlite", "JWC", "教务处")
    typed = {
        (
            "400-820-1234",
            IDS[0],
        ): f"已回电 400 820 1234；核对身份证 {IDS[0][:6]} {IDS[0][6:14]} {IDS[0][14:]}",
        ("13912345601", IDS[1]): "已回电 139.1234.5601",
    }
    with ledger.session() as s:
        wf = Workflow(s, "接待员")
        for n, ((phone, id_number), note) in enumerate(typed.items()):
            person = PetitionerInput(name=f"李玥{n}", id_number=id_number, phone=phone)
            case = wf.register(draft(received_at=datetime(2025, 3, 3, 9 + n), petitioner=person))
            wf.accept(case, "受理", at=datetime(2025, 3, 4, 9))
            wf.assign(case, s.query(Department).first().name, "请办理", at=datetime(2025, 3, 5, 9))
            wf.progress(case, note, at=datetime(2025, 3, 6, 9))
    for full in (False, True):
        with ledger.session() as s:
            export_ledger(s, tmp_path / f"{full}.xlsx", "科长", start=YEAR[0], end=YEAR[1], full=full)
    ledger.close()

    def digits(texts: list[str]) -> str:
        return "".join(c for c in "".join(texts) if c.isdigit() or c == "X")

    masked, full = _history_texts(tmp_path / "False.xlsx"), _history_texts(tmp_path / "True.xlsx")
    for secret in ("4008201234", IDS[0], "13912345601"):
        assert secret in digits(full)  # the full export keeps them as typed
        assert secret not in digits(masked)
    ledger_sheet = load_workbook(tmp_path / "False.xlsx")["信访台账"]
    phones = [r[8] for r in ledger_sheet.iter_rows(min_row=2, values_only=True)]
    assert phones == ["400-****1234", "139****5601"]
    # typed in a note, each number shows as its column shows it
    assert any(phones[0] in t and f"{IDS[0][:4]}**********{IDS[0][-4:]}" in t for t in masked)
    assert any(phones[1] in t for t in masked)
