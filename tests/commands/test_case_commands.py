"""``xinfang-desk case …``: a script runs a case through its whole life; refusals are one Chinese line."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.workflow import find_case

REGISTRATION = {
    "channel": "领导信箱",
    "source": "校长信箱转办",
    "nature": "申诉求决类",
    "category": "后勤服务类",
    "subcategory": "宿舍条件与维修",
    "summary": "3号楼宿舍热水器损坏两周无人维修",
    "received_at": "2026-11-02 09:30",
    "petitioner": {"name": "张喆", "phone": "13812345678", "id_number": "11010519491231002X"},
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "unit.sqlite"
    assert main(["init", "--db", str(path), "--unit-code", "HQJT", "--unit-name", "后勤集团"]) == 0
    return path


PASSWORD = "script-pass-2026"


def signed_in_ledger(path: Path, admin: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ledger whose administrator is ``admin``, signed in through the environment as a script would be."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    created = main(
        ["init", "--db", str(path), "--unit-code", "HQJT", "--unit-name", "后勤集团"]
        + ["--admin", admin, "--password-stdin"]
    )
    assert created == 0
    monkeypatch.setenv("XINFANG_DESK_USER", admin)
    monkeypatch.setenv("XINFANG_DESK_PASSWORD", PASSWORD)
    return path


def history(db: Path, case_no: str) -> list[tuple[str, str]]:
    ledger = Ledger.open(db)
    try:
        with ledger.session() as s:
            return [(e.kind, e.actor) for e in find_case(s, case_no).events]
    finally:
        ledger.close()


def test_a_shell_script_runs_a_case_through_its_life(tmp_path: Path, monkeypatch) -> None:
    db = signed_in_ledger(tmp_path / "unit.sqlite", "脚本", monkeypatch)
    script = tmp_path / "life.sh"
    script.write_text(
        textwrap.dedent(
            f"""\
            set -e
            x() {{ "{sys.executable}" -m xinfang_desk "$@" --db "{db}"; }}
            no=$(x case register --json - <<'JSON'
            {json.dumps(REGISTRATION, ensure_ascii=False)}
            JSON
            )
            x case accept "$no" --note 同意受理 --at "2026-11-02 10:00"
            x case assign "$no" --department 后勤集团 --opinion 请三日内修复 --due 2026-11-06 --at "2026-11-03 09:00"
            x case reply "$no" --outcome 解决到位 --text 已更换热水器 --at "2026-11-05 16:00"
            x case evaluate "$no" --satisfaction 满意 --at "2026-11-06 10:00"
            x case close "$no" --at "2026-11-06 11:00"
            echo "$no"
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    case_no = done.stdout.split()[-1]
    assert case_no == "HQJT-2026-0001"
    assert [kind for kind, _ in history(db, case_no)] == [
        "register",
        "accept",
        "assign",
        "reply",
        "evaluate",
        "close",
    ]
    assert {actor for _, actor in history(db, case_no)} == {"脚本"}


def test_an_illegal_step_is_one_chinese_line_and_changes_nothing(db: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "r.json"
    source.write_text(json.dumps(REGISTRATION, ensure_ascii=False), encoding="utf-8")
    assert main(["case", "register", "--db", str(db), "--json", str(source)]) == 0
    case_no = capsys.readouterr().out.strip()
    before = history(db, case_no)
    for step in (
        ["reply", case_no, "--outcome", "解决到位", "--text", "已答复"],
        ["close", case_no],
        ["extend", case_no, "--days", "10", "--reason", "需要调查"],
        ["assign", case_no, "--department", "不存在的部门", "--opinion", "请办理"],
    ):
        assert main(["case", *step, "--db", str(db)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("错误：") and err.count("\n") == 1, err
        assert "Traceback" not in err
    assert history(db, case_no) == before


def test_a_batch_with_one_bad_registration_registers_none(db: Path, tmp_path: Path, capsys) -> None:
    bad = dict(REGISTRATION, channel="飞鸽传书")
    source = tmp_path / "batch.json"
    source.write_text(json.dumps([REGISTRATION, bad], ensure_ascii=False), encoding="utf-8")
    assert main(["case", "register", "--db", str(db), "--json", str(source)]) == 2
    err = capsys.readouterr().err
    assert "第2件" in err and "飞鸽传书" in err and "可选" in err
    assert main(["cases", "--db", str(db)]) == 0
    assert "共 0 件" in capsys.readouterr().out


def test_show_prints_the_case_with_personal_data_masked(tmp_path: Path, capsys, monkeypatch) -> None:
    db = signed_in_ledger(tmp_path / "unit.sqlite", "主任老李", monkeypatch)
    capsys.readouterr()
    source = tmp_path / "r.json"
    source.write_text(json.dumps(REGISTRATION, ensure_ascii=False), encoding="utf-8")
    main(["case", "register", "--db", str(db), "--json", str(source)])
    case_no = capsys.readouterr().out.strip()
    main(["case", "accept", case_no, "--db", str(db)])
    capsys.readouterr()
    assert main(["case", "show", case_no, "--db", str(db), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "已受理"
    text = json.dumps(shown, ensure_ascii=False)
    assert "11010519491231002X" not in text and "13812345678" not in text
    assert "1101**********002X" in text
    assert [(e["kind_label"], e["actor"]) for e in shown["timeline"]][-1] == ("受理", "主任老李")
    assert main(["case", "show", case_no, "--db", str(db)]) == 0
    assert "138****5678" in capsys.readouterr().out


def test_correct_keeps_the_old_value_in_the_history(db: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "r.json"
    source.write_text(json.dumps(REGISTRATION, ensure_ascii=False), encoding="utf-8")
    main(["case", "register", "--db", str(db), "--json", str(source)])
    case_no = capsys.readouterr().out.strip()
    args = [
        "case",
        "correct",
        case_no,
        "--db",
        str(db),
        "--field",
        "内容摘要",
        "--value",
        "热水器损坏",
        "--reason",
        "笔误",
    ]
    assert main(args) == 0
    ledger = Ledger.open(db)
    with ledger.session() as s:
        case = find_case(s, case_no)
        assert case.summary == "热水器损坏"
        assert case.events[-1].data["old"] == REGISTRATION["summary"]
    ledger.close()
    assert (
        main(
            [
                "case",
                "correct",
                case_no,
                "--db",
                str(db),
                "--field",
                "case_no",
                "--value",
                "X",
                "--reason",
                "r",
            ]
        )
        == 2
    )
    assert "不能更正" in capsys.readouterr().err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=200),
        st.dictionaries(
            st.sampled_from([*REGISTRATION, "x"]), st.one_of(st.text(), st.integers(), st.none())
        ).map(lambda d: json.dumps(d, ensure_ascii=False)),
    )
)
def test_any_registration_text_is_registered_or_refused_in_chinese(
    db: Path, tmp_path: Path, text: str
) -> None:
    source = tmp_path / "any.json"
    source.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["case", "register", "--db", str(db), "--json", str(source)])
    assert code in (0, 2)
    if code == 2:
        assert err.getvalue().startswith("错误：") and err.getvalue().count("\n") == 1
