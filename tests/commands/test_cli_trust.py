"""The command line signs in, enforces roles, issues tokens, verifies the history and shows the audit log."""

from __future__ import annotations

import io
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.helpers import draft
from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import AuditEntry, Department
from xinfang_desk.ledger.vocab import Outcome
from xinfang_desk.ledger.workflow import Workflow

ADMIN, ADMIN_PASSWORD = "王主任", "admin-pass-1"


def _cli(
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: str = "",
    user: str | None = None,
    password: str | None = None,
    token: Path | None = None,
) -> int:
    for key in ("XINFANG_DESK_USER", "XINFANG_DESK_PASSWORD", "XINFANG_DESK_TOKEN_FILE"):
        monkeypatch.delenv(key, raising=False)
    if user is not None:
        monkeypatch.setenv("XINFANG_DESK_USER", user)
    if password is not None:
        monkeypatch.setenv("XINFANG_DESK_PASSWORD", password)
    if token is not None:
        monkeypatch.setenv("XINFANG_DESK_TOKEN_FILE", str(token))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(args))


@pytest.fixture
def secured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ledger made by ``init --admin`` with cases in every state, and a 接待员 who changed their password."""
    path = tmp_path / "ledger.sqlite"
    assert (
        _cli(
            monkeypatch,
            "init",
            "--db",
            str(path),
            "--unit-code",
            "JWC",
            "--unit-name",
            "教务处",
            "--admin",
            ADMIN,
            "--password-stdin",
            stdin=ADMIN_PASSWORD + "\n",
        )
        == 0
    )
    ledger = Ledger.open(path)
    with ledger.session() as s:
        wf = Workflow(s, ADMIN)
        for _ in range(3):
            case = wf.register(draft())
            wf.accept(case, "受理")
        wf.decline(wf.register(draft()), "不属于受理范围")
    ledger.close()
    db = ["--db", str(path)]
    assert (
        _cli(
            monkeypatch,
            "users",
            "add",
            "李接待",
            "--role",
            "接待员",
            *db,
            "--password-stdin",
            stdin="first-pass-1\n",
            user=ADMIN,
            password=ADMIN_PASSWORD,
        )
        == 0
    )
    return path


def test_every_command_on_a_ledger_with_users_needs_a_signed_in_user(
    secured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(secured)]
    assert _cli(monkeypatch, "cases", *db) == 2
    assert "XINFANG_DESK_USER" in capsys.readouterr().err
    assert _cli(monkeypatch, "cases", *db, user=ADMIN, password="guess-1234") == 2
    assert "用户名或密码错误" in capsys.readouterr().err
    assert _cli(monkeypatch, "cases", *db, user=ADMIN, password=ADMIN_PASSWORD) == 0
    assert "共 4 件" in capsys.readouterr().out


def test_actor_option_is_gone(secured: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        _cli(
            monkeypatch,
            "export-ledger",
            "--db",
            str(secured),
            "--year",
            "2026",
            "-o",
            str(tmp_path / "x.xlsx"),
            "--actor",
            "信访办主任",
        )


def test_a_receptionist_must_change_the_password_then_cannot_export(
    secured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = ["--db", str(secured)]
    as_reception = {"user": "李接待", "password": "first-pass-1"}
    assert _cli(monkeypatch, "cases", *db, **as_reception) == 2
    assert "须先修改密码" in capsys.readouterr().err
    assert (
        _cli(
            monkeypatch,
            "passwd",
            *db,
            "--password-stdin",
            stdin="first-pass-1\nmy-own-pass-2\n",
            **as_reception,
        )
        == 0
    )
    as_reception["password"] = "my-own-pass-2"
    assert _cli(monkeypatch, "cases", *db, **as_reception) == 0
    out = tmp_path / "full.xlsx"
    capsys.readouterr()
    assert (
        _cli(monkeypatch, "export-ledger", *db, "--year", "2026", "-o", str(out), "--full", **as_reception)
        == 2
    )
    assert "无权导出台账" in capsys.readouterr().err
    assert not out.exists()
    assert _cli(monkeypatch, "users", "list", *db, **as_reception) == 2
    assert "无权管理用户" in capsys.readouterr().err


def test_the_audit_log_names_the_signed_in_user_not_a_claimed_one(
    secured: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "full.xlsx"
    assert (
        _cli(
            monkeypatch,
            "export-ledger",
            "--db",
            str(secured),
            "--year",
            "2026",
            "-o",
            str(out),
            "--full",
            user=ADMIN,
            password=ADMIN_PASSWORD,
        )
        == 0
    )
    ledger = Ledger.open(secured)
    with ledger.session() as s:
        entries = [(e.actor, e.action) for e in s.query(AuditEntry).order_by(AuditEntry.id)]
    ledger.close()
    assert (ADMIN, "export_full") in entries


def test_a_token_file_signs_a_script_in_and_must_be_private(
    secured: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = tmp_path / "token"
    assert (
        _cli(
            monkeypatch,
            "users",
            "issue-token",
            "李接待",
            "--db",
            str(secured),
            "-o",
            str(token),
            user=ADMIN,
            password=ADMIN_PASSWORD,
        )
        == 0
    )
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert _cli(monkeypatch, "cases", "--db", str(secured), token=token) == 0
    os.chmod(token, 0o644)
    assert _cli(monkeypatch, "cases", "--db", str(secured), token=token) == 2
    assert "chmod 600" in capsys.readouterr().err
    os.chmod(token, 0o600)
    assert (
        _cli(
            monkeypatch,
            "users",
            "disable",
            "李接待",
            "--db",
            str(secured),
            user=ADMIN,
            password=ADMIN_PASSWORD,
        )
        == 0
    )
    capsys.readouterr()
    assert _cli(monkeypatch, "cases", "--db", str(secured), token=token) == 2
    assert "令牌无效" in capsys.readouterr().err


def _tamper(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    for sql in statements:
        db.execute(sql)
    db.commit()
    db.close()


def test_verify_names_every_case_whose_history_was_changed_around_the_program(
    secured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    as_admin = {"user": ADMIN, "password": ADMIN_PASSWORD}
    db = ["--db", str(secured)]
    assert (
        _cli(monkeypatch, "export-ledger", *db, "--year", "2026", "-o", str(tmp_path / "a.xlsx"), **as_admin)
        == 0
    )
    ledger = Ledger.open(secured)
    with ledger.session() as s:
        wf = Workflow(s, ADMIN)
        case = wf.register(draft())
        wf.accept(case, "受理")
        wf.assign(case, s.query(Department).first().name, "请办理")
        wf.reply(case, Outcome.SOLVED, "已修好")
    ledger.close()
    assert _cli(monkeypatch, "verify", *db, **as_admin) == 0
    assert "完整" in capsys.readouterr().out
    _tamper(
        secured,
        "DROP TRIGGER case_events_no_update",
        "DROP TRIGGER case_events_no_delete",
        "DROP TRIGGER audit_log_no_delete",
        "UPDATE case_events SET note = '从未受理', actor = '信访办主任' WHERE case_id = 1 AND seq = 2",
        "DELETE FROM case_events WHERE case_id = 2 AND seq = 2",
        "UPDATE case_events SET seq = 99 WHERE case_id = 5 AND seq = 3",
        "UPDATE case_events SET seq = 3 WHERE case_id = 5 AND seq = 4",
        "UPDATE case_events SET seq = 4 WHERE case_id = 5 AND seq = 99",
        "UPDATE cases SET status = 'closed' WHERE id = 4",
        "DELETE FROM audit_log",
    )
    assert _cli(monkeypatch, "verify", *db, **as_admin) == 1
    report = capsys.readouterr().out
    lines = report.splitlines()

    def about(case_no: str, words: str) -> bool:
        return any(case_no in line and words in line for line in lines)

    assert "保护触发器被删除" in report and "case_events_no_update" in report
    assert about("JWC-2026-0001", "修改")
    assert about("JWC-2026-0002", "删除")
    assert about("JWC-2026-0005", "修改")
    assert about("JWC-2026-0004", "与办理记录不符")
    assert "审计日志" in report and "删除" in report
    # the triggers are back: the history can no longer be changed, and the next verify still remembers
    _tamper_refused = sqlite3.connect(secured)
    with pytest.raises(sqlite3.DatabaseError):
        _tamper_refused.execute("DELETE FROM case_events WHERE case_id = 3")
    _tamper_refused.close()
    assert _cli(monkeypatch, "verify", *db, **as_admin) == 1
    assert "此前曾发现保护触发器被删除" in capsys.readouterr().out


def test_verify_names_an_event_forged_with_plain_sqlite(
    secured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(
        secured,
        "INSERT INTO case_events(case_id, seq, kind, actor, at, recorded_at, note, data) "
        "VALUES (3, 3, 'close', '信访办主任', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '', '{}')",
        "UPDATE cases SET status = 'closed', revision = 3 WHERE id = 3",
    )
    assert _cli(monkeypatch, "verify", "--db", str(secured), user=ADMIN, password=ADMIN_PASSWORD) == 1
    report = capsys.readouterr().out
    assert any("JWC-2026-0003" in line and "不是由本程序写入" in line for line in report.splitlines())


def test_audit_command_lists_and_exports_the_trail(
    secured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    as_admin = {"user": ADMIN, "password": ADMIN_PASSWORD}
    db = ["--db", str(secured)]
    assert _cli(monkeypatch, "audit", *db, "--user", ADMIN, "--action", "add_user", **as_admin) == 0
    out = capsys.readouterr().out
    assert "添加用户" in out and "李接待" in out and "共 1 条" in out
    target = tmp_path / "trail.xlsx"
    assert _cli(monkeypatch, "audit", *db, "-o", str(target), **as_admin) == 0
    assert target.exists() and stat.S_IMODE(target.stat().st_mode) == 0o600
    capsys.readouterr()
    assert _cli(monkeypatch, "audit", *db, "--action", "export_audit", **as_admin) == 0
    assert "导出审计日志" in capsys.readouterr().out


def test_emptying_the_users_table_does_not_open_the_ledger_to_anyone(
    secured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(secured, "DROP TRIGGER users_no_delete", "DELETE FROM users")
    assert _cli(monkeypatch, "cases", "--db", str(secured)) == 2
    assert "XINFANG_DESK_USER" in capsys.readouterr().err
    _tamper(secured, "DELETE FROM ledger_info WHERE key = 'users_enabled'")
    assert (
        _cli(
            monkeypatch,
            "users",
            "add",
            "冒充者",
            "--role",
            "管理员",
            "--db",
            str(secured),
            "--password-stdin",
            stdin="taken-over-1\n",
        )
        == 2
    )
    assert "已有管理员" in capsys.readouterr().err
    assert _cli(monkeypatch, "verify", "--db", str(secured)) == 1
    assert "用户表已被清空" in capsys.readouterr().out


def test_a_copy_or_a_restore_of_the_ledger_needs_its_permission_and_is_audited(
    secured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = ["--db", str(secured)]
    reception = {"user": "李接待", "password": "first-pass-1"}
    new_password = "first-pass-1\nmy-own-pass-2\n"
    assert _cli(monkeypatch, "passwd", *db, "--password-stdin", stdin=new_password, **reception) == 0
    reception["password"] = "my-own-pass-2"
    copy = tmp_path / "带走.sqlite"
    assert _cli(monkeypatch, "backup", *db, "-o", str(copy), **reception) == 2
    assert "无权备份台账" in capsys.readouterr().err and not copy.exists()
    assert _cli(monkeypatch, "migrate-to", str(copy), *db, **reception) == 2
    assert "无权备份台账" in capsys.readouterr().err and not copy.exists()

    admin = {"user": ADMIN, "password": ADMIN_PASSWORD}
    assert _cli(monkeypatch, "backup", *db, "-o", str(copy), **admin) == 0
    capsys.readouterr()
    assert _cli(monkeypatch, "restore", *db, str(copy), **reception) == 2
    assert "无权恢复台账" in capsys.readouterr().err
    assert _cli(monkeypatch, "restore", *db, str(copy), **admin) == 0
    # the ledger replaced is kept as it was, with who copied it and who replaced it
    replaced = Path(capsys.readouterr().out.split("被替换的台账已先备份到：")[1].splitlines()[0])
    ledger = Ledger.open(replaced)
    with ledger.session() as s:
        actions = [(e.actor, e.action) for e in s.query(AuditEntry).order_by(AuditEntry.id)]
    ledger.close()
    assert actions[-2:] == [(ADMIN, "backup_ledger"), (ADMIN, "restore_ledger")]


def test_verify_says_so_where_the_database_does_not_seal_the_history(
    secured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from xinfang_desk.ledger.storage.sqlite import SqliteBackend

    monkeypatch.setattr(SqliteBackend, "seals_chain", False)  # as on a database without a backend of its own
    assert _cli(monkeypatch, "verify", "--db", str(secured), user=ADMIN, password=ADMIN_PASSWORD) == 2
    assert "尚未启用历史记录哈希链" in capsys.readouterr().err
