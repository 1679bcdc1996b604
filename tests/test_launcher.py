"""The bundle's one executable: the window without a command, the command line with one."""

from __future__ import annotations

import pytest

from xinfang_desk import launcher


@pytest.mark.parametrize(
    "args",
    [[], ["--db", "台账.sqlite"], ["--db=台账.sqlite"], ["--demo"], ["--demo", "--demo-cases", "50"]],
)
def test_no_command_opens_the_window(args: list[str]) -> None:
    assert launcher.wants_window(args)


@pytest.mark.parametrize(
    "args",
    [["--self-test"], ["--version"], ["--help"], ["stats", "--year", "2025"], ["export-ledger", "--db", "x"]],
)
def test_a_command_or_program_option_goes_to_the_command_line(args: list[str]) -> None:
    assert not launcher.wants_window(args)


def test_the_command_line_runs_and_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("xinfang-desk ")
    with pytest.raises(SystemExit) as stopped:
        launcher.main(["--help"])
    assert stopped.value.code == 0
    assert "migrate-to" in capsys.readouterr().out
