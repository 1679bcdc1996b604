"""Every open-ended argument is bounded: an out-of-range value is one Chinese sentence, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.commands.test_cli import run
from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.search import CaseFilter, case_ids


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bounds") / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--cases", "60", "--seed", "5", "--today", "2026-11-25"]) == 0
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "--from", "2025-01-01", "--to", "9999-12-31"], "超出可用范围"),
        (["cases", "--year", "9999"], "年度须在 2000 至 2100 之间"),
        (["cases", "--limit", "1e20"], "不是整数"),
        (["cases", "--limit", "100000000000000000000"], "--limit须在 1 至 100,000 之间"),
        (["cases", "--search", " ".join(["宿舍"] * 501)], "检索内容"),
        (["cases", "--search", "宿舍\x1b空调"], "控制字符"),
        (["demo", "--cases", "100000000000"], "案件数须在"),
    ],
)
def test_out_of_range_arguments_get_a_sentence(small_db: Path, args: list[str], message: str) -> None:
    result = run(args[0], "--db", str(small_db), *args[1:])
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_search_bounds_hold_in_the_core_too(small_db: Path) -> None:
    ledger = Ledger.open(small_db)
    try:
        with ledger.reading() as s:
            with pytest.raises(ValidationError, match="最多 20 个词"):
                case_ids(s, CaseFilter(text=" ".join("ab" for _ in range(501))))
            with pytest.raises(ValidationError, match="超出可用范围"):
                case_ids(s, CaseFilter(year=9999))
    finally:
        ledger.close()


_values = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
    st.sampled_from(["1e20", "nan", "-0", "9999-12-31", "0001-01-01", "2025-02-30", " ", "\x00", "--"]),
)
_commands = st.sampled_from(
    [
        ["cases", "--limit"],
        ["cases", "--year"],
        ["cases", "--search"],
        ["cases", "--status"],
        ["stats", "--year"],
        ["stats", "--from", "2025-01-01", "--to"],
        ["stats", "--to", "2025-12-31", "--from"],
        ["demo", "--cases"],
        ["demo", "--cases", "3", "--today"],
        ["slip", "-o", "/nonexistent/x.pdf"],
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=_commands, value=_values)
def test_no_argument_value_gives_a_traceback(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], value: str
) -> None:
    db = str(tmp_path / "new-demo.sqlite") if command[0] == "demo" else str(small_db)
    if command == ["demo", "--cases"] and value.strip().lstrip("-").isdigit() and 0 <= int(value) <= 10**6:
        value = "3"  # an accepted count: a small one, the large ones are only slow
    argv = [command[0], "--db", db, *command[1:], value]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's one line
        code = exit_.code
    if command[0] == "demo":
        Path(db).unlink(missing_ok=True)
    err = capsys.readouterr().err
    assert code in (0, 1, 2), err
    if code:
        assert err.startswith("错误：") or "错误：" in err
        assert "Traceback" not in err
