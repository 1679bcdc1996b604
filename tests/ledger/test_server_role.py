"""A clerk's own account on the server: it registers and works cases, and the server itself refuses it any
change or removal of the history (``xinfang-desk server-role``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.engines import postgresql_only
from tests.helpers import draft
from xinfang_desk.cli import main
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.operations.trail import verify
from xinfang_desk.ledger.permissions import Role


@pytest.fixture
def clerk_role(ledger_location: str, capsys: pytest.CaptureFixture[str]) -> Iterator[str]:
    """A clerk's account made by running ``server-role``'s script as the owner; removed afterwards."""
    role = f"clerk_{os.getpid()}"
    assert main(["server-role", role, "--db", ledger_location]) == 0
    script = capsys.readouterr().out
    owner = create_engine(ledger_location)
    try:
        raw = owner.raw_connection()
        try:
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            raw.driver_connection.execute(script)  # type: ignore[union-attr]
        finally:
            raw.close()
        yield make_url(ledger_location).set(username=role).render_as_string(hide_password=False)
        with owner.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
    finally:
        owner.dispose()


@postgresql_only
def test_a_clerks_account_works_cases_but_the_server_refuses_it_any_change_of_history(
    ledger: Ledger, clerk_role: str
) -> None:
    desk = Ledger.open(clerk_role)
    try:
        with desk.operation(Actor("接待员", role=Role.ADMIN)) as ctx:
            case = cases.register_case(ctx, draft(summary="宿舍热水器损坏")).value
        assert case.case_no.startswith("JWC-")
        for statement in (
            "UPDATE case_events SET note = '改过'",
            "DELETE FROM case_events",
            "DELETE FROM audit_log",
            "TRUNCATE case_events",
            "DELETE FROM cases",
        ):
            with pytest.raises(LedgerError) as refused, desk.session() as s:
                s.execute(text(statement))
            said = str(refused.value)
            assert ("不能修改或删除历史记录" in said) != ("不能删除案件" in said), (statement, said)
        with desk.operation(Actor("管理员甲", role=Role.ADMIN), write=False) as ctx:
            assert verify(ctx).intact  # its own steps were sealed into the chain
    finally:
        desk.close()


def test_a_ledger_file_has_no_database_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server-role", "clerk", "--db", str(tmp_path / "ledger.sqlite")]) == 2
    assert "只在 PostgreSQL 服务器上的台账中使用" in capsys.readouterr().err


def test_a_role_name_that_is_not_a_plain_identifier_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server-role", "clerk; DROP TABLE cases", "--db", "postgresql+psycopg://u@h/ledger"]) == 2
    assert "数据库账号名" in capsys.readouterr().err
